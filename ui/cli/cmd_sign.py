"""`airsign sign PSBT`: review, confirm, sign our inputs, write the PSBT back."""

import argparse
import sys

from signer.errors import SigningRefused, UsageError
from signer.psbt import serialize_psbt
from signer.review import REFUSAL_CODES, WARNING_CODES
from signer.sign import check_allowed, sign_psbt
from signer.transport.encoders import reply_frames
from ui.cli import AddCommand
from ui.cli.cmd_review import add_psbt_arguments, print_review, review_source
from ui.cli.psbt_source import write_psbt
from ui.cli.qr_output import add_frame_output_options, write_frames_from_args


def register(add_command: AddCommand) -> None:
    parser = add_command("sign")
    add_psbt_arguments(parser)
    parser.add_argument("--out", metavar="FILE",
                        help="write the signed PSBT here, in the encoding it came in "
                             "(default: stdout, unless QR frames are written)")
    add_frame_output_options(parser, required=False, gif_flag="--qr-gif", dir_flag="--qr-dir")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--allow", metavar="CODE", action="append", default=[],
                        help="sign despite this danger warning (repeat for each code)")
    parser.add_argument("--sigs-only", action="store_true",
                        help="output only our signatures and the transaction, not the full PSBT")
    parser.set_defaults(func=run)


def confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError("cannot ask for confirmation (stdin is not a terminal): review the "
                         "PSBT, then sign with --yes")
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def run(args: argparse.Namespace) -> int:
    unknown = sorted(set(args.allow) - WARNING_CODES)
    if unknown:
        raise UsageError(f"unknown warning code {unknown[0]!r} for --allow: "
                         f"one of {', '.join(sorted(WARNING_CODES - REFUSAL_CODES))}")
    refusals = sorted(set(args.allow) & REFUSAL_CODES)
    if refusals:
        raise UsageError(f"--allow {refusals[0]}: this danger cannot be overridden (the device "
                         "cannot prove what it would sign)")
    reviewed = review_source(args)
    review = reviewed.review
    print_review(review, reviewed.settings, stream=sys.stderr)
    allow = frozenset(args.allow)
    check_allowed(review, allow)
    ours = [inp.index for inp in review.inputs if inp.signable]
    if not ours and any(inp.ours for inp in review.inputs):
        raise SigningRefused("nothing to sign: this device's inputs cannot be signed as the "
                             "PSBT stands (see the warnings above)")
    if not ours:
        raise SigningRefused("nothing to sign: no input belongs to a wallet on this device")
    if not args.yes and not confirm(f"Sign {len(ours)} input(s)?"):
        raise SigningRefused("not signed: you did not confirm")
    result = sign_psbt(reviewed.psbt, review, root=reviewed.root, wallets=reviewed.wallets,
                       allow=allow, sigs_only=args.sigs_only)
    for warning in result.skipped:
        print(f"airsign: {warning.text()} [{warning.code}]", file=sys.stderr)
    for index in result.replaced:
        print(f"airsign: input {index + 1}: replaced a signature under our key that did not "
              "verify for this transaction", file=sys.stderr)
    if result.signatures:
        inputs = ", ".join(f"{i + 1}/{len(review.inputs)}" for i in result.signed_inputs)
        print(f"Signed input(s) {inputs}: {result.signatures} signature(s).", file=sys.stderr)
    else:
        print("Nothing new to sign: our signatures are already there.", file=sys.stderr)
    if args.qr_gif or args.qr_dir:
        # QR frames in the format the PSBT arrived in, at the device's density setting
        frames = reply_frames(serialize_psbt(result.psbt), reviewed.came_as,
                              reviewed.settings.qr_density)
        write_frames_from_args(frames, args)
        if args.out is None:
            return 0
    write_psbt(result.psbt, reviewed.encoding, args.out)
    return 0
