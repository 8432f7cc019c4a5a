"""An animated QR code (a single QR is a one-frame animation) with density and brightness.

UP/DOWN dim or brighten the light modules (some phone cameras over-expose a bright panel),
KEY3 asks the flow for another density, KEY2 for another format, PRESS is done.
"""

from dataclasses import dataclass

from ui import theme
from ui.backends import Key
from ui.screens.base import BACK_KEYS, Choice, Screen
from ui.widgets import Canvas, Chrome, centered_text, line_height, qr_image

Modules = list[list[bool]]
BRIGHTNESS_STEPS = (40, 55, 70, 85, 100)


def qr_modules(text: str) -> Modules:
    """The module matrix of the smallest QR holding text (error correction L, for density)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_L

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_L, border=0)
    code.add_data(text)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


@dataclass(frozen=True)
class QRView:
    title: str
    frames: tuple[Modules, ...]
    fps: float = 6.0
    caption: str = ""  # e.g. "UR · medium"; the frame counter is added when animated
    brightness: int = 100
    can_switch: bool = True  # offer density/format keys


class QRScreen(Screen):
    def __init__(self, view: QRView):
        self.view = view
        self.frame = 0
        self.brightness = min(BRIGHTNESS_STEPS, key=lambda b: abs(b - view.brightness))
        self.tick_seconds = 1 / view.fps if len(view.frames) > 1 else None
        self._images: dict[tuple[int, int], object] = {}

    def draw(self, canvas: Canvas, chrome: Chrome) -> None:
        m = canvas.metrics
        small = m.small_font()
        count = len(self.view.frames)
        parts = [self.view.title]
        if self.view.caption:
            parts.append(self.view.caption)
        if count > 1:
            parts.append(f"{self.frame + 1}/{count}")
        caption_h = line_height(small) + m.px(4)
        centered_text(canvas, " · ".join(parts), m.px(2), small, theme.MUTED)
        side = min(canvas.width, canvas.height - caption_h)
        image = qr_image(self.view.frames[self.frame], side)
        if self.brightness < 100:
            level = round(255 * self.brightness / 100)
            image = image.point(lambda v: level if v == 255 else v)
        x = (canvas.width - image.width) // 2
        y = caption_h + (canvas.height - caption_h - image.height) // 2
        canvas.image.paste(image, (x, y))

    def tick(self) -> Choice | None:
        self.frame = (self.frame + 1) % len(self.view.frames)
        return None

    def handle(self, key: Key) -> Choice | None:
        step = BRIGHTNESS_STEPS.index(self.brightness)
        if key is Key.UP:
            self.brightness = BRIGHTNESS_STEPS[min(len(BRIGHTNESS_STEPS) - 1, step + 1)]
        elif key is Key.DOWN:
            self.brightness = BRIGHTNESS_STEPS[max(0, step - 1)]
        elif key is Key.KEY3 and self.view.can_switch:
            return Choice("density")
        elif key is Key.KEY2 and self.view.can_switch:
            return Choice("format")
        elif key is Key.PRESS:
            return Choice("done")
        elif key in BACK_KEYS or key is Key.LEFT:
            return Choice("back")
        return None
