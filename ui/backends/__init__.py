"""Hardware behind two small interfaces: a Display that shows an image, an Input that yields keys.

Backends: ST7789 over SPI, the Linux framebuffer, a desktop window, a headless PNG/GIF recorder
(display); GPIO joystick + keys, the desktop window's keyboard, a scripted list (input).
`open_display` and `open_input` build them from the `airsign run` option strings.
"""

from enum import StrEnum
from pathlib import Path
from typing import Protocol

from PIL import Image

from signer.errors import UsageError


class Key(StrEnum):
    """The Waveshare 1.3" LCD HAT: a five-way joystick and three keys (BACK is Esc/KEY1)."""

    UP = "up"
    DOWN = "down"
    LEFT = "left"
    RIGHT = "right"
    PRESS = "press"
    KEY1 = "key1"
    KEY2 = "key2"
    KEY3 = "key3"
    BACK = "back"


class InputClosed(Exception):  # noqa: N818 - an end of input, not an error
    """The input source has ended (window closed, script finished): the app stops cleanly."""


class Display(Protocol):
    size: tuple[int, int]

    def show(self, image: Image.Image) -> None: ...

    def set_brightness(self, percent: int) -> None: ...

    def close(self) -> None: ...


class Input(Protocol):
    def wait(self, timeout: float | None) -> Key | None:
        """The next key press, or None when timeout seconds pass without one."""
        ...

    def close(self) -> None: ...


def parse_size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit()) or int(width) < 128 or int(height) < 128:
        raise UsageError(f"bad screen size {text!r}: use WIDTHxHEIGHT, e.g. 240x240")
    return int(width), int(height)


def open_display(spec: str, size: tuple[int, int]) -> Display:
    """window | fb[:/dev/fbN] | st7789 | png:DIR"""
    from ui.backends import display

    kind, _, arg = spec.partition(":")
    if kind == "window":
        return display.WindowDisplay(size)
    if kind == "fb":
        return display.FramebufferDisplay(arg or "/dev/fb0")
    if kind == "st7789":
        return display.ST7789Display(size)
    if kind == "png" and arg:
        return display.RecorderDisplay(size, Path(arg))
    raise UsageError(f"unknown display {spec!r}: use window, fb[:/dev/fbN], st7789 or png:DIR")


def open_input(spec: str, display: Display) -> Input:
    """keyboard | gpio | script:FILE (keyboard needs the window display)."""
    from ui.backends import input as inputs

    kind, _, arg = spec.partition(":")
    if kind == "keyboard":
        from ui.backends.display import WindowDisplay

        if not isinstance(display, WindowDisplay):
            raise UsageError("--input keyboard needs --display window")
        return inputs.KeyboardInput(display)
    if kind == "gpio":
        return inputs.GpioInput()
    if kind == "script" and arg:
        return inputs.ScriptedInput.from_file(Path(arg))
    raise UsageError(f"unknown input {spec!r}: use keyboard, gpio or script:FILE")
