"""`airsign demo`: the whole appliance, through the real flows and screens, with a simulated
coordinator on the other side of the air gap.

Boot (air-gap check on a simulated device with loopback only) -> first run: the fixed dice
rolls, the words, the quiz, the keystore passphrase -> home -> Scan: the coordinator's wallet
descriptor as an animated UR crypto-output, seen through the simulated camera -> the policy
screen with our key marked -> register -> Scan: the coordinator's PSBT as an animated UR
crypto-psbt -> overview -> each output -> sign -> the signed PSBT as an animated QR. The
recorded QR frames are then decoded back, like the coordinator's webcam would, and checked.
"""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from signer.errors import UsageError
from signer.keystore import Keystore
from signer.transport.encoders import FrameSequence, encode_frames
from signer.transport.types import Format, Payload, PayloadKind
from ui.app import run_flows
from ui.backends import Display, InputClosed, Key
from ui.demo.camera import ScreenCamera
from ui.demo.coordinator import (
    DEMO_DICE_ROLLS,
    DEMO_PASSPHRASE,
    NETWORK,
    DemoCoordinator,
    demo_mnemonic,
)
from ui.demo.pictures import gallery
from ui.demo.pilot import Pilot, RecordingContext, typing_keys
from ui.demo.recorder import Pace, ScreenNumber, SessionRecorder
from ui.demo.verify import SignedCheck, check_signed_frames
from ui.flows.ceremony import quiz_position
from ui.screens.address import AddressScreen
from ui.screens.base import Screen
from ui.screens.entropy import FACES, EntropyPadScreen
from ui.screens.facts import FactsScreen
from ui.screens.keyboard import KeyboardScreen
from ui.screens.menu import MenuScreen
from ui.screens.message import MessageScreen
from ui.screens.qr import QRScreen
from ui.screens.scan import ScanScreen
from ui.screens.words import WordsScreen

Say = Callable[[str], None]
SIZE = (240, 240)
COORDINATOR_DENSITY = "medium"
QR_CYCLES_SHOWN = 2  # the signed PSBT's animation plays twice before the user presses done
# How long a person looks at a screen before the first key, and between keys (ms).
READ_MS = {WordsScreen: 3500, MessageScreen: 1800, FactsScreen: 1800, AddressScreen: 2200,
           MenuScreen: 900, KeyboardScreen: 400, EntropyPadScreen: 400}
KEY_MS = {KeyboardScreen: 70, EntropyPadScreen: 60, WordsScreen: 3500, FactsScreen: 700}
DEFAULT_KEY_MS = 300
SCAN_TICK_MS = 100
DEMO_MARKER = ".airsign-demo"  # written beside the demo's keystore: it may be replaced


@dataclass(frozen=True)
class DemoFiles:
    gif: Path
    screens: Path  # one PNG per screen, numbered in order
    signed_qr: Path  # the frames the device showed for the signed PSBT
    gallery: Path  # docs/gallery's demo-*.png and the README's screenshot.png, from this run
    unsigned_psbt: Path
    signed_psbt: Path
    keystore: Path


@dataclass(frozen=True)
class DemoResult:
    files: DemoFiles
    screens_shown: int
    check: SignedCheck

    @property
    def ok(self) -> bool:
        return self.check.ok


def coordinator_camera(payload: Payload, encoding: str, lockstep: bool) -> ScreenCamera:
    """The coordinator's screen showing `payload` as animated UR, through the camera."""
    frames: FrameSequence = encode_frames(payload, Format.UR, density=COORDINATOR_DENSITY,
                                          encoding=encoding)
    return ScreenCamera(frames.next_frame, frames.qr_version, lockstep=lockstep)


def dice_keys(rolls: str) -> list[Key | None]:
    """The joystick moves and presses that enter `rolls` on the dice pad (3 faces a row)."""
    faces = FACES[6]
    keys: list[Key | None] = []
    cursor = 0
    for roll in rolls:
        target = faces.index(roll)
        row_moves = target // 3 - cursor // 3
        col_moves = target % 3 - cursor % 3
        keys += [Key.DOWN if row_moves > 0 else Key.UP] * abs(row_moves)
        keys += [Key.RIGHT if col_moves > 0 else Key.LEFT] * abs(col_moves)
        keys.append(Key.PRESS)
        cursor = target
    return [*keys, Key.KEY2]


class DemoScript:
    """What the demo's user presses on each screen, and how long they look at it."""

    def __init__(self, ctx: RecordingContext, pace: Pace, coordinator: DemoCoordinator,
                 words: list[str], *, lockstep: bool, say: Say) -> None:
        self.ctx = ctx
        self.pace = pace
        self.coordinator = coordinator
        self.words = words
        self.lockstep = lockstep
        self.say = say
        self.homes = 0
        self.first_runs = 0
        self.network_set = False
        self.keyed_screen = -1
        self.unsigned = coordinator.spend_psbt().serialize()

    def decide(self, screen: Screen) -> list[Key | None] | None:
        if isinstance(screen, MenuScreen):
            return self._menu(screen)
        if isinstance(screen, EntropyPadScreen):
            self.say(f"first run: {len(DEMO_DICE_ROLLS)} dice rolls entered on the pad")
            return dice_keys(DEMO_DICE_ROLLS)
        if isinstance(screen, WordsScreen):
            self.say(f"the {len(self.words)} words to write down, then a quiz on three of them")
            return [Key.PRESS] * screen.pages
        if isinstance(screen, KeyboardScreen):
            return list(typing_keys(DEMO_PASSPHRASE))
        if isinstance(screen, ScanScreen):
            return None  # the camera delivers; the screen moves on when the code is complete
        if isinstance(screen, (FactsScreen, AddressScreen)):
            self._narrate(screen)
            if isinstance(screen, FactsScreen) and screen.view.title == "Register?":
                # Scroll down to the cosigners, ours (marked YOU) first on screen.
                marked = [f.marker for f in screen.view.facts].index("YOU")
                return [*[Key.DOWN] * marked, Key.PRESS]
            return [Key.PRESS]  # the forward button starts selected
        if isinstance(screen, MessageScreen):
            if screen.view.tone == "danger":
                self.say(f"refused: {screen.view.body}")
                return [Key.PRESS]  # the safe choice; the demo then fails its check
            return [*[Key.RIGHT] * (len(screen.view.buttons) - 1), Key.PRESS]
        if isinstance(screen, QRScreen):
            self.say(f"signed: shown as {screen.view.caption}, {screen.view.frame_count} "
                     "frames a cycle")
            return [*[None] * (QR_CYCLES_SHOWN * screen.view.frame_count), Key.PRESS]
        return []

    def _menu(self, screen: MenuScreen) -> list[Key | None]:
        title = screen.view.title
        if title == "New device":
            self.first_runs += 1
            # A second time means the seed was not stored: stop, the check will say so.
            return [Key.PRESS] if self.first_runs == 1 else []  # "New seed: dice"
        position = quiz_position(title)
        if position is not None:
            choices = [item.action for item in screen.view.items]
            return [*[Key.DOWN] * choices.index(self.words[position]), Key.PRESS]
        if title == "Settings":
            return [Key.LEFT] if self.network_set else [Key.PRESS]  # Network is first
        if title == "Network":
            self.network_set = True
            self.say(f"settings: network set to {NETWORK.value}")
            return [*[Key.DOWN] * [i.label for i in screen.view.items].index(NETWORK.value),
                    Key.PRESS]
        if title != "airsign":
            return []
        self.homes += 1
        if self.homes == 1:
            self.say("keystore stored, encrypted under the passphrase; home screen")
            return [*[Key.DOWN] * 3, Key.PRESS]  # Settings
        if self.homes == 2:
            self.say("coordinator shows the wallet descriptor: animated UR crypto-output")
            descriptor = Payload(PayloadKind.DESCRIPTOR, self.coordinator.descriptor, Format.UR)
            self.ctx.camera = coordinator_camera(descriptor, "crypto-output", self.lockstep)
            return [Key.PRESS]  # Scan
        if self.homes == 3:
            self.say("coordinator shows the unsigned PSBT: animated UR crypto-psbt")
            psbt = Payload(PayloadKind.PSBT, self.unsigned, Format.UR)
            self.ctx.camera = coordinator_camera(psbt, "crypto-psbt", self.lockstep)
            return [Key.PRESS]
        return []

    def _narrate(self, screen: FactsScreen | AddressScreen) -> None:
        if isinstance(screen, AddressScreen):
            self.say(f"{screen.view.title}: {screen.view.badge} {screen.view.amount} "
                     f"to {screen.view.address}")
            return
        facts = {fact.label: fact.value for fact in screen.view.facts}
        if screen.view.title == "Register?":
            ours = [f.value.split()[0] for f in screen.view.facts if f.marker == "YOU"]
            self.say(f"policy: {facts.get('Policy')}, our key {', '.join(ours)} marked YOU")
        elif screen.view.title == "Review":
            fee = next(f"{f.value} ({f.label})" for f in screen.view.facts
                       if f.label.startswith("Fee"))
            self.say(f"review: sending {facts.get('Sending')}, fee {fee}")

    def before_key(self, key: Key) -> None:
        screen_number = len(self.ctx.shown) - 1
        kind = type(self.ctx.shown[-1])
        if screen_number != self.keyed_screen:
            self.keyed_screen = screen_number
            self.pace.advance(READ_MS.get(kind, 0))
        self.pace.advance(KEY_MS.get(kind, DEFAULT_KEY_MS))

    def on_tick(self) -> None:
        screen = self.ctx.shown[-1]
        if isinstance(screen, ScanScreen):
            if isinstance(self.ctx.camera, ScreenCamera):
                self.ctx.camera.advance()
            self.pace.advance(SCAN_TICK_MS)
        elif isinstance(screen, QRScreen):
            self.pace.advance(round(1000 / screen.view.fps))


def _fresh_dir(path: Path) -> Path:
    """An empty directory of the demo's own (its previous PNGs removed)."""
    if path.is_dir():
        for old in path.glob("*.png"):
            old.unlink()
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_demo(out: Path, say: Say, window: Display | None = None) -> DemoResult:
    """Run the session; files go to `out`. With `window`, the screens also go there at a
    watchable pace. Returns what was written and the check of the signed PSBT."""
    from embit import bip39
    from embit.bip32 import HDKey

    out.mkdir(parents=True, exist_ok=True)
    files = DemoFiles(out / "session.gif", _fresh_dir(out / "screens"),
                      _fresh_dir(out / "signed-qr"), _fresh_dir(out / "gallery"),
                      out / "unsigned.psbt",
                      out / "signed.psbt", out / "keystore")
    marker = out / DEMO_MARKER
    if Keystore.exists(files.keystore):
        # Every demo starts as a new device, but only a keystore the demo made is replaced:
        # `--out` pointed at a real keystore's directory must not cost anyone their seed.
        if not marker.is_file() or files.keystore.resolve() == Keystore.default_path().resolve():
            raise UsageError(f"{files.keystore} holds a keystore this demo did not make, so "
                             "it is left alone: choose another --out (or delete it if it is "
                             "an older demo's)")
        Keystore.wipe(files.keystore)
    marker.write_text("airsign demo output: the keystore here is a throwaway testnet seed\n")
    words = demo_mnemonic().split()
    # The coordinator already has our cosigner key (Seed -> Export cosigner key on a real
    # device); it derives it from the same throwaway dice seed.
    coordinator = DemoCoordinator.for_device(HDKey.from_seed(bip39.mnemonic_to_seed(
        " ".join(words))))
    pace = Pace(wait=_window_wait() if window is not None else None)
    screen_number = ScreenNumber()
    recorder = SessionRecorder(SIZE, pace, screen_number, mirror=window)
    with tempfile.TemporaryDirectory(prefix="airsign-demo-") as scratch:
        sys_class = Path(scratch) / "class"
        (sys_class / "net" / "lo").mkdir(parents=True)  # the device: loopback only
        say("boot: air-gap check passed (simulated device: loopback only)")
        ctx = RecordingContext(recorder, None, files.keystore,  # type: ignore[arg-type]
                               sys_class=sys_class)
        ctx.shown = []
        screen_number.shown = ctx.shown  # type: ignore[assignment]
        script = DemoScript(ctx, pace, coordinator, words, lockstep=True, say=say)
        ctx.input = Pilot(lambda: ctx, script.decide, on_tick=script.on_tick,
                          before_key=script.before_key)
        try:
            run_flows(ctx)
        except InputClosed:
            pass
        finally:
            ctx.lock()
            recorder.close()
    files.unsigned_psbt.write_text(_base64(script.unsigned) + "\n")
    qr_screens = [n for n, s in enumerate(ctx.shown) if isinstance(s, QRScreen)]
    signed_frames = recorder.of_screen(qr_screens[-1]) if qr_screens else []
    for number, image in enumerate(signed_frames, start=1):
        image.save(files.signed_qr / f"{number:04d}.png")
    last_frames = dict(recorder.last_of_each_screen())
    for number, image in last_frames.items():
        image.save(files.screens / f"{number + 1:02d}-{_slug(ctx.shown[number])}.png")
    recorder.save_gif(files.gif)
    check = check_signed_frames(signed_frames, script.unsigned, coordinator.embit_descriptor)
    if check.ok:  # a session that went wrong has no review to picture
        for name, picture in gallery(ctx.shown, last_frames).items():
            picture.save(files.gallery / name)
    if check.signed_psbt:
        files.signed_psbt.write_text(_base64(check.signed_psbt) + "\n")
    elif files.signed_psbt.exists():
        files.signed_psbt.unlink()  # not this run's
    return DemoResult(files, len(ctx.shown), check)


def _window_wait() -> Callable[[float], None]:
    """Wait while the window keeps redrawing (OpenCV only paints inside waitKey)."""
    import time

    import cv2

    def wait(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            cv2.waitKey(max(1, round(left * 1000)))

    return wait


def _base64(raw: bytes) -> str:
    import base64

    return base64.b64encode(raw).decode("ascii")


def _slug(screen: Screen) -> str:
    view = getattr(screen, "view", None)
    title = getattr(view, "title", None) or getattr(screen, "title", "") or type(screen).__name__
    return "".join(c if c.isalnum() else "-" for c in str(title).lower()).strip("-") or "screen"

