"""Text with buttons: notices, errors, confirmations, and the red danger screens.

A danger screen fills the body with red and always starts with the safe button selected, so
pressing through never accepts a danger.
"""

from dataclasses import dataclass

from ui import theme
from ui.backends import Key
from ui.screens.base import Button, Choice, Screen, button_row_key
from ui.widgets import (
    Canvas,
    Chrome,
    button_row,
    centered_text,
    line_height,
    scrollbar,
    text_lines,
    title_bar,
    wrap_parts,
    wrap_text,
)

TONE_HEADINGS = {"danger": "⚠ DANGER", "caution": "⚠ Caution"}


@dataclass(frozen=True)
class MessageView:
    title: str
    body: str
    buttons: tuple[Button, ...] = (Button("OK", "ok"),)
    tone: str = "info"  # info | success | caution | danger
    heading: str = ""  # large line above the body; danger/caution get one by default
    lead: str = ""  # bold line(s) between heading and body: what the warning is about
    back_action: str | None = "back"  # what BACK/KEY1 means here; None: ignored
    selected: int = 0


class MessageScreen(Screen):
    def __init__(self, view: MessageView):
        self.view = view
        self.selected = view.selected
        self.scroll = 0
        self._visible_lines = 1
        self._line_count = 0

    def background(self) -> tuple[int, int, int]:
        return theme.DANGER if self.view.tone == "danger" else theme.BACKGROUND

    def draw(self, canvas: Canvas, chrome: Chrome) -> None:
        m = canvas.metrics
        view = self.view
        top = title_bar(canvas, view.title, chrome) + m.px(6)
        heading = view.heading or TONE_HEADINGS.get(view.tone, "")
        if heading:
            colour = {
                "danger": theme.DANGER_TEXT, "caution": theme.CAUTION, "success": theme.SUCCESS,
            }.get(view.tone, theme.TEXT)
            for line in wrap_text(heading, m.large_font(), canvas.width - 2 * m.margin):
                top = centered_text(canvas, line, top, m.large_font(), colour)
            top += m.px(4)
        bottom = button_row(
            canvas, [b.label for b in view.buttons], self.selected,
            "danger" if view.tone == "danger" else "normal",
        )
        if view.lead:
            lead_lines = wrap_parts(view.lead, m.bold_font(), canvas.width - 2 * m.margin)
            top = text_lines(canvas, lead_lines, top, m.bold_font(), theme.TEXT) + m.px(2)
        font = m.body_font()
        lines = wrap_text(view.body, font, canvas.width - 2 * m.margin - m.px(4))
        self._line_count = len(lines)
        self._visible_lines = max(1, (bottom - top) // line_height(font))
        self.scroll = min(self.scroll, max(0, len(lines) - self._visible_lines))
        shown = lines[self.scroll : self.scroll + self._visible_lines]
        text_lines(canvas, shown, top, font, theme.TEXT)
        scrollbar(canvas, (top, bottom), self.scroll, self._visible_lines, len(lines))

    def handle(self, key: Key) -> Choice | None:
        if key is Key.UP:
            self.scroll = max(0, self.scroll - 1)
        elif key is Key.DOWN:
            self.scroll = min(max(0, self._line_count - self._visible_lines), self.scroll + 1)
        self.selected, choice = button_row_key(key, self.view.buttons, self.selected,
                                               self.view.back_action)
        return choice
