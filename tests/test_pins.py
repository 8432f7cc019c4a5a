"""One list of pinned versions: requirements.txt feeds pyproject.toml and the image build."""

import re
from importlib import metadata

from conftest import REPO

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][A-Za-z0-9.+!-]*)$")


def pins() -> dict[str, str]:
    found: dict[str, str] = {}
    for raw in (REPO / "requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = PIN.match(line)
        assert match, f"requirements.txt: not an exact pin: {raw!r}"
        found[match[1].lower()] = match[2]
    return found


def test_every_pin_is_what_venv_runs() -> None:
    for name, version in pins().items():
        assert metadata.version(name) == version, name


def test_the_package_declares_exactly_the_list() -> None:
    declared = {}
    for requirement in metadata.requires("airsign") or []:
        if "extra ==" in requirement:
            continue
        name, _, version = requirement.partition("==")
        declared[name.strip().lower()] = version.strip()
    assert declared == pins()


def test_the_image_build_keeps_no_second_list() -> None:
    script = (REPO / "image-build" / "build.sh").read_text()
    assert "requirements.txt" in script
    for name in pins():
        assert not re.search(rf"{re.escape(name)}==", script, re.IGNORECASE), name
