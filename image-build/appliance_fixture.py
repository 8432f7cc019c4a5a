#!/usr/bin/env python3
"""The boot test's session for the real appliance: what the guest's `airsign run` is given,
and the key script a careful user would press, rehearsed here on the host.

Writes into OUT (packed by boot-test.sh as an extra initramfs archive, so the image itself
carries no test data):

- `selftest/keystore`: cosigner 0 of the test coordinator's 2-of-3 testnet wallet
  (tests/independent/coordinator.py), at the device's real key-derivation cost, the wallet
  registered;
- `selftest/camera/NNNN.png`: what the camera sees: first an animated PSBT whose "change"
  output carries our derivations on someone else's script (a fake-change danger the user
  must refuse), then an animated PSBT spending INPUTS coins of the wallet to one payee with
  change back;
- `selftest/keys.txt`: the keys, one a line (`wait` while the camera scans);
- `expected/unsigned.psbt` and `expected/danger.png`: what the host checks the guest's
  screens against (check_appliance.py).

The rehearsal runs the same flows (ui/app.py) with a pilot that answers each screen and
records the keys; the guest replays them blind, so a guest that showed anything else (no
danger screen, a different review) would fall out of step and never show the signed PSBT.

    PYTHONPATH=.:tests .venv/bin/python image-build/appliance_fixture.py OUT [INPUTS]
"""

import contextlib
import sys
import tempfile
import time
from pathlib import Path

from independent.coordinator import Pay, Spend, build_psbt, external_script, make_wallet
from independent.cosigners import MNEMONICS
from PIL import Image

from signer.keystore import Keystore
from signer.network import Network
from signer.settings import Settings
from signer.transport.encoders import encode_frames
from signer.transport.types import Format, Payload, PayloadKind
from signer.wallet.registry import wallet_record
from ui.app import run_flows
from ui.backends import InputClosed, Key
from ui.backends.camera import open_source
from ui.backends.display import RecorderDisplay
from ui.demo.pilot import Pilot, RecordingContext, typing_keys
from ui.flows import go
from ui.flows.boot import start
from ui.qr.render import QRRenderer
from ui.screens.address import AddressScreen
from ui.screens.base import Screen
from ui.screens.facts import FactsScreen
from ui.screens.keyboard import KeyboardScreen
from ui.screens.menu import MenuScreen
from ui.screens.message import MessageScreen
from ui.screens.qr import QRScreen
from ui.screens.scan import ScanScreen

PASSPHRASE = "airsign boot test"
CAMERA_SIZE = 480  # pixels: a camera frame with one QR code filling most of it
COIN = 100_000


def psbts(inputs: int) -> tuple[bytes, bytes]:
    """(danger, good): the fake-change PSBT and the INPUTS-input spend with real change."""
    vault = make_wallet(network=Network.TEST)
    danger = build_psbt([Spend(vault, False, 1, 80_000)],
                        [Pay(50_000, external_script()),
                         Pay(29_000, external_script("thief"),
                             derivations=vault.derivations(True, 9))])
    total = inputs * COIN
    good = build_psbt([Spend(vault, n % 2 == 1, n, COIN) for n in range(inputs)],
                      [Pay(total // 2, external_script()),
                       Pay(total // 2 - 2_000 - 60 * inputs, wallet=vault, change=True, index=4)])
    return danger.serialize(), good.serialize()


def camera_frames(directory: Path, payloads: list[bytes]) -> int:
    """Every part of each payload's animation (BBQr: compressed, the fewest frames), once."""
    directory.mkdir(parents=True)
    count = 0
    for raw in payloads:
        frames = encode_frames(Payload(PayloadKind.PSBT, raw, Format.BBQR), Format.BBQR,
                               density="high")
        renderer = QRRenderer(CAMERA_SIZE, version=frames.qr_version)
        for text in frames.frames:
            count += 1
            renderer.render(text).save(directory / f"{count:04d}.png")
    return count


class Rehearsal:
    """The user: unlock, scan the danger PSBT and refuse it, scan the good one, review every
    output, sign, watch the signed animation once round, back home, done."""

    def __init__(self) -> None:
        self.homes = 0

    def decide(self, screen: Screen) -> list[Key | None] | None:
        if isinstance(screen, KeyboardScreen):
            return typing_keys(PASSPHRASE, screen.view)
        if isinstance(screen, MenuScreen):
            self.homes += 1
            return [Key.PRESS] if self.homes <= 2 else []  # Scan is the first item
        if isinstance(screen, ScanScreen):
            return None
        if isinstance(screen, MessageScreen) and screen.view.tone == "danger":
            return [Key.PRESS]  # "Reject", the first button, is selected
        if isinstance(screen, (FactsScreen, AddressScreen, MessageScreen)):
            return [Key.PRESS]  # Review / Next / Sign / OK start selected
        if isinstance(screen, QRScreen):
            return [*[None] * screen.view.frame_count, Key.PRESS]
        raise SystemExit(f"appliance_fixture: no answer for {type(screen).__name__}")


class Recorder:
    """Wraps the pilot and writes down what it pressed: a tick on the scan screen becomes
    `wait` (the guest scans at its own speed), any other tick `none`."""

    def __init__(self, pilot: Pilot, ctx: RecordingContext, display: RecorderDisplay):
        self.pilot, self.ctx, self.display = pilot, ctx, display
        self.script: list[str] = []
        self.danger_image: Image.Image | None = None

    def wait(self, timeout: float | None) -> Key | None:
        screen = self.ctx.shown[-1]
        if isinstance(screen, MessageScreen) and screen.view.tone == "danger" \
                and self.danger_image is None:
            self.danger_image = self.display.frames[-1]  # as drawn, before any key
        key = self.pilot.wait(timeout)
        if key is not None:
            self.script.append(key.value)
        elif not isinstance(self.ctx.shown[-1], ScanScreen):
            self.script.append("none")
        elif not self.script or self.script[-1] != "wait":
            self.script.append("wait")
        return key

    def close(self) -> None:
        return None


def rehearse(keystore: Path, camera: Path, scratch: Path) -> Recorder:
    display = RecorderDisplay((240, 240))
    sys_class = scratch / "sys"
    (sys_class / "net" / "lo").mkdir(parents=True)  # the air-gap check: loopback only
    ctx = RecordingContext(display, None, keystore, sys_class=sys_class)  # type: ignore[arg-type]
    ctx.shown = []
    user = Rehearsal()
    recorder = Recorder(Pilot(lambda: ctx, user.decide, on_tick=lambda: time.sleep(0.01)), ctx,
                        display)
    ctx.input = recorder
    with open_source([str(camera)]) as source:
        ctx.camera = source
        with contextlib.suppress(InputClosed):
            run_flows(ctx, go(start))
    if recorder.danger_image is None or user.homes != 3:
        raise SystemExit("appliance_fixture: the rehearsal did not refuse and sign as planned")
    return recorder


def main(out: Path, inputs: int) -> int:
    selftest = out / "selftest"
    expected = out / "expected"
    selftest.mkdir(parents=True)
    expected.mkdir()
    keystore = selftest / "keystore"
    stored = Keystore.create(keystore, MNEMONICS[0], PASSPHRASE,
                             settings=Settings(network=Network.TEST, auto_lock_seconds=0))
    stored.wallet_records.append(wallet_record(make_wallet(network=Network.TEST).wallet))
    stored.save()
    stored.lock()
    danger, good = psbts(inputs)
    frames = camera_frames(selftest / "camera", [danger, good])
    (expected / "unsigned.psbt").write_bytes(good)
    with tempfile.TemporaryDirectory() as scratch:
        # the rehearsal works on a copy: unlocking counts attempts next to the keystore
        copy = Path(scratch) / "keystore"
        copy.write_bytes(keystore.read_bytes())
        recorder = rehearse(copy, selftest / "camera", Path(scratch))
    (selftest / "keys.txt").write_text("\n".join(recorder.script) + "\n")
    assert recorder.danger_image is not None
    recorder.danger_image.save(expected / "danger.png")
    print(f"appliance_fixture: {inputs}-input PSBT of {len(good)} bytes in {frames} camera "
          f"frames (with the danger PSBT); {len(recorder.script)} script lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 64))
