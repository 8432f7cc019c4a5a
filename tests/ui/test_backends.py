"""Display and input backends that can run here: framebuffer (on a file), recorder, specs."""

from pathlib import Path

import pytest
from PIL import Image

from signer.errors import UsageError
from ui.backends import open_display, open_input, parse_size
from ui.backends.display import FramebufferDisplay, RecorderDisplay
from ui.backends.input import ScriptedInput

PIXELS = {(0, 0): (255, 0, 0), (1, 0): (0, 255, 0), (2, 0): (0, 0, 255),
          (0, 1): (255, 255, 255), (1, 1): (18, 52, 86)}


def _picture(size: tuple[int, int]) -> Image.Image:
    image = Image.new("RGB", size)
    for xy, colour in PIXELS.items():
        image.putpixel(xy, colour)
    return image


def _framebuffer(tmp_path: Path, bits: int, stride: int) -> tuple[FramebufferDisplay, Path]:
    sysfs = tmp_path / "graphics" / "fb1"
    sysfs.mkdir(parents=True)
    (sysfs / "virtual_size").write_text("3,2\n")
    (sysfs / "bits_per_pixel").write_text(f"{bits}\n")
    (sysfs / "stride").write_text(f"{stride}\n")
    device = tmp_path / "fb1"
    return FramebufferDisplay(str(device), sysfs.parent), device


def test_framebuffer_rgb565_with_row_padding(tmp_path: Path) -> None:
    display, device = _framebuffer(tmp_path, 16, stride=8)  # 6 bytes of pixels + 2 padding
    assert display.size == (3, 2)
    display.show(_picture((3, 2)))
    data = device.read_bytes()
    assert len(data) == 16
    for (x, y), (r, g, b) in PIXELS.items():
        # RGB565 by the book: 5 bits red, 6 green, 5 blue, little-endian in the framebuffer.
        expected = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3)
        assert int.from_bytes(data[y * 8 + 2 * x : y * 8 + 2 * x + 2], "little") == expected
    assert data[6:8] == b"\0\0"


def test_framebuffer_32_bit_is_bgrx(tmp_path: Path) -> None:
    display, device = _framebuffer(tmp_path, 32, stride=12)
    display.show(_picture((3, 2)))
    data = device.read_bytes()
    for (x, y), (r, g, b) in PIXELS.items():
        offset = y * 12 + 4 * x
        assert tuple(data[offset : offset + 3]) == (b, g, r)


def test_framebuffer_without_geometry_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="fb9: no framebuffer"):
        FramebufferDisplay(str(tmp_path / "fb9"), tmp_path)


def test_recorder_keeps_distinct_frames_and_writes_a_gif(tmp_path: Path) -> None:
    display = RecorderDisplay((3, 2), tmp_path / "out")
    first = _picture((3, 2))
    display.show(first)
    display.show(first.copy())  # unchanged: not a new frame
    display.show(Image.new("RGB", (3, 2), (9, 9, 9)))
    display.close()
    assert len(display.frames) == 2
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "0001.png", "0002.png", "session.gif"]
    with Image.open(tmp_path / "out" / "session.gif") as gif:
        assert gif.n_frames == 2
    with pytest.raises(UsageError):
        display.show(Image.new("RGB", (4, 4)))


@pytest.mark.parametrize("spec", ["", "png", "hdmi", "png:"])
def test_unknown_display_spec_is_a_usage_error(spec: str) -> None:
    with pytest.raises(UsageError):
        open_display(spec, (240, 240))


def test_input_specs(tmp_path: Path) -> None:
    display = RecorderDisplay((240, 240))
    script = tmp_path / "keys"
    script.write_text("press\n")
    assert isinstance(open_input(f"script:{script}", display), ScriptedInput)
    with pytest.raises(UsageError, match="needs --display window"):
        open_input("keyboard", display)
    with pytest.raises(UsageError):
        open_input("mouse", display)


@pytest.mark.parametrize(("text", "size"), [("240x240", (240, 240)), ("320X240", (320, 240))])
def test_parse_size(text: str, size: tuple[int, int]) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["240", "x240", "64x64", "abcxdef"])
def test_bad_size_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        parse_size(text)
