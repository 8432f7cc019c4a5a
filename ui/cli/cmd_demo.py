"""`airsign demo`: the main job on testnet with a throwaway seed, start to finish."""

import argparse
import sys
from pathlib import Path

from signer.psbt import encode_psbt
from ui.cli.review_text import render_review
from ui.demo.walkthrough import walk


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print("airsign demo: a throwaway testnet seed and a simulated coordinator "
          "(never send real coins to these keys)")

    def say(line: str) -> None:
        print(f"  - {line}")

    result = walk(out / "keystore", say)
    print()
    print("\n".join(render_review(result.review, result.keystore.settings.denomination)))
    (out / "unsigned.psbt").write_bytes(encode_psbt(result.unsigned_psbt, "base64") + b"\n")
    (out / "signed.psbt").write_bytes(encode_psbt(result.signed_psbt, "base64") + b"\n")
    print()
    print("Signed PSBT (base64), as the coordinator would receive it:")
    print(encode_psbt(result.signed_psbt, "base64").decode())
    print(f"\nFiles in {out}/: keystore (encrypted), unsigned.psbt, signed.psbt", file=sys.stderr)
    return 0


def register(add_command) -> None:  # noqa: ANN001 - the dispatcher's callable
    parser = add_command("demo", "run the whole job on testnet with a throwaway seed")
    parser.add_argument("--out", default="demo-out", help="where to write the demo's files")
    parser.set_defaults(func=run)
