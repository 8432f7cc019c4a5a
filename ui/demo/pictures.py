"""The demo session's pictures for the README and docs/gallery: chosen screens of the run,
as the device drew them, and the README's strip of the review. `airsign demo` writes them to
its output's gallery/ (copy them into docs/ to update; tests/test_demo.py fails when docs/
holds other pixels)."""

from collections.abc import Callable, Sequence

from PIL import Image

from ui.screens.address import AddressScreen
from ui.screens.base import Screen
from ui.screens.entropy import EntropyPadScreen
from ui.screens.facts import FactsScreen
from ui.screens.qr import QRScreen
from ui.screens.scan import ScanScreen

Pick = Callable[[Sequence[Screen]], int]
STRIP_GAP = 12
STRIP_BACKGROUND = (40, 40, 40)


def _nth(kind: type, n: int = 0, *, last: bool = False) -> Pick:
    def pick(shown: Sequence[Screen]) -> int:
        found = [i for i, screen in enumerate(shown) if isinstance(screen, kind)]
        return found[-1] if last else found[n]
    return pick


def _titled(kind: type, title: str) -> Pick:
    return lambda shown: next(i for i, s in enumerate(shown)
                              if isinstance(s, kind) and s.view.title == title)  # type: ignore[attr-defined]


def _change(shown: Sequence[Screen]) -> int:
    return next(i for i, s in enumerate(shown)
                if isinstance(s, AddressScreen) and s.view.badge == "CHANGE")


# docs/gallery/demo-NAME.png: the screen of the session each shows (its last frame).
GALLERY: dict[str, Pick] = {
    "dice": _nth(EntropyPadScreen, last=True),
    "scan-descriptor": _nth(ScanScreen, 0),
    "register": _titled(FactsScreen, "Register?"),
    "scan-psbt": _nth(ScanScreen, 1),
    "review": _titled(FactsScreen, "Review"),
    "change": _change,
    "signed": _nth(QRScreen, last=True),
}
# docs/screenshot.png, left to right: what the README opens with.
STRIP: tuple[Pick, ...] = (_titled(FactsScreen, "Review"), _nth(AddressScreen, 0), _change,
                           _titled(FactsScreen, "Sign?"), _nth(QRScreen, last=True))


def gallery(shown: Sequence[Screen], last_frames: dict[int, Image.Image]) -> dict[str, Image.Image]:
    """File name -> picture, from the screens shown and each screen's last frame."""
    pictures = {f"demo-{name}.png": last_frames[pick(shown)] for name, pick in GALLERY.items()}
    frames = [last_frames[pick(shown)] for pick in STRIP]
    width = sum(frame.width for frame in frames) + STRIP_GAP * (len(frames) + 1)
    height = max(frame.height for frame in frames) + 2 * STRIP_GAP
    strip = Image.new("RGB", (width, height), STRIP_BACKGROUND)
    x = STRIP_GAP
    for frame in frames:
        strip.paste(frame, (x, STRIP_GAP))
        x += frame.width + STRIP_GAP
    pictures["screenshot.png"] = strip
    return pictures
