"""Drive the real flows headlessly: a context that records every screen it shows, and key
helpers that find their way around the on-screen keyboard with the keyboard's own moves."""

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from ui.backends import InputClosed, Key
from ui.flows import FlowContext
from ui.screens.base import Choice, Screen
from ui.screens.keyboard import SPACE, KeyboardScreen, KeyboardView


class RecordingContext(FlowContext):
    """FlowContext that keeps the screens shown, in order (the flows run unchanged)."""

    shown: list[Screen]

    def show(self, screen: Screen) -> Choice:
        self.shown.append(screen)
        return super().show(screen)


def typing_keys(text: str, view: KeyboardView | None = None) -> list[Key]:
    """Joystick moves + PRESS that type `text` on the lower-case layer of a keyboard like
    `view` (text mode by default), then KEY2 (done)."""
    probe = KeyboardScreen(view or KeyboardView("probe"))
    keys: list[Key] = []
    for char in text:
        label = SPACE if char == " " else char
        start = probe.cursor
        seen = {start}
        queue: deque[tuple[tuple[int, int], list[Key]]] = deque([(start, [])])
        while queue:
            cursor, path = queue.popleft()
            row, col = cursor
            if probe.rows()[row][col] == label:
                keys += [*path, Key.PRESS]
                probe.cursor = cursor
                break
            for move in (Key.UP, Key.DOWN, Key.LEFT, Key.RIGHT):
                probe.cursor = cursor
                probe.handle(move)
                if probe.cursor not in seen:
                    seen.add(probe.cursor)
                    queue.append((probe.cursor, [*path, move]))
        else:
            raise AssertionError(f"{char!r} is not on the keyboard")
    return [*keys, Key.KEY2]


@dataclass
class Pilot:
    """An Input that asks `decide(screen)` for keys whenever the screen changes.

    decide returns the keys to press on that screen; an empty list ends the run, None lets
    the screen tick (a scan in progress).
    """

    context: Callable[[], RecordingContext]
    decide: Callable[[Screen], list[Key] | None]
    pending: deque[Key] = field(default_factory=deque)
    answered: int = 0
    idle: int = 0  # ticks in a row with nothing to press: a stuck flow ends the run

    def wait(self, timeout: float | None) -> Key | None:
        shown = self.context().shown
        if not self.pending and self.answered < len(shown):
            self.answered = len(shown)
            keys = self.decide(shown[-1])
            if keys == []:
                raise InputClosed("the pilot is done")
            self.pending.extend(keys or ())
        if not self.pending:
            self.idle += 1
            if self.idle > 500:
                raise InputClosed("the pilot had nothing to press for 500 ticks")
            return None  # a tick: animated and scanning screens move on
        self.idle = 0
        return self.pending.popleft()

    def close(self) -> None:
        return None
