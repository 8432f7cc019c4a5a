import json
from pathlib import Path

import pytest

from signer.keystore import KdfParams

# Shared fixtures from the CLI test kit (vault_keystore).
pytest_plugins = ["cli_kit"]

REPO = Path(__file__).resolve().parent.parent
# Copied into the repository (sources, licences: tests/vectors/README.md): a clone stands alone.
VECTORS = REPO / "tests" / "vectors"
# Tests only (with kdf_cost_check=False): an instant unlock instead of the device's 64 MiB.
CHEAP_KDF = KdfParams(memory_kib=64, iterations=1, lanes=1)


def load_vectors(relative: str) -> dict:
    """A JSON file from tests/vectors (the public test vectors, with their sources)."""
    return json.loads((VECTORS / relative).read_text())


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    assert VECTORS.is_dir(), f"public test vectors not found at {VECTORS}"
    return VECTORS


INTEROP = REPO / "tests" / "interop"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """tests/interop needs Node.js and npm installs: it runs only when named (make interop)."""
    if collection_path != INTEROP:
        return None
    named = (Path(arg.split("::")[0]).resolve() for arg in config.args)
    return not any(path == INTEROP or INTEROP in path.parents for path in named)
