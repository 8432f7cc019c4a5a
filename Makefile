# The two commands a newcomer needs: `make demo` and `make test`. Both set up .venv first.
PY := .venv/bin/python
KERNEL ?= stock
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup demo test interop lint bench fuzz image image-test clean

setup:
	@./scripts/bootstrap.sh

demo: setup
	$(PY) -m ui.cli demo

test: setup
	.venv/bin/ruff check signer ui tests bench image-build
	$(PY) -m pytest -q

# Interop with real coordinator software (tests/interop/README.md): Node.js and the npm
# libraries pinned in tests/interop/js/package-lock.json, installed here when missing.
interop: setup
	scripts/interop-deps.sh
	$(PY) -m pytest -q tests/interop

lint: setup
	.venv/bin/ruff check signer ui tests bench image-build

bench: setup
	$(PY) -m bench

# Long fuzzing runs (100x the examples of the short runs inside `make test`): docs/SECURITY.md
fuzz: setup
	HYPOTHESIS_PROFILE=long $(PY) -m pytest -q tests/fuzz

# The Raspberry Pi image (root, or sudo, for mmdebstrap and the host tools): KERNEL=stock|nonet
image:
	image-build/build.sh $(KERNEL)

image-test:
	image-build/boot-test.sh $(KERNEL)

clean:
	rm -rf .venv demo-out .pytest_cache image-build/out tests/interop/js/node_modules
