"""The `airsign` command line: a user interface like the screens, over the same signer library.

Every subcommand lives in a module `ui/cli/cmd_*.py` with a `register(add_command)` function;
they are discovered here so that adding a command touches one file, and only the module of the
command being run is imported. Exit codes: 0 done, 1 refused (one line on stderr), 2 usage.
"""

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Callable, Sequence

from signer.errors import AirsignError, UsageError
from signer.hygiene import install as install_hygiene
from signer.hygiene import printable

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2

AddCommand = Callable[..., argparse.ArgumentParser]


def _global_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--keystore",
        metavar="PATH",
        default=os.environ.get("AIRSIGN_KEYSTORE"),
        help="keystore file (default: $AIRSIGN_KEYSTORE or ~/.local/share/airsign/keystore)",
    )
    parent.add_argument(
        "--network",
        choices=["main", "test", "signet", "regtest"],
        help="override the device's network setting where the input does not imply one",
    )
    return parent


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or with only `command`'s when it names one: a
    command imports only what it needs (`airsign run` starts without numpy or qrcode)."""
    parser = argparse.ArgumentParser(
        prog="airsign", description="An air-gapped Bitcoin multisig cosigner."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parent = _global_options()

    def add_command(name: str, help: str, **kwargs: object) -> argparse.ArgumentParser:
        return subparsers.add_parser(
            name, help=help, description=help, parents=[parent], **kwargs  # type: ignore[arg-type]
        )

    package = sys.modules[__name__]
    modules = sorted(m.name for m in pkgutil.iter_modules(package.__path__)
                     if m.name.startswith("cmd_"))
    if f"cmd_{command}" in modules:
        modules = [f"cmd_{command}"]
    for name in modules:
        importlib.import_module(f"{__name__}.{name}").register(add_command)
    return parser


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """parse_args, except that a command naming `trailing_sources` also gets the words after
    its options: argparse gives a '*' positional only the words before the first option."""
    args, extra = parser.parse_known_args(argv)
    target = getattr(args, "trailing_sources", None)
    if extra and target and not any(word.startswith("-") for word in extra):
        getattr(args, target).extend(extra)
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    install_hygiene()  # no sockets, no tracebacks with secrets: before anything else runs
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv else None)
    args = _parse(parser, argv)
    try:
        return int(args.func(args) or EXIT_OK)
    except UsageError as exc:
        print(f"airsign: usage: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except AirsignError as exc:
        print(f"airsign: {printable(str(exc))}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("airsign: interrupted", file=sys.stderr)
        return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
