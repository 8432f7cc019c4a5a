"""The coordinator libraries the suite runs are exactly the ones package-lock.json pins."""

import json

import pytest

from interop.interop_kit import JS, node


@pytest.mark.usefixtures("coordinators")
def test_loaded_libraries_are_the_locked_versions() -> None:
    lock = json.loads((JS / "package-lock.json").read_text())["packages"]
    wanted = json.loads((JS / "package.json").read_text())["dependencies"]
    loaded = node("versions.mjs", "list")
    assert loaded == wanted
    assert all(lock[f"node_modules/{name}"]["version"] == version
               for name, version in loaded.items())
