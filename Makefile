# The two commands a newcomer needs: `make demo` and `make test`. Both set up .venv first.
PY := .venv/bin/python
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup demo test lint bench fuzz clean

setup:
	@./scripts/bootstrap.sh

demo: setup
	$(PY) -m ui.cli demo

test: setup
	.venv/bin/ruff check signer ui tests bench
	$(PY) -m pytest -q

lint: setup
	.venv/bin/ruff check signer ui tests bench

bench: setup
	$(PY) -m bench

clean:
	rm -rf .venv demo-out .pytest_cache
