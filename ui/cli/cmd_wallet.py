"""`airsign wallet add|list|show|remove`: the multisig wallets this device cosigns for."""

import argparse
import sys

from signer.errors import InvalidWallet, UsageError
from signer.scripts import format_path
from signer.transport.types import PayloadKind
from signer.wallet.formats import load_wallet
from signer.wallet.model import Wallet
from signer.wallet.policy388 import policy_of
from signer.wallet.registry import WalletRegistry
from ui.cli import AddCommand
from ui.cli.common import (
    device_network,
    open_keystore,
    seed_root,
)
from ui.cli.qr_output import terminal_progress
from ui.scan.sources import is_frame_source, load_file_or_frames

ACTIONS = ("add", "list", "show", "remove")
SHOW_FORMATS = ("summary", "descriptor", "bip388-json", "bip388-text")
SHOWN_ADDRESSES = 3
# What a scanned wallet can arrive as: a descriptor (UR crypto-output, text), a wallet file
# (JSON, Coldcard text, BSMS), or plain text or bytes (BBQr U/J/B) that load_wallet parses.
_WALLET_KINDS = (PayloadKind.DESCRIPTOR, PayloadKind.WALLET_FILE, PayloadKind.TEXT,
                 PayloadKind.BYTES)


def register(add_command: AddCommand) -> None:
    parser = add_command("wallet")
    parser.add_argument("action", choices=ACTIONS,
                        help="add SOURCE..., list, show NAME, remove NAME")
    parser.add_argument(
        "target",
        nargs="*",
        metavar="SOURCE|NAME",
        help="add: a wallet file (- for stdin), a text file of QR parts, or QR codes as "
             "`airsign decode` reads them (images, an animated GIF, a video, a directory of "
             "frames, camera:N, v4l2:N); show/remove: the wallet's name",
    )
    parser.add_argument("--name", help="add: the name to register it under")
    parser.add_argument("--format", choices=SHOW_FORMATS, default="summary",
                        help="show: summary (default); descriptor; bip388-json or bip388-text "
                             "(a BIP-388 wallet policy, as Ledger-style signers register it)")
    parser.add_argument(
        "--bip39-passphrase",
        action="store_true",
        help="add: the wallet uses our seed with a BIP-39 passphrase (asked, not echoed)",
    )
    parser.set_defaults(func=run, trailing_sources="target")


def run(args: argparse.Namespace) -> int:
    needs_target = args.action in ("add", "show", "remove")
    if needs_target and not args.target:
        what = "a wallet file (or -) or QR source" if args.action == "add" else "the wallet's name"
        raise UsageError(f"wallet {args.action} needs {what}")
    if not needs_target and args.target:
        raise UsageError(f"wallet {args.action} takes no argument")
    if args.action in ("show", "remove") and len(args.target) > 1:
        raise UsageError(f"wallet {args.action} takes one wallet name")
    if args.action != "add" and (args.name or args.bip39_passphrase):
        raise UsageError("--name and --bip39-passphrase only go with wallet add")
    if args.action != "show" and args.format != "summary":
        raise UsageError("--format only goes with wallet show")
    # The wallet is read before the passphrase is asked: a bad source costs no unlock.
    data = wallet_data(args.target) if args.action == "add" else b""
    with open_keystore(args) as keystore:
        # Wallets are registered for the keystore's network: --network only tells a tpub
        # wallet's network (test, signet, regtest), and another one is refused.
        registry = WalletRegistry(keystore.wallet_records, keystore.settings.network)
        if args.action == "add":
            wallet = load_wallet(data, args.name, device_network(args, keystore))
            root = seed_root(args, keystore)
            wallet = registry.add(wallet, root)
            keystore.save()  # before printing: a closed stdout must not lose the registration
            _print_wallet(wallet, root.my_fingerprint)
            print(f"Registered wallet {wallet.name!r}.")
        elif args.action == "list":
            _print_list(registry.wallets())
        elif args.action == "show":
            _show(registry.get(args.target[0]), keystore.fingerprint, args.format)
        else:
            wallet = registry.remove(args.target[0])
            keystore.save()
            print(f"Removed wallet {wallet.name!r}.")
    return 0


def _show(wallet: Wallet, our_fingerprint: bytes, form: str) -> None:
    if form == "summary":
        _print_wallet(wallet, our_fingerprint)
        print(f"Descriptor: {wallet.descriptor()}")
    elif form == "descriptor":
        print(wallet.descriptor())
    elif form == "bip388-json":
        print(policy_of(wallet).as_json())
    else:
        print(policy_of(wallet).as_text(), end="")


def wallet_data(sources: list[str]) -> bytes | str:
    """A wallet file's content, or the wallet text the QR codes in `sources` carry (the same
    sources as `airsign decode`: images, GIF, video, frame directory, camera:N, v4l2:N)."""
    bar = terminal_progress if sys.stderr.isatty() else None
    try:
        loaded = load_file_or_frames(sources, on_progress=bar)
    finally:
        if bar is not None and any(is_frame_source(spec) for spec in sources):
            sys.stderr.write("\n")
    if isinstance(loaded, bytes):
        return loaded
    if loaded.kind not in _WALLET_KINDS:
        raise InvalidWallet(f"not a wallet: the QR codes hold a {loaded.kind}")
    return loaded.data


def _print_wallet(wallet: Wallet, our_fingerprint: bytes) -> None:
    kind = "sortedmulti" if wallet.sorted_keys else "multi (key order matters)"
    shape = f"{wallet.script_type}, {kind}" if wallet.is_multisig else str(wallet.script_type)
    if wallet.is_miniscript:
        shape = f"{wallet.script_type}, miniscript"
    print(f"Wallet: {wallet.name}")
    print(f"Policy: {wallet.policy} ({shape}), network {wallet.network}")
    # A miniscript wallet's paths name a seed with several keys by number ("key 4").
    print("Keys:" if wallet.is_miniscript else "Cosigners:")
    for number, key in enumerate(wallet.keys, start=1):
        mark = "  <- this device" if key.fingerprint == our_fingerprint else ""
        if wallet.is_miniscript:
            chains = f"/<{key.chains[0]};{key.chains[1]}>/*"
            print(f"  key {number}  {key.fingerprint_hex}  {format_path(key.origin_path)}"
                  f"{chains}{mark}")
        else:
            print(f"  {key.fingerprint_hex}  {format_path(key.origin_path)}{mark}")
    if wallet.is_miniscript:
        print("Spending paths:")
        for words in wallet.policy_words(our_fingerprint):
            print(f"  - {words}")
    for index in range(SHOWN_ADDRESSES):
        print(f"Receive address {index}: {wallet.address(False, index)}")


def _print_list(wallets: list[Wallet]) -> None:
    if not wallets:
        print("No wallets registered. Add one with `airsign wallet add FILE`.")
        return
    for wallet in wallets:
        print(f"{wallet.name}\t{wallet.policy}\t{wallet.script_type}\t{wallet.network}")
