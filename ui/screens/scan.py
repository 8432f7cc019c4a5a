"""Live camera preview with the scan's progress: parts received, which are missing, fps.

The screen polls a ScanSource on every tick (the threaded scanner fills it), so the preview
keeps moving even while a frame is being decoded; it ends itself when the source has a result.
KEY3 asks the flow to start the scan over (after a part of another sequence).
"""

from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from signer.transport.types import Progress
from ui import theme
from ui.backends import Key
from ui.screens.base import BACK_KEYS, Choice, Screen
from ui.widgets import (
    Canvas,
    Chrome,
    banner,
    banner_height,
    fit_text,
    line_height,
    progress_bar,
    title_bar,
)

MAX_MISSING_SHOWN = 8


@dataclass(frozen=True)
class ScanState:
    preview: Image.Image | None = None
    progress: Progress | None = None
    fps: float = 0.0
    finished: bool = False  # a complete payload (or an error) is waiting for the flow
    status: str = "Point the camera at a QR code"
    hint: str = ""  # advice when the scan is stuck, drawn over the preview's foot


ScanSource = Callable[[], ScanState]


def progress_text(progress: Progress) -> str:
    text = f"{progress.parts_received}/{progress.parts_total} {progress.format.value}"
    if progress.missing:
        shown = ", ".join(str(n) for n in progress.missing[:MAX_MISSING_SHOWN])
        more = "…" if len(progress.missing) > MAX_MISSING_SHOWN else ""
        text += f" · missing {shown}{more}"
    elif progress.estimated_remaining:
        text += f" · ~{progress.estimated_remaining} more"
    return text


class ScanScreen(Screen):
    tick_seconds = 1 / 20

    def __init__(self, title: str, source: ScanSource):
        self.title = title
        self.source = source
        self.state = source()

    def draw(self, canvas: Canvas, chrome: Chrome) -> None:
        m = canvas.metrics
        top = title_bar(canvas, self.title, chrome)
        small = m.small_font()
        footer_h = 2 * line_height(small) + m.px(14)
        bottom = canvas.height - footer_h
        state = self.state
        if state.preview is not None:
            preview = state.preview.convert("RGB")
            preview.thumbnail((canvas.width, bottom - top), Image.Resampling.NEAREST)
            canvas.image.paste(
                preview, ((canvas.width - preview.width) // 2,
                          top + (bottom - top - preview.height) // 2),
            )
        else:
            canvas.draw.rectangle((0, top, canvas.width, bottom), fill=theme.SURFACE)
        if state.hint:
            top_of_hint = bottom - banner_height(canvas, state.hint, small=True)
            banner(canvas, state.hint, "caution", top_of_hint, small=True)
        y = bottom + m.px(3)
        fps = f"{state.fps:.0f} fps" if state.fps else ""
        line = progress_text(state.progress) if state.progress else state.status
        canvas.draw.text(
            (m.margin, y), fit_text(line, small, canvas.width - 2 * m.margin), font=small,
            fill=theme.TEXT,
        )
        y += line_height(small) + m.px(2)
        fraction = state.progress.fraction if state.progress else 0.0
        bar_right = canvas.width - m.margin - (m.px(48) if fps else 0)
        progress_bar(canvas, (m.margin, y + m.px(2), bar_right, y + m.px(12)), fraction)
        if fps:
            canvas.draw.text((bar_right + m.px(6), y), fps, font=small, fill=theme.MUTED)

    def tick(self) -> Choice | None:
        self.state = self.source()
        return Choice("scanned") if self.state.finished else None

    def handle(self, key: Key) -> Choice | None:
        if key in BACK_KEYS or key is Key.LEFT:
            return Choice("back")
        if key is Key.KEY3:
            return Choice("restart")
        return None
