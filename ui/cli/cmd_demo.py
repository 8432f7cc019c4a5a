"""`airsign demo`: the whole appliance on testnet with a throwaway seed and a simulated
coordinator, through the real screens; headless (PNGs and a GIF) or in the emulator window."""

import argparse
import os
import sys
from pathlib import Path

from signer.errors import AirsignError, UsageError
from ui.cli import AddCommand


def run(args: argparse.Namespace) -> int:
    from ui.demo.session import SIZE, run_demo

    if args.window and args.headless:
        raise UsageError("choose --window or --headless, not both")
    if args.window and not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        raise UsageError("--window needs a display ($DISPLAY is not set): use --headless")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: not a directory")
    if (out / "keystore").exists() and not (out / "keystore").is_file():
        raise UsageError(f"{out / 'keystore'} is in the way of the demo's keystore")
    print("airsign demo: the appliance on testnet with a throwaway seed and a simulated "
          "coordinator (never send real coins to these keys)")

    def say(line: str) -> None:
        print(f"  - {line}", flush=True)

    window = None
    if args.window:
        from ui.backends.display import WindowDisplay

        window = WindowDisplay(SIZE, title="airsign demo")
    result = run_demo(out, say, window=window)
    check = result.check
    print()
    if check.signed_psbt:
        print(f"The coordinator read the signed PSBT back from {check.frames_decoded} QR frames "
              f"of the device's screen: {check.signatures_verified} of {check.inputs} inputs "
              "signed, signatures verified with embit, "
              f"{'the same' if check.same_transaction else 'NOT the same'} transaction.")
    files = result.files
    print(f"{result.screens_shown} screens. Files in {out}/:")
    print(f"  {files.gif.name}  the whole session, animated")
    print(f"  {files.screens.name}/  one PNG per screen")
    print(f"  {files.signed_qr.name}/  the frames of the signed PSBT's QR animation")
    print(f"  {files.gallery.name}/  docs/gallery's demo pictures and the README's screenshot")
    print(f"  {files.unsigned_psbt.name}, {files.signed_psbt.name}  base64; "
          f"{files.keystore.name}  the demo seed, encrypted")
    if not check.ok:
        raise AirsignError(f"demo failed: {check.problem}")
    print("Demo OK.")
    return 0


def register(add_command: AddCommand) -> None:
    parser = add_command("demo")
    parser.add_argument("--out", default="demo-out", metavar="DIR",
                        help="directory for the demo's files (default: demo-out)")
    parser.add_argument("--headless", action="store_true",
                        help="no window: write the screens and the GIF only (the default)")
    parser.add_argument("--window", action="store_true",
                        help="also play the session in the emulator window at a watchable pace")
    parser.set_defaults(func=run)
