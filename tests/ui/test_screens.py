"""Every screen rendered at 240x240 and 320x240 against reference images a person checked.

The fonts ship with the package and Pillow is pinned, so the comparison is exact. After a
deliberate change to a screen, look at the new images, then:

    UPDATE_REFERENCE=1 .venv/bin/pytest tests/ui/test_screens.py
"""

import os
from pathlib import Path

import pytest
from moments import IMAGED
from moments import SIZES as MOMENT_SIZES
from PIL import Image, ImageChops

from ui.screens.gallery import SCREENS, render

REFERENCE = Path(__file__).resolve().parent / "reference"
GALLERY = Path(__file__).resolve().parents[2] / "docs" / "gallery"
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


@pytest.mark.parametrize("size", SIZES + ((480, 320),), ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", sorted(SCREENS))
def test_docs_gallery_is_current(name: str, size: tuple[int, int]) -> None:
    """docs/gallery shows what the code draws today (regenerate: python -m ui.screens.gallery)."""
    path = GALLERY / f"{name}-{size[0]}x{size[1]}.png"
    if UPDATE:
        render(name, size).save(path)
    assert path.exists(), f"no {path}: run python -m ui.screens.gallery docs/gallery"
    box = ImageChops.difference(Image.open(path).convert("RGB"), render(name, size)).getbbox()
    assert box is None, f"{path} is stale inside {box}: python -m ui.screens.gallery docs/gallery"


def test_docs_gallery_holds_nothing_unknown() -> None:
    """Every PNG in docs/gallery comes from a generator that the tests keep current."""
    moments = {f"moment-{n}-{w}x{h}.png" for n in IMAGED for w, h in MOMENT_SIZES}
    screens = {f"{n}-{w}x{h}.png" for n in SCREENS for w, h in (*SIZES, (480, 320))}
    demo = {p.name for p in GALLERY.glob("demo-*.png")}  # tests/test_demo.py keeps these
    assert {p.name for p in GALLERY.glob("*.png")} == moments | screens | demo


@pytest.mark.parametrize("name", sorted(SCREENS))
def test_screen_lays_out_at_480x320(name: str) -> None:
    """The larger HAT size: rendering must not fail and must not leave the screen blank."""
    image = render(name, (480, 320))
    assert image.size == (480, 320)
    assert len(image.getcolors(maxcolors=1 << 16) or ()) > 2
