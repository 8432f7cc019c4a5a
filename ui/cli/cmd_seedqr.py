"""`airsign seedqr encode | decode | verify`: the seed as a SeedQR (SeedSigner's format), to
show, print or copy by hand, and the check of a hand-made copy.

Words come from stdin when they are piped in, else from the keystore (after its
passphrase). Only `encode` and `decode` show the seed: the user asked for it.
"""

import argparse
import io
import sys
from pathlib import Path

from signer.errors import TransportError
from signer.secretfile import write_secret_file
from signer.seed.check import check_mnemonic
from signer.seed.importing import words_from_payload
from signer.seed.transcribe import confirm_transcription, render_text, seedqr_matrix
from ui.cli import AddCommand
from ui.cli.common import add_location_options, open_keystore
from ui.qr.render import modules_image, scale_to_fit
from ui.scan.sources import scan_sources

PNG_SIZE = 400  # pixels


def register(add_command: AddCommand) -> None:
    parser = add_command("seedqr")
    actions = parser.add_subparsers(dest="seedqr_action", metavar="ACTION", required=True)

    encode = actions.add_parser("encode", help="the seed as a SeedQR (shows the seed)")
    encode.add_argument("--compact", action="store_true",
                        help="CompactSeedQR (raw entropy: fewer modules to copy by hand)")
    output = encode.add_mutually_exclusive_group(required=True)
    output.add_argument("--png", metavar="OUT", help="write the QR code as a PNG image")
    output.add_argument("--text", action="store_true",
                        help="print the module grid with row/column labels, to copy by hand")
    add_location_options(encode, "seedqr")
    encode.set_defaults(func=run_encode)

    decode = actions.add_parser("decode", help="read a SeedQR image and print its words")
    decode.add_argument("image", metavar="IMAGE", help="a photo or PNG of the SeedQR")
    decode.set_defaults(func=run_decode)

    verify = actions.add_parser(
        "verify", help="scan a hand-transcribed SeedQR and compare it with our seed")
    verify.add_argument("image", metavar="IMAGE", help="a photo of the hand-made SeedQR")
    add_location_options(verify, "seedqr")
    verify.set_defaults(func=run_verify)


def our_words(args: argparse.Namespace) -> list[str]:
    """Words piped into stdin, else the keystore's."""
    piped = "" if sys.stdin.isatty() else sys.stdin.read()
    if piped.strip():
        return check_mnemonic(piped).require_valid()
    with open_keystore(args) as keystore:
        return keystore.mnemonic_words()


def run_encode(args: argparse.Namespace) -> int:
    words = our_words(args)
    matrix = seedqr_matrix(words, compact=args.compact)
    if args.text:
        kind = "CompactSeedQR" if args.compact else "SeedQR"
        print(f"{kind}, {len(matrix)}x{len(matrix)} modules; '#' = fill, '.' = leave empty")
        print(render_text(matrix))
        return 0
    pixels = scale_to_fit(modules_image(matrix), PNG_SIZE)
    path = Path(args.png)
    image = io.BytesIO()
    pixels.save(image, format="PNG")
    write_secret_file(path, image.getvalue())
    print(f"airsign: wrote a {len(matrix)}x{len(matrix)} SeedQR to {path}; it is your seed: "
          "keep it offline and delete it when done", file=sys.stderr)
    return 0


def scan_words(image_path: str) -> list[str]:
    """The words of the SeedQR in the image, through the same scan and classification as
    every other QR (the device's Scan reads SeedQRs the same way)."""
    return words_from_payload(scan_sources([image_path]).payload)


def run_decode(args: argparse.Namespace) -> int:
    print(" ".join(scan_words(args.image)))
    return 0


def run_verify(args: argparse.Namespace) -> int:
    scanned = scan_words(args.image)
    check = confirm_transcription(scanned, our_words(args))
    if not check.matches:
        positions = ", ".join(str(p + 1) for p in check.differing_positions)
        raise TransportError(f"the scanned SeedQR differs from the seed at word {positions}")
    print(f"the scanned SeedQR matches the seed ({len(scanned)} words)")
    return 0
