"""An animated QR code (a single QR is a one-frame animation) with density and brightness.

Frames are rendered as they are shown (ui/qr/render.py takes about a millisecond a frame), at
one fixed QR version so the code does not jump in size. UP/DOWN dim or brighten the light
modules (some phone cameras over-expose a bright panel), KEY3 asks the flow for another
density, KEY2 for another format, RIGHT for the other form of the reply it offers (only our
signatures, or the full PSBT again), PRESS is done.
"""

from collections.abc import Callable
from dataclasses import dataclass

from ui import theme
from ui.backends import Key
from ui.screens.base import BACK_KEYS, Choice, Screen
from ui.widgets import Canvas, Chrome, centered_text, line_height

BRIGHTNESS_STEPS = (40, 55, 70, 85, 100)


@dataclass(frozen=True)
class QRView:
    title: str
    next_frame: Callable[[], str | bytes]  # e.g. FrameSequence.next_frame (UR goes on forever)
    frame_count: int = 1  # parts in one cycle, for the counter
    version: int | None = None  # fixed QR version for every frame; None: smallest that fits
    fps: float = 6.0
    caption: str = ""  # e.g. "UR · medium"
    brightness: int = 100
    can_switch: bool = True  # offer the density and format keys
    offer: str = ""  # another form of the same reply, RIGHT switches: "signatures only: 3 frames"


class QRScreen(Screen):
    def __init__(self, view: QRView):
        self.view = view
        self.shown = 0
        self.data = view.next_frame()
        self.brightness = min(BRIGHTNESS_STEPS, key=lambda b: abs(b - view.brightness))
        self.tick_seconds = 1 / view.fps if view.frame_count > 1 else None

    def draw(self, canvas: Canvas, chrome: Chrome) -> None:
        from ui.qr.render import LIGHT, qr_modules, scale_to_fit  # zxing: not at start-up

        m = canvas.metrics
        small = m.small_font()
        parts = [self.view.title]
        if self.view.caption:
            parts.append(self.view.caption)
        if self.view.frame_count > 1:
            parts.append(f"{self.shown % self.view.frame_count + 1}/{self.view.frame_count}")
        caption_h = line_height(small) + m.px(4)
        centered_text(canvas, " · ".join(parts), m.px(2), small, theme.MUTED)
        offer_h = 0
        if self.view.offer:
            offer_h = line_height(small) + m.px(4)
            centered_text(canvas, f"▶ {self.view.offer}", canvas.height - offer_h + m.px(2),
                          small, theme.ACCENT)
        side = min(canvas.width, canvas.height - caption_h - offer_h)
        pixels = scale_to_fit(qr_modules(self.data, self.view.version), side)
        level = round(255 * self.brightness / 100)
        # dims the light modules only; dark stays black
        image = pixels.point(lambda v: level if v == LIGHT else v).convert("RGB")
        canvas.image.paste(
            image, ((canvas.width - side) // 2,
                    caption_h + (canvas.height - caption_h - offer_h - side) // 2)
        )

    def tick(self) -> Choice | None:
        self.data = self.view.next_frame()
        self.shown += 1
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
        elif key is Key.RIGHT and self.view.offer:
            return Choice("offer")
        elif key is Key.PRESS:
            return Choice("done")
        elif key in BACK_KEYS or key is Key.LEFT:
            return Choice("back")
        return None
