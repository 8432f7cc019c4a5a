"""Dice or coin entry pad for the seed ceremony: one key per face, a running count."""

from dataclasses import dataclass

from ui import theme
from ui.backends import Key
from ui.screens.base import BACK_KEYS, Choice, Screen
from ui.widgets import (
    Canvas,
    Chrome,
    centered_text,
    key_grid,
    line_height,
    progress_bar,
    title_bar,
)

FACES = {6: ("1", "2", "3", "4", "5", "6"), 2: ("H", "T")}


@dataclass(frozen=True)
class EntropyPadView:
    title: str
    sides: int  # 6 for a die, 2 for a coin
    target: int  # how many the flow needs (from signer/seed)


class EntropyPadScreen(Screen):
    """PRESS records the face under the cursor; KEY3 undoes; KEY2 finishes once enough."""

    def __init__(self, view: EntropyPadView):
        self.view = view
        self.faces = FACES[view.sides]
        self.entered = ""
        self.cursor = 0

    def _grid(self) -> list[list[str]]:
        per_row = 3 if self.view.sides == 6 else 2
        return [list(self.faces[i : i + per_row]) for i in range(0, len(self.faces), per_row)]

    def draw(self, canvas: Canvas, chrome: Chrome) -> None:
        m = canvas.metrics
        y = title_bar(canvas, self.view.title, chrome) + m.px(6)
        noun = "rolls" if self.view.sides == 6 else "flips"
        count = f"{len(self.entered)} / {self.view.target} {noun}"
        y = centered_text(canvas, count, y, m.large_font(), theme.TEXT)
        bar_h = m.px(10)
        progress_bar(
            canvas, (m.margin, y + m.px(4), canvas.width - m.margin, y + m.px(4) + bar_h),
            len(self.entered) / self.view.target,
        )
        y += bar_h + m.px(10)
        recent = " ".join(self.entered[-12:])
        if recent:
            y = centered_text(canvas, recent, y, m.mono_font(), theme.MUTED)
        else:
            y = centered_text(canvas, "enter each result", y, m.body_font(), theme.MUTED)
        hint = "KEY2 done" if len(self.entered) >= self.view.target else "KEY3 undo"
        small = m.small_font()
        bottom = canvas.height - line_height(small) - m.px(4)
        centered_text(canvas, hint, bottom, small, theme.MUTED)
        per_row = len(self._grid()[0])
        key_grid(
            canvas, self._grid(), divmod(self.cursor, per_row), y + m.px(6), bottom - m.px(4)
        )

    def handle(self, key: Key) -> Choice | None:
        count = len(self.faces)
        per_row = len(self._grid()[0])
        moves = {Key.LEFT: -1, Key.RIGHT: 1, Key.UP: -per_row, Key.DOWN: per_row}
        if key in moves:
            self.cursor = (self.cursor + moves[key]) % count
        elif key is Key.PRESS:
            self.entered += self.faces[self.cursor]
        elif key is Key.KEY3:
            self.entered = self.entered[:-1]
        elif key is Key.KEY2 and len(self.entered) >= self.view.target:
            return Choice("done", text=self.entered)
        elif key in BACK_KEYS:
            return Choice("back")
        return None
