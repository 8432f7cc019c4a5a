"""Colours, fonts and sizes of the appliance UI.

The fonts ship with the package (DejaVu, see ui/fonts/LICENSE-DejaVu.txt) so every device and
every test renders the same pixels. Sizes are chosen for a 240x240 1.3" panel (about 260 dpi,
read at arm's length) and scale with the shorter side of the screen.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"

Colour = tuple[int, int, int]

BACKGROUND: Colour = (0, 0, 0)
TEXT: Colour = (255, 255, 255)
MUTED: Colour = (170, 170, 170)
DIM: Colour = (90, 90, 90)
ACCENT: Colour = (255, 159, 10)  # selection and the primary action: bitcoin orange
ACCENT_TEXT: Colour = (0, 0, 0)
TITLE_BACKGROUND: Colour = (38, 38, 38)
SURFACE: Colour = (28, 28, 28)
DANGER: Colour = (200, 0, 0)
DANGER_TEXT: Colour = (255, 255, 255)
CAUTION: Colour = (255, 204, 0)
CAUTION_TEXT: Colour = (0, 0, 0)
SUCCESS: Colour = (48, 209, 88)
INFO: Colour = (90, 200, 250)
# Alternate colours for address groups: the eye keeps its place across a long string.
GROUP_COLOURS: tuple[Colour, Colour] = ((255, 255, 255), (120, 210, 255))
# One colour per output kind, so change, self and external never look alike.
OUTPUT_COLOURS: dict[str, Colour] = {
    "external": ACCENT,
    "change": SUCCESS,
    "self": INFO,
    "transfer": (191, 90, 242),  # ours, but another wallet than the one being spent
    "op_return": MUTED,
}
NETWORK_COLOURS: dict[str, Colour] = {
    "main": ACCENT,
    "test": SUCCESS,
    "signet": (191, 90, 242),
    "regtest": INFO,
}

FONT_FILES = {
    "regular": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "mono": "DejaVuSansMono.ttf",
    "mono-bold": "DejaVuSansMono-Bold.ttf",
}


@lru_cache(maxsize=64)
def font(style: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / FONT_FILES[style]), size)


@dataclass(frozen=True)
class Metrics:
    """Pixel sizes for one screen size; every widget takes its measures from here."""

    width: int
    height: int
    scale: float

    @classmethod
    def for_size(cls, size: tuple[int, int]) -> "Metrics":
        width, height = size
        return cls(width, height, min(width, height) / 240)

    def px(self, value: float) -> int:
        return max(1, round(value * self.scale))

    @property
    def margin(self) -> int:
        return self.px(8)

    @property
    def title_height(self) -> int:
        return self.px(30)

    @property
    def row_height(self) -> int:
        return self.px(34)

    @property
    def button_height(self) -> int:
        return self.px(32)

    def title_fonts(self) -> tuple[ImageFont.FreeTypeFont, ...]:
        """Largest first: a title that does not fit beside the fingerprint and network badge
        steps down before it is cut."""
        return tuple(font("bold", self.px(size)) for size in (18, 16, 14))

    def body_font(self) -> ImageFont.FreeTypeFont:
        return font("regular", self.px(17))

    def bold_font(self) -> ImageFont.FreeTypeFont:
        return font("bold", self.px(17))

    def small_font(self) -> ImageFont.FreeTypeFont:
        return font("regular", self.px(13))

    def small_bold_font(self) -> ImageFont.FreeTypeFont:
        return font("bold", self.px(13))

    def large_font(self) -> ImageFont.FreeTypeFont:
        return font("bold", self.px(24))

    def mono_font(self) -> ImageFont.FreeTypeFont:
        return font("mono-bold", self.px(19))

    def address_fonts(self) -> tuple[ImageFont.FreeTypeFont, ...]:
        """Largest first: an address that leaves no room for what proves it steps down."""
        return tuple(font("mono-bold", self.px(size)) for size in (19, 17, 15))

    def key_font(self) -> ImageFont.FreeTypeFont:
        return font("bold", self.px(16))
