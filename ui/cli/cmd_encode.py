"""`airsign encode FILE --format ur|bbqr|specter`: a payload (PSBT, descriptor, wallet file,
text, or QR parts to convert) as QR frames in an animated GIF or a directory of PNGs."""

import argparse

from signer.transport.encoders import DENSITY_MAX_QR_VERSION, encode_frames
from signer.transport.types import Format
from ui.cli import AddCommand
from ui.cli.common import read_input_bytes
from ui.cli.qr_output import add_frame_output_options, write_frames_from_args
from ui.scan.sources import assemble_text

FORMATS = [Format.UR.value, Format.BBQR.value, Format.PMOFN.value]


def register(add_command: AddCommand) -> None:
    parser = add_command("encode")
    parser.add_argument("file", metavar="FILE", help="the payload: a PSBT (base64, hex or "
                        "binary), a descriptor or wallet file, text, or lines of QR parts; "
                        "- for stdin")
    parser.add_argument("--format", required=True, choices=FORMATS,
                        help="ur (Sparrow, Nunchuk, BlueWallet, Keeper), bbqr (Coldcard Q, "
                             "Sparrow), specter (pMofN, Specter Desktop)")
    parser.add_argument("--density", choices=list(DENSITY_MAX_QR_VERSION), default="medium",
                        help="largest QR version: low 6, medium 10 (default), high 15")
    add_frame_output_options(parser, required=True)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    payload = assemble_text(read_input_bytes(args.file))
    frames = encode_frames(payload, Format(args.format), density=args.density)
    write_frames_from_args(frames, args, secret=payload.kind.holds_secret)
    return 0
