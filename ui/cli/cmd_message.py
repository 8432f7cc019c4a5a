"""`airsign message sign|verify`: BIP-322 and legacy message signatures for this seed's
single-sig addresses."""

import argparse
import json
import sys

from signer.errors import SigningRefused, UsageError
from signer.message import (
    DEFAULT_SEARCH_GAP,
    MessageFormat,
    SignRequest,
    check_message,
    find_key,
    key_at,
    message_text,
    parse_request,
    sign_message,
    verify_message,
)
from signer.scripts import parse_path
from ui.cli import AddCommand
from ui.cli.cmd_sign import confirm
from ui.cli.common import device_network, open_keystore, read_input_bytes, seed_root
from ui.scan.sources import is_frame_source, load_source


def register(add_command: AddCommand) -> None:
    parser = add_command("message")
    parser.add_argument("action", choices=("sign", "verify"),
                        help="sign: (--path P | --address A) and the message; "
                             "verify: --address A --signature S and the message")
    parser.add_argument("source", nargs="*", metavar="SOURCE",
                        help="the message: a file (its exact bytes, '-' for stdin), or QR "
                             "sources as in `decode` (a SeedSigner 'signmessage PATH ascii:TEXT' "
                             "request or plain text)")
    parser.add_argument("--message", metavar="TEXT", help="the message itself (UTF-8)")
    key = parser.add_mutually_exclusive_group()
    key.add_argument("--path", help="sign: the key's path, e.g. m/84h/0h/0h/0/0 "
                                    "(purpose 44, 49, 84 or 86 picks the address type)")
    key.add_argument("--address", help="the address (sign: found among accounts 0-9)")
    parser.add_argument("--format", choices=[f.value for f in MessageFormat], default=None,
                        help="sign: bip322 (default) or legacy 'Bitcoin Signed Message'; "
                             "verify: default is told from the signature")
    parser.add_argument("--signature", metavar="BASE64", help="verify: the signature")
    parser.add_argument("--gap", type=int, default=DEFAULT_SEARCH_GAP,
                        help=f"sign --address: indexes searched per chain (default "
                             f"{DEFAULT_SEARCH_GAP})")
    parser.add_argument("--bip39-passphrase", action="store_true",
                        help="sign with a BIP-39 passphrase (asked, not echoed, not stored)")
    parser.add_argument("--yes", action="store_true", help="sign without asking")
    parser.add_argument("--json", action="store_true",
                        help="print {address, message, format, signature} as JSON")
    parser.set_defaults(func=run, trailing_sources="source")


def read_request(args: argparse.Namespace) -> SignRequest:
    """The message from --message, a file, or QR sources (which may also name the path)."""
    if args.message is not None:
        if args.source:
            raise UsageError("give the message with --message or as SOURCE, not both")
        return SignRequest(check_message(args.message.encode("utf-8")))
    if not args.source:
        raise UsageError("no message: give --message TEXT, a FILE, or QR SOURCE(s)")
    if all(is_frame_source(spec) for spec in args.source):
        payload = load_source(args.source)
        return parse_request(payload.data)
    if len(args.source) > 1:
        raise UsageError("give one message file")
    return SignRequest(check_message(read_input_bytes(args.source[0])))


def run(args: argparse.Namespace) -> int:
    if args.action == "verify":
        return _verify(args)
    if args.signature:
        raise UsageError("--signature is for message verify")
    if not 1 <= args.gap <= 100_000:
        raise UsageError("--gap must be between 1 and 100000")
    request = read_request(args)
    path = parse_path(args.path) if args.path else None
    if request.path is not None:
        if path is not None and path != request.path:
            raise UsageError("the request names another path than --path")
        if args.address:
            raise UsageError("the request already names the key's path: drop --address")
        path = request.path
    if path is None and not args.address:
        raise UsageError("message sign needs --path PATH or --address ADDRESS")
    fmt = MessageFormat(args.format or MessageFormat.BIP322)
    with open_keystore(args) as keystore:
        network = device_network(args, keystore)
        root = seed_root(args, keystore)
        key = (key_at(root, path, network) if path is not None
               else find_key(root, args.address, network, args.gap))
        _show_request(key.address, key.path_text, request.message, fmt)
        if not args.yes and not confirm("Sign this message?"):
            raise SigningRefused("not signed: you did not confirm")
        signed = sign_message(root, key, request.message, fmt)
    if args.json:
        print(json.dumps(signed.as_json(), ensure_ascii=False))
    else:
        print(signed.signature)
    return 0


def _show_request(address: str, path: str, message: bytes, fmt: MessageFormat) -> None:
    """What the user agrees to, on stderr: the address, its path and the whole message."""
    print(f"Sign a {fmt} message with {address} ({path}):", file=sys.stderr)
    print("-" * 40, file=sys.stderr)
    print(message_text(message), file=sys.stderr)
    print("-" * 40, file=sys.stderr)
    print(f"{len(message)} bytes", file=sys.stderr)


def _verify(args: argparse.Namespace) -> int:
    if not args.address or not args.signature:
        raise UsageError("message verify takes --address ADDRESS --signature BASE64 and "
                         "the message")
    if args.path or args.yes or args.bip39_passphrase:
        raise UsageError("message verify takes no --path, --yes or --bip39-passphrase")
    request = read_request(args)
    network = device_network(args, None) if args.network else None
    fmt = verify_message(args.address, request.message, args.signature, network,
                         MessageFormat(args.format) if args.format else None)
    print(f"valid {fmt} signature by {args.address.strip()}")
    return 0

