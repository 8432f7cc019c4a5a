"""`airsign run`: the appliance UI on a display, with joystick/keys (or a keyboard), a camera."""

import argparse

from ui.cli import AddCommand
from ui.cli.common import keystore_path


def register(add_command: AddCommand) -> None:
    parser = add_command("run")
    parser.add_argument("--display", default="window", metavar="KIND",
                        help="window | fb[:/dev/fbN] | st7789 | png:DIR (default: window)")
    parser.add_argument("--input", default="", metavar="KIND",
                        help="keyboard | gpio | script:FILE (default: keyboard for the window, "
                        "gpio otherwise)")
    parser.add_argument("--camera", metavar="SOURCE",
                        help="camera:N, picamera, a video file or a directory of frames")
    parser.add_argument("--size", default="240x240", metavar="WxH",
                        help="screen size for window, st7789 and png (default: 240x240)")
    parser.add_argument("--dev-allow-network", action="store_true",
                        help="on a networked desktop or laptop: start despite network hardware "
                             "(any interface but lo, Bluetooth, a radio), which otherwise stops "
                             "airsign at boot; every screen then carries a red DEV MODE banner. "
                             "Developers only, never with a real seed")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from signer.keys import warn_if_slow_backend
    from ui.app import run_app
    from ui.backends import open_display, open_input, parse_size

    warn_if_slow_backend()  # on the serial console; `airsign doctor` reports it too

    size = parse_size(args.size)
    display = open_display(args.display, size)
    input_spec = args.input or ("keyboard" if args.display == "window" else "gpio")
    keys = open_input(input_spec, display)
    camera = None
    if args.camera:
        from ui.backends.camera import open_source

        camera = open_source([args.camera])
    try:
        return run_app(display, keys, camera, keystore_path(args),
                       dev_allow_network=args.dev_allow_network)
    finally:
        if camera is not None:
            camera.close()
