"""Labelled values, scrolling: transaction overview, confirmation, wallet policy, details."""

from dataclasses import dataclass

from ui import theme
from ui.backends import Key
from ui.screens.base import Button, Choice, Screen, button_row_key
from ui.theme import Colour
from ui.widgets import (
    Canvas,
    Chrome,
    Font,
    banner,
    button_row,
    largest_fitting,
    line_height,
    scrollbar,
    text_width,
    title_bar,
    wrap_text,
)


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    colour: Colour = theme.TEXT
    marker: str = ""  # a short tag drawn right of the label, e.g. "YOU"
    one_line: bool = False  # never wrapped: drawn smaller rather than broken (amounts, fee)


@dataclass(frozen=True)
class FactsView:
    title: str
    facts: tuple[Fact, ...]
    buttons: tuple[Button, ...] = (Button("Back", "back"), Button("Next", "next"))
    notice: str = ""
    notice_tone: str = "caution"
    back_action: str = "back"
    selected: int = -1  # -1: the last button (usually the way forward)


class FactsScreen(Screen):
    def __init__(self, view: FactsView):
        self.view = view
        self.selected = view.selected if view.selected >= 0 else len(view.buttons) - 1
        self.first = 0
        self._last_first = 0

    def draw(self, canvas: Canvas, chrome: Chrome) -> None:
        m = canvas.metrics
        top = title_bar(canvas, self.view.title, chrome)
        if self.view.notice:
            top = banner(canvas, self.view.notice, self.view.notice_tone, top, small=True)
        top += m.px(4)
        bottom = button_row(canvas, [b.label for b in self.view.buttons], self.selected)
        label_font, value_font, marker_font = m.small_font(), m.bold_font(), m.small_bold_font()
        width = canvas.width - 2 * m.margin - m.px(4)
        # One row per label or wrapped value line, scrolled a row at a time, so a fact taller
        # than the screen (a long message) scrolls instead of running into the buttons.
        rows: list[tuple[Fact, str, bool, int, Font]] = []  # fact, text, is_label, height, font
        for fact in self.view.facts:
            rows.append((fact, fact.label, True, line_height(label_font), label_font))
            font = value_font
            if fact.one_line:
                font = largest_fitting(fact.value, (value_font, m.small_bold_font()), width)
                values = [fact.value]
            else:
                values = wrap_text(fact.value, value_font, width) if fact.value else []
            for number, value in enumerate(values):
                gap = m.px(4) if number == len(values) - 1 else 0
                rows.append((fact, value, False, line_height(font) + gap, font))
        room = bottom - top
        self._last_first = len(rows) - 1
        used = 0
        for index in range(len(rows) - 1, -1, -1):
            used += rows[index][3]
            if used > room:
                break
            self._last_first = index
        self.first = min(self.first, self._last_first)
        y = top
        shown = 0
        for position, (fact, text, is_label, height, font) in enumerate(rows[self.first :]):
            # A fact starts only where it fits whole, or alone (taller than the screen):
            # never a label whose value is cut off below it.
            block = height + sum(r[3] for r in rows[self.first + position + 1:]
                                 if r[0] is fact and not r[2]) if is_label else height
            if y + (block if shown and block <= room else height) > bottom:
                break
            if is_label:
                self._draw_label(canvas, fact, (m.margin, y), label_font, marker_font)
            else:
                canvas.draw.text((m.margin, y), text, font=font, fill=fact.colour)
            y += height
            shown += 1
        scrollbar(canvas, (top, bottom), self.first, shown, len(rows))

    @staticmethod
    def _draw_label(canvas: Canvas, fact: Fact, at: tuple[int, int], label_font: Font,
                    marker_font: Font) -> None:
        m = canvas.metrics
        x, y = at
        canvas.draw.text((x, y), fact.label, font=label_font, fill=theme.MUTED)
        if fact.marker:
            x += text_width(fact.label, label_font) + m.px(6)
            mw = text_width(fact.marker, marker_font) + m.px(6)
            canvas.draw.rounded_rectangle(
                (x, y, x + mw, y + line_height(marker_font)), m.px(3), fill=fact.colour
            )
            canvas.draw.text((x + m.px(3), y), fact.marker, font=marker_font, fill=(0, 0, 0))

    def handle(self, key: Key) -> Choice | None:
        if key is Key.UP:
            self.first = max(0, self.first - 1)
        elif key is Key.DOWN:
            self.first = min(self._last_first, self.first + 1)
        self.selected, choice = button_row_key(key, self.view.buttons, self.selected,
                                               self.view.back_action)
        return choice
