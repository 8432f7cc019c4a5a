"""Every screen rendered at 240x240 and 320x240 against reference images a person checked.

The fonts ship with the package and Pillow is pinned, so the comparison is exact. After a
deliberate change to a screen, look at the new images, then:

    UPDATE_REFERENCE=1 .venv/bin/pytest tests/ui/test_screens.py
"""

import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from ui.screens.gallery import SCREENS, render

REFERENCE = Path(__file__).resolve().parent / "reference"
SIZES = ((240, 240), (320, 240))
UPDATE = os.environ.get("UPDATE_REFERENCE") == "1"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", sorted(SCREENS))
def test_screen_matches_reference(name: str, size: tuple[int, int]) -> None:
    image = render(name, size)
    assert image.size == size
    path = REFERENCE / f"{name}-{size[0]}x{size[1]}.png"
    if UPDATE:
        image.save(path)
    assert path.exists(), f"no reference image {path.name}: run with UPDATE_REFERENCE=1"
    reference = Image.open(path).convert("RGB")
    box = ImageChops.difference(reference, image).getbbox()
    assert box is None, f"{name} at {size} differs from its reference inside {box}"


@pytest.mark.parametrize("name", sorted(SCREENS))
def test_screen_lays_out_at_480x320(name: str) -> None:
    """The larger HAT size: rendering must not fail and must not leave the screen blank."""
    image = render(name, (480, 320))
    assert image.size == (480, 320)
    assert len(image.getcolors(maxcolors=1 << 16) or ()) > 2
