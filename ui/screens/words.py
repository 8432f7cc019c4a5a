"""The recovery words, numbered, a page at a time (shown only after the passphrase)."""

from dataclasses import dataclass

from ui import theme
from ui.backends import Key
from ui.screens.base import BACK_KEYS, SELECT_KEYS, Choice, Screen
from ui.widgets import Canvas, Chrome, centered_text, line_height, title_bar

WORDS_PER_COLUMN = 6


@dataclass(frozen=True)
class WordsView:
    title: str
    words: tuple[str, ...]


class WordsScreen(Screen):
    """Twelve words a page in two columns; RIGHT/DOWN pages on, PRESS on the last page ends."""

    def __init__(self, view: WordsView):
        self.view = view
        self.page = 0

    @property
    def pages(self) -> int:
        per_page = 2 * WORDS_PER_COLUMN
        return (len(self.view.words) + per_page - 1) // per_page

    def draw(self, canvas: Canvas, chrome: Chrome) -> None:
        m = canvas.metrics
        top = title_bar(canvas, f"{self.view.title} {self.page + 1}/{self.pages}", chrome)
        small = m.small_font()
        bottom = canvas.height - line_height(small) - m.px(4)
        row_h = (bottom - top - m.px(8)) // WORDS_PER_COLUMN
        number_font, word_font = m.small_font(), m.bold_font()
        first = self.page * 2 * WORDS_PER_COLUMN
        column_w = canvas.width // 2
        for offset, word in enumerate(self.view.words[first : first + 2 * WORDS_PER_COLUMN]):
            column, row = divmod(offset, WORDS_PER_COLUMN)
            x = m.margin + column * column_w
            y = top + m.px(6) + row * row_h
            number = f"{first + offset + 1:>2}"
            canvas.draw.text((x, y + m.px(3)), number, font=number_font, fill=theme.MUTED)
            canvas.draw.text((x + m.px(26), y), word, font=word_font, fill=theme.TEXT)
        hint = "press: done" if self.page == self.pages - 1 else "right: next page"
        centered_text(canvas, hint, bottom, small, theme.MUTED)

    def handle(self, key: Key) -> Choice | None:
        if key in (Key.RIGHT, Key.DOWN):
            self.page = min(self.pages - 1, self.page + 1)
        elif key in (Key.LEFT, Key.UP):
            self.page = max(0, self.page - 1)
        elif key in SELECT_KEYS and self.page == self.pages - 1:
            return Choice("done")
        elif key in SELECT_KEYS:
            self.page += 1
        elif key in BACK_KEYS:
            return Choice("back")
        return None
