"""On-screen keyboard for passphrases, labels and BIP-39 words (with completion).

Joystick moves the cursor, PRESS types the key, KEY3 deletes, KEY2 is done. In word mode
only letters that still lead to a word are lit, and the candidates are listed above the keys.
"""

from dataclasses import dataclass, field

from ui import theme
from ui.backends import Key
from ui.screens.base import BACK_KEYS, Choice, Screen
from ui.widgets import (
    Canvas,
    Chrome,
    fit_text,
    key_grid,
    line_height,
    text_lines,
    text_width,
    title_bar,
    wrap_text,
)

LETTERS = ("abcdefg", "hijklmn", "opqrstu", "vwxyz")
DIGITS = ("1234567", "890-_.,", "!?@#$%&", "*+=/:;'")
SHIFT, SYMBOLS, SPACE, DELETE, DONE = "aA", "#1", "␣", "⌫", "OK"
TEXT_SPECIALS = (SHIFT, SYMBOLS, SPACE, DELETE, DONE)
WORD_SPECIALS = (DELETE, DONE)
MAX_CANDIDATES = 3
# A masked field shows these dots and the last letter typed whatever the length, so the
# screen never tells how long a passphrase is (the key just pressed is lit on the grid anyway).
MASK = "•" * 8


@dataclass(frozen=True)
class KeyboardView:
    title: str
    prompt: str = ""
    mode: str = "text"  # "text" (any printable ASCII) or "word" (BIP-39 completion)
    masked: bool = False  # passphrases: a fixed row of dots, then the last letter typed
    wordlist: tuple[str, ...] = field(default=(), repr=False)
    initial: str = ""
    max_length: int = 100


class KeyboardScreen(Screen):
    def __init__(self, view: KeyboardView):
        self.view = view
        self.text = view.initial
        self.layer = "lower"
        self.cursor = (0, 0)

    # --- what the keys are right now ------------------------------------------------
    def rows(self) -> list[list[str]]:
        if self.view.mode == "word":
            return [list(r) for r in LETTERS] + [list(WORD_SPECIALS)]
        letters = DIGITS if self.layer == "symbols" else LETTERS
        if self.layer == "upper":
            letters = tuple(r.upper() for r in LETTERS)
        return [list(r) for r in letters] + [list(TEXT_SPECIALS)]

    def candidates(self) -> list[str]:
        if self.view.mode != "word" or not self.text:
            return []
        return [w for w in self.view.wordlist if w.startswith(self.text)]

    def live_letters(self) -> set[str]:
        """Letters that extend the typed prefix towards at least one word."""
        n = len(self.text)
        return {w[n] for w in self.view.wordlist if len(w) > n and w.startswith(self.text)}

    def completed_word(self) -> str | None:
        matches = self.candidates()
        if self.text in matches:
            return self.text
        return matches[0] if len(matches) == 1 else None

    # --- drawing -----------------------------------------------------------------------
    def shown_text(self) -> str:
        if not self.view.masked or not self.text:
            return self.text
        return MASK + self.text[-1]

    def draw(self, canvas: Canvas, chrome: Chrome) -> None:
        m = canvas.metrics
        top = title_bar(canvas, self.view.title, chrome)
        field_font = m.mono_font()
        field_h = line_height(field_font) + m.px(8)
        y = top + m.px(4)
        if self.view.prompt:
            small = m.small_font()
            lines = wrap_text(self.view.prompt, small, canvas.width - 2 * m.margin)
            y = text_lines(canvas, lines, y, small, theme.MUTED)
        canvas.draw.rounded_rectangle(
            (m.margin, y, canvas.width - m.margin, y + field_h), m.px(4), outline=theme.DIM,
            fill=theme.SURFACE,
        )
        shown = self.shown_text()
        inner = canvas.width - 2 * m.margin - m.px(12)
        while shown and text_width(shown + "▏", field_font) > inner:
            shown = shown[1:]  # keep the end (where typing happens) visible
        canvas.draw.text(
            (m.margin + m.px(6), y + m.px(4)), shown + "▏", font=field_font, fill=theme.TEXT
        )
        y += field_h + m.px(3)
        if self.view.mode == "word":
            small = m.small_bold_font()
            words = self.candidates()[:MAX_CANDIDATES]
            label = "  ".join(words) if words else ("no such word" if self.text else "")
            colour = theme.SUCCESS if self.completed_word() else theme.MUTED
            if self.text and not words:
                colour = theme.DANGER
            canvas.draw.text(
                (m.margin, y), fit_text(label, small, canvas.width - 2 * m.margin), font=small,
                fill=colour,
            )
            y += line_height(small) + m.px(2)
        rows = self.rows()
        if self.view.mode == "word" and self.text:
            live = self.live_letters()
            rows = [[k if (len(k) > 1 or k in live or k in WORD_SPECIALS) else "·" for k in r]
                    for r in rows]
        key_grid(canvas, rows, self.cursor, y, canvas.height - m.px(4))

    # --- keys --------------------------------------------------------------------------
    def _move(self, d_row: int, d_col: int) -> None:
        rows = self.rows()
        row, col = self.cursor
        if d_row:
            old_len = len(rows[row])
            row = (row + d_row) % len(rows)
            col = min(len(rows[row]) - 1, col * len(rows[row]) // old_len)
        else:
            col = (col + d_col) % len(rows[row])
        self.cursor = (row, col)

    def _type(self, label: str) -> Choice | None:
        if label == DONE:
            return self._done()
        if label == DELETE:
            self.text = self.text[:-1]
        elif label == SHIFT:
            self.layer = "lower" if self.layer == "upper" else "upper"
        elif label == SYMBOLS:
            self.layer = "lower" if self.layer == "symbols" else "symbols"
        elif len(self.text) < self.view.max_length:
            if self.view.mode == "word" and label not in self.live_letters():
                return None
            self.text += " " if label == SPACE else label
        return None

    def _done(self) -> Choice | None:
        if self.view.mode == "word":
            word = self.completed_word()
            return Choice("done", text=word) if word else None
        return Choice("done", text=self.text)

    def handle(self, key: Key) -> Choice | None:
        moves = {Key.UP: (-1, 0), Key.DOWN: (1, 0), Key.LEFT: (0, -1), Key.RIGHT: (0, 1)}
        if key in moves:
            self._move(*moves[key])
        elif key is Key.PRESS:
            row, col = self.cursor
            return self._type(self.rows()[row][col])
        elif key is Key.KEY3:
            self.text = self.text[:-1]
        elif key is Key.KEY2:
            return self._done()
        elif key in BACK_KEYS:
            return Choice("back")
        return None
