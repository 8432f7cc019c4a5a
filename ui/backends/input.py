"""Input backends: the HAT's joystick and keys (GPIO), the desktop window's keyboard, a script."""

import queue
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from signer.errors import UsageError
from ui.backends import InputClosed, Key

# Waveshare 1.3" LCD HAT wiring (BCM numbers), all active low with pull-ups.
WAVESHARE_PINS: dict[Key, int] = {
    Key.UP: 6, Key.DOWN: 19, Key.LEFT: 5, Key.RIGHT: 26, Key.PRESS: 13,
    Key.KEY1: 21, Key.KEY2: 20, Key.KEY3: 16,
}
REPEATING = (Key.UP, Key.DOWN, Key.LEFT, Key.RIGHT)
TIMEOUT = "none"  # a script line that stands for "no key before the timeout"
# A script line that lets an animated screen run (e.g. the camera scan, however long it takes)
# until a screen waits for a key; "animated" is a screen that asks to be woken this often.
WATCH = "wait"
WATCH_TICK_LIMIT = 1.0  # seconds


class ScriptedInput:
    """Keys from a list (tests) or a file with one key name per line (# comments).

    A `none` entry is a timeout, so animated and scanning screens get their ticks. A `wait`
    entry watches in real time: while the screen asks for ticks (a scan, an animation), each
    wait() sleeps the requested time and returns no key; the script goes on at the first
    screen that waits for a key. When the script runs out, wait() raises InputClosed and the
    app ends as if the window closed.
    """

    def __init__(self, keys: Iterable[Key | str | None]):
        self.keys: list[Key | str | None] = [self._parse(k) for k in keys]
        self.position = 0

    @staticmethod
    def _parse(entry: Key | str | None) -> Key | str | None:
        if entry == WATCH:
            return WATCH
        if entry is None or entry == TIMEOUT:
            return None
        try:
            return Key(str(entry).lower())
        except ValueError:
            names = ", ".join([*(k.value for k in Key), TIMEOUT, WATCH])
            raise UsageError(f"unknown key {entry!r} in the input script: {names}") from None

    @classmethod
    def from_file(cls, path: Path) -> "ScriptedInput":
        try:
            lines = path.read_text().splitlines()
        except OSError as exc:
            raise UsageError(f"cannot read the input script {path}: {exc.strerror}") from None
        return cls(line.split("#")[0].strip() for line in lines if line.split("#")[0].strip())

    @property
    def remaining(self) -> int:
        return len(self.keys) - self.position

    def wait(self, timeout: float | None) -> Key | None:
        while self.position < len(self.keys) and self.keys[self.position] == WATCH:
            if timeout is not None and timeout <= WATCH_TICK_LIMIT:
                time.sleep(timeout)
                return None
            self.position += 1
        if self.position >= len(self.keys):
            raise InputClosed("the input script has ended")
        key = self.keys[self.position]
        self.position += 1
        return key  # type: ignore[return-value]  # WATCH entries were consumed above

    def close(self) -> None:
        return None


# cv2.waitKeyEx codes for the arrows: GTK, Qt/Cocoa and Windows builds differ.
ARROWS: dict[int, Key] = {
    65362: Key.UP, 65364: Key.DOWN, 65361: Key.LEFT, 65363: Key.RIGHT,
    82: Key.UP, 84: Key.DOWN, 81: Key.LEFT, 83: Key.RIGHT,
    2490368: Key.UP, 2621440: Key.DOWN, 2424832: Key.LEFT, 2555904: Key.RIGHT,
}
KEYBOARD: dict[int, Key] = {
    13: Key.PRESS, 10: Key.PRESS, 32: Key.PRESS, 27: Key.BACK, 8: Key.BACK,
    ord("1"): Key.KEY1, ord("2"): Key.KEY2, ord("3"): Key.KEY3,
    ord("w"): Key.UP, ord("s"): Key.DOWN, ord("a"): Key.LEFT, ord("d"): Key.RIGHT,
}


class KeyboardInput:
    """Keys typed into the desktop window: arrows (or WASD), Enter/space, Esc, 1-3."""

    def __init__(self, window: object):
        import cv2

        self.cv2 = cv2
        self.title: str = window.title  # type: ignore[attr-defined]

    def wait(self, timeout: float | None) -> Key | None:
        delay = 0 if timeout is None else max(1, round(timeout * 1000))
        code = self.cv2.waitKeyEx(delay)
        if self.cv2.getWindowProperty(self.title, self.cv2.WND_PROP_VISIBLE) < 1:
            raise InputClosed("the window was closed")
        if code == -1:
            return None
        return ARROWS.get(code) or KEYBOARD.get(code & 0xFF)

    def close(self) -> None:
        return None


class KeySampler:
    """Debounce and auto-repeat for sampled keys: a key counts as pressed once it reads down
    twice in a row (two samples, about 20 ms), and a held joystick direction repeats every
    `repeat_every` seconds. Pure logic, so it is tested without hardware."""

    def __init__(self, keys: Iterable[Key], repeat_every: float = 0.25):
        self.repeat_every = repeat_every
        self.down_reads = dict.fromkeys(keys, 0)
        self.next_repeat: dict[Key, float] = {}

    def sample(self, down: dict[Key, bool], now: float) -> list[Key]:
        pressed = []
        for key in self.down_reads:
            if not down[key]:
                self.down_reads[key] = 0
                self.next_repeat.pop(key, None)
                continue
            self.down_reads[key] += 1
            if self.down_reads[key] == 2:
                pressed.append(key)
                if key in REPEATING:
                    self.next_repeat[key] = now + self.repeat_every
            elif key in self.next_repeat and now >= self.next_repeat[key]:
                pressed.append(key)
                self.next_repeat[key] = now + self.repeat_every
        return pressed


class GpioInput:
    """The HAT's joystick and keys on the GPIO character device, through python-periphery.

    A background thread samples the active-low, pulled-up lines every POLL_SECONDS and feeds
    a KeySampler. Polling rather than edge events keeps to the plainest part of the kernel
    interface.
    """

    POLL_SECONDS = 0.01

    def __init__(self, pins: dict[Key, int] | None = None, repeat_every: float = 0.25,
                 gpio_chip: str = "/dev/gpiochip0"):
        try:
            from periphery import GPIO, GPIOError
        except ImportError:
            raise UsageError("GPIO input needs python-periphery") from None
        self.events: queue.Queue[Key] = queue.Queue()
        try:
            self.lines = {key: GPIO(gpio_chip, pin, "in", bias="pull_up")
                          for key, pin in (pins or WAVESHARE_PINS).items()}
        except GPIOError as exc:
            raise UsageError(f"the HAT's keys are not reachable ({exc})") from None
        self.sampler = KeySampler(self.lines, repeat_every)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="gpio-keys", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(self.POLL_SECONDS):
            down = {key: not line.read() for key, line in self.lines.items()}
            for key in self.sampler.sample(down, time.monotonic()):
                self.events.put(key)

    def wait(self, timeout: float | None) -> Key | None:
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1)
        for line in self.lines.values():
            line.close()
