"""`airsign selftest`: check this device's hardware paths the way `airsign run` uses them.

The image's boot test runs it inside the emulated Pi after the appliance itself has signed
end to end there (image-build/boot-test.sh); on a real device it is a quick check of the kit:
the secp256k1 backend, frames from the camera, the HAT's panel over SPI and its eight key
lines on their real BCM pins.
"""

import argparse
import time

from PIL import Image

from signer.errors import AirsignError
from signer.keys import secp256k1_backend
from ui.backends.camera import open_source
from ui.cli import AddCommand

CAMERA_FRAMES = 3
HAT_SIZE = (240, 240)


def check_camera(spec: str) -> str:
    """Read a few frames from the camera; refuse a source that gives none or a flat image."""
    with open_source([spec]) as source:
        frames = [source.read() for _ in range(CAMERA_FRAMES)]
    if any(frame is None for frame in frames):
        raise AirsignError(f"selftest: the camera {spec} stopped sending frames")
    width, height = frames[0].size  # type: ignore[union-attr]
    if all(frame.getextrema()[0] == frame.getextrema()[1] for frame in frames):  # type: ignore[union-attr]
        raise AirsignError(f"selftest: the camera {spec} sends only flat frames")
    return f"{len(frames)} frames of {width}x{height} from {spec}"


def check_hat() -> list[str]:
    """Initialise the ST7789 and push one frame over SPI, then open the eight key lines on
    their BCM pins and sample them, as `airsign run --display st7789 --input gpio` does."""
    from ui.backends.display import ST7789Display
    from ui.backends.input import WAVESHARE_PINS, GpioInput

    display = ST7789Display(HAT_SIZE)
    try:
        display.show(Image.new("RGB", HAT_SIZE, (0, 128, 255)))
    finally:
        display.close()
    keys = GpioInput()
    try:
        time.sleep(0.1)  # ten samples
        levels = {key: line.read() for key, line in keys.lines.items()}
    finally:
        keys.close()
    pins = ", ".join(f"{key.value}={WAVESHARE_PINS[key]}:{'up' if high else 'down'}"
                     for key, high in levels.items())
    return ["st7789: initialised, one 240x240 frame pushed over /dev/spidev0.0",
            f"keys: {len(levels)} lines sampled on /dev/gpiochip0 (BCM {pins})"]


def run(args: argparse.Namespace) -> int:
    def say(line: str) -> None:
        print(f"selftest: {line}", flush=True)

    backend = secp256k1_backend()
    if backend != "libsecp256k1":
        raise AirsignError("selftest: embit fell back to pure-Python secp256k1")
    say(f"secp256k1 backend: {backend}")
    if args.camera:
        say(f"camera: {check_camera(args.camera)}")
    if args.hat:
        for line in check_hat():
            say(f"hat: {line}")
    print("AIRSIGN-APP-SELFTEST-OK", flush=True)
    return 0


def register(add_command: AddCommand) -> None:
    parser = add_command("selftest")
    parser.add_argument("--image", action="store_true",
                        help="running inside the appliance image (the boot test)")
    parser.add_argument("--camera", metavar="SOURCE",
                        help="read a few frames from this camera (e.g. v4l2:0)")
    parser.add_argument("--hat", action="store_true",
                        help="drive the Waveshare HAT: the ST7789 over /dev/spidev0.0 and the "
                        "eight key lines on /dev/gpiochip0")
    parser.set_defaults(func=run)
