"""`airsign review PSBT [--json]`: what the PSBT does, checked against our wallets."""

import argparse
import json
from dataclasses import dataclass
from typing import TextIO

from embit.bip32 import HDKey

from signer.psbt import ParsedPSBT
from signer.review import Review, review_psbt
from signer.settings import Settings
from signer.transport.types import Payload
from signer.wallet.model import Wallet
from signer.wallet.registry import WalletRegistry
from ui.cli import AddCommand
from ui.cli.common import device_network, open_keystore, seed_root
from ui.cli.psbt_source import load_psbt_source
from ui.cli.review_text import render_review
from ui.scan.decoders import DECODERS, DEFAULT_DECODER


@dataclass(frozen=True)
class ReviewedPSBT:
    """A loaded PSBT, its review, and what signing it needs."""

    psbt: ParsedPSBT
    encoding: str  # base64, hex or binary: the signed PSBT goes back the same way
    came_as: Payload  # how it crossed the air gap: signed QR frames go back the same way
    review: Review
    root: HDKey
    wallets: list[Wallet]
    settings: Settings


def register(add_command: AddCommand) -> None:
    parser = add_command("review")
    add_psbt_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the review as JSON")
    parser.set_defaults(func=run)


def add_psbt_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("psbt", metavar="PSBT", nargs="+",
                        help="file with a base64, hex or binary PSBT, or - for stdin; a file "
                             "of UR/BBQr/pMofN lines; or QR frames: image(s), an animated "
                             "GIF, a video, a directory of frames, camera:N")
    parser.add_argument("--decoder", choices=sorted(DECODERS), default=DEFAULT_DECODER,
                        help=f"QR image decoder for QR sources (default {DEFAULT_DECODER})")
    parser.add_argument("--bip39-passphrase", action="store_true",
                        help="our seed is used with a BIP-39 passphrase (asked, not echoed)")


def review_source(args: argparse.Namespace) -> ReviewedPSBT:
    """Load the PSBT first (a bad file fails before the passphrase prompt), then review it."""
    loaded = load_psbt_source(args.psbt, args.decoder)
    with open_keystore(args) as keystore:
        network = device_network(args, keystore)
        wallets = WalletRegistry(keystore.wallet_records, network).wallets()
        root = seed_root(args, keystore)
        settings = keystore.settings
    review = review_psbt(loaded.psbt, root=root, wallets=wallets, settings=settings,
                         network=network)
    return ReviewedPSBT(loaded.psbt, loaded.encoding, loaded.came_as, review, root, wallets,
                        settings)


def print_review(review: Review, settings: Settings, *, as_json: bool = False,
                 stream: TextIO | None = None) -> None:
    text = (json.dumps(review.to_json(), indent=2) if as_json
            else "\n".join(render_review(review, settings.denomination)))
    print(text, file=stream)


def run(args: argparse.Namespace) -> int:
    reviewed = review_source(args)
    print_review(reviewed.review, reviewed.settings, as_json=args.json)
    return 0
