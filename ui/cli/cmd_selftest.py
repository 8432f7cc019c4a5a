"""`airsign selftest`: prove on this machine that the app can unlock, register, review and sign.

Run by the image's boot test inside the emulated Pi; useful on a real device too. Uses the
demo's throwaway testnet seed in a temporary keystore, never the device's own.
"""

import argparse
import tempfile
import time
from pathlib import Path

from signer.errors import AirsignError
from signer.keys import secp256k1_backend
from ui.backends.camera import open_source
from ui.cli import AddCommand
from ui.demo.walkthrough import verify_signatures, walk

CAMERA_FRAMES = 3


def check_camera(spec: str) -> str:
    """Read a few frames from the camera; refuse a source that gives none or a flat image."""
    with open_source([spec]) as source:
        frames = [source.read() for _ in range(CAMERA_FRAMES)]
    if any(frame is None for frame in frames):
        raise AirsignError(f"selftest: the camera {spec} stopped sending frames")
    height, width = frames[0].shape[:2]
    if all(int(frame.max()) == int(frame.min()) for frame in frames):
        raise AirsignError(f"selftest: the camera {spec} sends only flat frames")
    return f"{len(frames)} frames of {width}x{height} from {spec}"


def check_gpio_keys(chip: str) -> str:
    """Open the HAT's eight key lines (on lines 0-7 of `chip`) the way `airsign run` does and
    sample them for a moment: proves the GPIO character device path, not the wiring."""
    from ui.backends.input import WAVESHARE_PINS, GpioInput

    keys = GpioInput(pins={key: line for line, key in enumerate(WAVESHARE_PINS)},
                     gpio_chip=chip)
    try:
        time.sleep(0.1)
    finally:
        keys.close()
    return f"{len(WAVESHARE_PINS)} key lines sampled on {chip}"


def run(args: argparse.Namespace) -> int:
    def say(line: str) -> None:
        print(f"selftest: {line}", flush=True)

    if secp256k1_backend() != "libsecp256k1":
        raise AirsignError("selftest: embit fell back to pure-Python secp256k1")
    with tempfile.TemporaryDirectory(prefix="airsign-selftest-") as scratch:
        result = walk(Path(scratch) / "keystore", say)
        result.keystore.lock()
    count = verify_signatures(result.signed.psbt)
    if count != len(result.signed.signed_inputs):
        raise AirsignError("selftest: fewer signatures than signed inputs")
    say(f"signatures verified: {count}")
    if args.camera:
        say(f"camera: {check_camera(args.camera)}")
    if args.gpio_chip:
        say(f"gpio: {check_gpio_keys(args.gpio_chip)}")
    print("AIRSIGN-APP-SELFTEST-OK", flush=True)
    return 0


def register(add_command: AddCommand) -> None:
    parser = add_command("selftest")
    parser.add_argument("--image", action="store_true",
                        help="running inside the appliance image (the boot test)")
    parser.add_argument("--camera", metavar="SOURCE",
                        help="also read a few frames from this camera (e.g. v4l2:0)")
    parser.add_argument("--gpio-chip", metavar="PATH",
                        help="also open and sample the key lines on this GPIO chip")
    parser.set_defaults(func=run)
