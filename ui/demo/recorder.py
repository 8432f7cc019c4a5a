"""The demo's display: every distinct frame with the screen it belongs to and when it was
shown on the demo's own clock, so the GIF plays at a pace a person can follow however fast
the machine ran it. Optionally mirrored to a real display (the emulator window)."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops

from signer.errors import UsageError
from ui.backends import Display

LAST_FRAME_MS = 3000
MIN_GIF_FRAME_MS = 20  # browsers treat shorter GIF delays as 100 ms


class Pace:
    """The demo's clock in milliseconds. Given a `wait` (the window demo: one that keeps the
    window's event loop running) it also waits in real time, so the window shows the session
    at the pace the GIF plays."""

    def __init__(self, wait: Callable[[float], None] | None = None) -> None:
        self.now_ms = 0
        self.wait = wait

    def advance(self, ms: int) -> None:
        self.now_ms += ms
        if self.wait is not None and ms > 0:
            self.wait(ms / 1000)


@dataclass(frozen=True)
class Shot:
    image: Image.Image
    screen: int  # index of the screen in the context's `shown`
    at_ms: int


class SessionRecorder:
    """A Display that keeps Shots; `screen_number()` says which screen is being drawn."""

    def __init__(self, size: tuple[int, int], pace: Pace, screen_number: "ScreenNumber",
                 mirror: Display | None = None) -> None:
        self.size = size
        self.pace = pace
        self.screen_number = screen_number
        self.mirror = mirror
        self.shots: list[Shot] = []

    def show(self, image: Image.Image) -> None:
        if image.size != self.size:
            raise UsageError(f"frame is {image.size}, display is {self.size}")
        if self.mirror is not None:
            self.mirror.show(image)
        if self.shots and ImageChops.difference(self.shots[-1].image, image).getbbox() is None:
            return
        self.shots.append(Shot(image.copy(), self.screen_number(), self.pace.now_ms))

    def set_brightness(self, percent: int) -> None:
        if self.mirror is not None:
            self.mirror.set_brightness(percent)

    def close(self) -> None:
        if self.mirror is not None:
            self.mirror.close()

    def of_screen(self, screen: int) -> list[Image.Image]:
        return [shot.image for shot in self.shots if shot.screen == screen]

    def last_of_each_screen(self) -> list[tuple[int, Image.Image]]:
        last: dict[int, Image.Image] = {}
        for shot in self.shots:
            last[shot.screen] = shot.image
        return sorted(last.items())

    def save_gif(self, path: Path) -> None:
        if not self.shots:
            return
        ends = [shot.at_ms for shot in self.shots[1:]]
        durations = [max(MIN_GIF_FRAME_MS, end - shot.at_ms)
                     for shot, end in zip(self.shots, ends, strict=False)]
        durations.append(LAST_FRAME_MS)
        images = [shot.image for shot in self.shots]
        images[0].save(path, save_all=True, append_images=images[1:], duration=durations,
                       loop=0, optimize=False)


class ScreenNumber:
    """Callable giving the index of the screen on display (bound once the context exists)."""

    def __init__(self) -> None:
        self.shown: list[object] = []

    def __call__(self) -> int:
        return len(self.shown) - 1
