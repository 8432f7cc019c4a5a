import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VECTORS = REPO.parent / "shared" / "vectors"


def load_vectors(relative: str) -> dict:
    """A JSON file from ../shared/vectors (the public test vectors, with their sources)."""
    return json.loads((VECTORS / relative).read_text())


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    assert VECTORS.is_dir(), f"public test vectors not found at {VECTORS}"
    return VECTORS
