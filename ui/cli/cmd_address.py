"""`airsign address verify|show`: is an address ours, and which address is at an index."""

import argparse
import sys

from signer.errors import UsageError
from signer.scripts import format_path
from signer.wallet.registry import DEFAULT_GAP, WalletRegistry
from ui.cli import EXIT_REFUSED, AddCommand
from ui.cli.common import device_network, open_keystore

MAX_GAP = 100_000  # 200,000 addresses already take minutes on a Pi Zero 2 W


def register(add_command: AddCommand) -> None:
    parser = add_command("address")
    parser.add_argument("action", choices=("verify", "show"),
                        help="verify ADDRESS: which wallet, chain and index, or not ours; "
                        "show --wallet NAME --index I: one of our addresses")
    parser.add_argument("address", nargs="?", help="verify: the address to look for")
    parser.add_argument(
        "--gap",
        type=int,
        default=DEFAULT_GAP,
        help=f"verify: search indexes 0..GAP-1 of both chains (default {DEFAULT_GAP})",
    )
    parser.add_argument("--wallet", metavar="NAME", help="show: the wallet")
    parser.add_argument("--index", type=int, help="show: the address index")
    parser.add_argument("--change", action="store_true", help="show: the change chain")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "verify":
        if not args.address or args.wallet or args.index is not None or args.change:
            raise UsageError("address verify takes ADDRESS [--gap N]")
        if not 1 <= args.gap <= MAX_GAP:
            raise UsageError(f"--gap must be between 1 and {MAX_GAP}")
    elif args.address or args.wallet is None or args.index is None:
        raise UsageError("address show takes --wallet NAME --index I [--change]")
    elif not 0 <= args.index < 2**31:
        raise UsageError("--index must be between 0 and 2^31-1")
    with open_keystore(args) as keystore:
        registry = WalletRegistry(keystore.wallet_records, device_network(args, keystore))
        our_fingerprint = keystore.fingerprint
        if args.action == "show":
            wallet = registry.get(args.wallet)
            match_change, match_index = args.change, args.index
            print(wallet.address(match_change, match_index))
        else:
            match = registry.find_address(args.address, args.gap)
            if match is None:
                searched = len(registry.wallets())
                print(
                    f"airsign: {args.address.strip()} is not ours: it is not among the first "
                    f"{args.gap} receive or change addresses of the {searched} registered "
                    "wallet(s)",
                    file=sys.stderr,
                )
                return EXIT_REFUSED
            wallet, match_change, match_index = match.wallet, match.change, match.index
            print(
                f"{match.address} is ours: wallet {wallet.name!r}, {match.chain} address "
                f"{match_index}"
            )
    chain = "change" if match_change else "receive"
    print(f"Wallet {wallet.name!r} ({wallet.policy}), {chain} chain, index {match_index}")
    ours = wallet.key_for_fingerprint(our_fingerprint)
    if ours is not None:
        path = format_path(ours.full_path(match_change, match_index))
        print(f"Our key path: {path} (fingerprint {ours.fingerprint_hex})")
    return 0
