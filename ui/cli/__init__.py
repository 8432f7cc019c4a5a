"""The `airsign` command line: a user interface like the screens, over the same signer library.

Every subcommand lives in a module `ui/cli/cmd_*.py` with a `register(add_command)` function;
COMMANDS below names each one with its one-line summary and the global options it takes, so
that `airsign --help` lists them without importing any (it imports no numpy, OpenCV or
zxing-cpp), and running a command imports only its own module. Global options (--keystore,
--network) go before or after the command; a command that does not use one refuses it.
Exit codes: 0 done, 1 refused (one line on stderr), 2 usage. Output into a closed pipe
(`airsign review X --json | head -1`) ends the command quietly with 1.
"""

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple

from signer.errors import AirsignError, UsageError
from signer.hygiene import install as install_hygiene
from signer.hygiene import printable

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
KEYSTORE, NETWORK = "keystore", "network"
NETWORKS = ("main", "test", "signet", "regtest")  # signer.network.Network's values


class Command(NamedTuple):  # not a dataclass: `dataclasses` imports `inspect`, 10+ ms
    summary: str
    options: tuple[str, ...] = ()  # the global options it uses: KEYSTORE, NETWORK


COMMANDS: dict[str, Command] = {
    "address": Command("verify that an address belongs to a registered wallet, or show one",
                       (KEYSTORE, NETWORK)),
    "decode": Command("read QR codes (still, animated UR/BBQr/pMofN) and print the payload"),
    "demo": Command("the whole appliance on testnet with a throwaway seed"),
    "doctor": Command("check the device: crypto backend, QR decoder, camera, display, "
                      "keystore, network interfaces, swap", (KEYSTORE,)),
    "encode": Command("write a PSBT or other payload as QR frames (GIF or PNGs)"),
    "keystore": Command("create the encrypted keystore, inspect it, change settings",
                        (KEYSTORE, NETWORK)),
    "message": Command("sign a message with one of this seed's addresses, or verify a message "
                       "signature", (KEYSTORE, NETWORK)),
    "review": Command("show what a PSBT spends and where, with warnings", (KEYSTORE, NETWORK)),
    "run": Command("start the appliance UI (screens, keys, camera)", (KEYSTORE,)),
    "seed": Command("make a new seed, find a last word, check a mnemonic", (KEYSTORE, NETWORK)),
    "seedqr": Command("show the seed as a SeedQR, read one, check a hand-made copy",
                      (KEYSTORE,)),
    "selftest": Command("check this device's camera, display HAT and keys"),
    "sign": Command("review a PSBT, then add our signatures to it", (KEYSTORE, NETWORK)),
    "wallet": Command("register a multisig wallet (descriptor, JSON, BIP-388 policy, BSMS or "
                      "Coldcard file; from a file or QR codes), list, show, remove",
                      (KEYSTORE, NETWORK)),
    "xpub": Command("export this device's cosigner key (xpub) for a coordinator",
                    (KEYSTORE, NETWORK)),
}
_OPTION_VALUES = {"--keystore", "--network"}  # global options that take a value

AddCommand = Callable[..., argparse.ArgumentParser]


def add_global_options(parser: argparse.ArgumentParser, options: Sequence[str],
                       where: str = "") -> None:
    """--keystore and/or --network on `parser`. SUPPRESS: a value given earlier on the line
    (before the command or action) stays unless given again here."""
    if KEYSTORE in options:
        parser.add_argument(
            "--keystore", metavar="PATH", default=argparse.SUPPRESS,
            help=where or "keystore file (default: $AIRSIGN_KEYSTORE or "
                          "~/.local/share/airsign/keystore)")
    if NETWORK in options:
        parser.add_argument(
            "--network", choices=NETWORKS, default=argparse.SUPPRESS,
            help=where or "override the device's network setting where the input does not "
                          "imply one")


def command_in(argv: Sequence[str]) -> str | None:
    """The command named on the line: the first word that is not a global option or its
    value."""
    words = iter(argv)
    for word in words:
        if word in _OPTION_VALUES:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for `command` with its module's arguments; for no or an unknown command, every
    command by its summary only (what `airsign --help` shows), importing no command module."""
    parser = argparse.ArgumentParser(
        prog="airsign", description="An air-gapped Bitcoin multisig cosigner.",
        epilog="--keystore and --network go before or after the command; commands that do "
               "not use them refuse them. `airsign COMMAND --help` for a command's options.")
    add_global_options(parser, (KEYSTORE, NETWORK))
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add_command(name: str, **kwargs: object) -> argparse.ArgumentParser:
        spec = COMMANDS[name]
        sub = subparsers.add_parser(name, help=spec.summary, description=spec.summary,
                                    **kwargs)  # type: ignore[arg-type]
        add_global_options(sub, spec.options)
        return sub

    if command in COMMANDS:
        importlib.import_module(f"{__name__}.cmd_{command}").register(add_command)
    else:
        for name, spec in COMMANDS.items():
            subparsers.add_parser(name, help=spec.summary)
    return parser


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """The parsed line; a global option before a command that does not use it is a usage
    error, as it is after the command."""
    command = command_in(argv)
    parser = build_parser(command)
    args, extra = parser.parse_known_args(argv)
    # A command naming `trailing_sources` also gets the words after its options: argparse
    # gives a '*' positional only the words before the first option.
    target = getattr(args, "trailing_sources", None)
    if extra and target and not any(word.startswith("-") for word in extra):
        getattr(args, target).extend(extra)
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    for option in (KEYSTORE, NETWORK):
        if option not in COMMANDS[args.command].options:
            if hasattr(args, option):
                parser.error(f"--{option} does not apply to `airsign {args.command}`")
        elif not hasattr(args, option):
            setattr(args, option, None)  # keystore: $AIRSIGN_KEYSTORE or the default path
    return args


def main(argv: Sequence[str] | None = None) -> int:
    install_hygiene()  # no sockets, no tracebacks with secrets: before anything else runs
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parse(argv)
        code = int(args.func(args) or EXIT_OK)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except UsageError as exc:
        print(f"airsign: usage: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except AirsignError as exc:
        print(f"airsign: {printable(str(exc))}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("airsign: interrupted", file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:
        # The reader went away (`| head -1`): nothing more to say to anyone. Further writes
        # to stdout (Python flushes it at exit) go nowhere instead of raising again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
