"""Drive the real flows without a person: a context that records every screen it shows, a
key source that asks a script what to press on each new screen, and the joystick moves that
type text on the on-screen keyboard. The demo and the UI tests share it."""

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from ui.backends import InputClosed, Key
from ui.flows import FlowContext
from ui.screens.base import Choice, Screen
from ui.screens.keyboard import SPACE, KeyboardScreen, KeyboardView

IDLE_TICKS_LIMIT = 500  # ticks in a row with nothing to press: a stuck flow ends the run


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
            raise ValueError(f"{char!r} is not on the keyboard")
    return [*keys, Key.KEY2]


@dataclass
class Pilot:
    """An Input that asks `decide(screen)` for keys whenever the screen changes.

    decide returns the keys to press on that screen (a None in the list is one tick there);
    an empty list ends the run; None lets the screen tick until it moves on by itself (a
    scan in progress). `on_tick` runs before every tick
    (the demo's camera takes one step); `before_key(key)` before every key press (the
    window demo waits there so a person can follow).
    """

    context: Callable[[], RecordingContext]
    decide: Callable[[Screen], list[Key | None] | None]
    on_tick: Callable[[], None] | None = None
    before_key: Callable[[Key], None] | None = None
    pending: deque[Key | None] = field(default_factory=deque)
    answered: int = 0
    idle: int = 0

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
            if self.idle > IDLE_TICKS_LIMIT:
                raise InputClosed(f"the pilot had nothing to press for {IDLE_TICKS_LIMIT} ticks")
            return self._tick()
        self.idle = 0
        key = self.pending.popleft()
        if key is None:
            return self._tick()
        if self.before_key is not None:
            self.before_key(key)
        return key

    def _tick(self) -> None:
        """No key this time: animated and scanning screens move on."""
        if self.on_tick is not None:
            self.on_tick()

    def close(self) -> None:
        return None
