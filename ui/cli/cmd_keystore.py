"""`airsign keystore create | info | settings`: the seed's encrypted home on this device."""

import argparse
import os
import sys
from dataclasses import fields
from typing import Any

from signer.errors import KeystoreExists, UsageError
from signer.keys import validate_mnemonic, warn_if_slow_backend
from signer.keystore import Keystore
from signer.settings import Settings
from ui.cli import AddCommand
from ui.cli.common import (
    add_location_options,
    device_network,
    keystore_path,
    open_keystore,
    read_passphrase,
    read_secret_line,
)

NEW_PASSPHRASE_ENV = "AIRSIGN_NEW_PASSPHRASE"
SHORT_PASSPHRASE = 10  # characters; below this, warn (the KDF only slows guessing down)


def register(add_command: AddCommand) -> None:
    parser = add_command("keystore")
    actions = parser.add_subparsers(dest="keystore_action", metavar="ACTION", required=True)

    create = actions.add_parser(
        "create",
        help="store a BIP-39 seed (words from stdin or --words-file); prints its fingerprint",
    )
    create.add_argument("--words-file", metavar="FILE", help="read the words from FILE")
    create.add_argument(
        "--replace", action="store_true", help="replace the seed already stored (it is lost)"
    )
    add_location_options(create, "keystore")
    create.set_defaults(func=run_create)

    info = actions.add_parser("info", help="show the keystore's format, KDF and failed attempts")
    info.add_argument(
        "--unlock",
        action="store_true",
        help="also unlock it (asks the passphrase) to show fingerprint, network, wallet count",
    )
    add_location_options(info, "keystore")
    info.set_defaults(func=run_info)

    passphrase = actions.add_parser(
        "passphrase", help="change the keystore passphrase (asks the current one first)"
    )
    add_location_options(passphrase, "keystore")
    passphrase.set_defaults(func=run_passphrase)

    settings = actions.add_parser("settings", help="show settings, or change them with --set")
    settings.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        dest="assignments",
        help="change a setting (repeatable), e.g. --set qr_fps=8",
    )
    add_location_options(settings, "keystore")
    settings.set_defaults(func=run_settings)


def run_create(args: argparse.Namespace) -> int:
    warn_if_slow_backend()
    path = keystore_path(args)
    if Keystore.exists(path) and not args.replace:
        raise KeystoreExists(
            f"a seed is already stored in {path}; use --replace to replace it (the old seed "
            "is gone unless you have its backup)"
        )
    words = validate_mnemonic(_read_words(args.words_file))
    settings = Settings(network=device_network(args, None))
    if Keystore.exists(path):
        print(
            f"WARNING: replacing the seed stored in {path}; the old seed cannot be recovered "
            "from this device",
            file=sys.stderr,
        )
    passphrase = _new_passphrase()
    with Keystore.create(path, words, passphrase, replace=args.replace, settings=settings) as ks:
        print(f"airsign: keystore created at {path}", file=sys.stderr)
        print(ks.fingerprint.hex())
    return 0


def run_passphrase(args: argparse.Namespace) -> int:
    with open_keystore(args) as ks:
        ks.change_passphrase(_new_passphrase())
    print(f"airsign: passphrase changed for {keystore_path(args)}", file=sys.stderr)
    return 0


def _new_passphrase() -> str:
    # With $AIRSIGN_PASSPHRASE set, scripts give the new one in $AIRSIGN_NEW_PASSPHRASE.
    new = os.environ.get(NEW_PASSPHRASE_ENV)
    if new is None:
        new = read_passphrase("New keystore passphrase: ", confirm=True)
    if 0 < len(new) < SHORT_PASSPHRASE:
        print(
            "WARNING: a short passphrase can be guessed from a copy of the SD card; "
            "several random words are much safer (docs/keystore.md)",
            file=sys.stderr,
        )
    return new


def _read_words(words_file: str | None) -> str:
    if words_file:
        try:
            with open(words_file, encoding="utf-8") as handle:
                return handle.read()
        except OSError as exc:
            raise UsageError(f"cannot read {words_file}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise UsageError(f"{words_file} is not UTF-8 text") from None
    if sys.stdin.isatty():
        return read_secret_line("BIP-39 words (not shown): ")
    return sys.stdin.read()


def run_info(args: argparse.Namespace) -> int:
    info = Keystore.info(keystore_path(args))
    rows = [
        ("path", str(info.path)),
        ("format version", str(info.version)),
        ("kdf", info.kdf.describe()),
        ("cipher", info.cipher),
        ("created", info.created.isoformat(timespec="seconds")),
        ("modified", info.modified.isoformat(timespec="seconds")),
        ("failed attempts", str(info.failed_attempts)),
        ("wipe after failures", str(info.wipe_after_failures or "never")),
    ]
    if info.wait_seconds > 0:
        rows.append(("next attempt in", f"{int(info.wait_seconds + 0.999)} s"))
    if args.unlock:
        with open_keystore(args) as ks:
            rows += [
                ("fingerprint", ks.fingerprint.hex()),
                ("network", ks.settings.network.value),
                ("wallets", str(len(ks.wallet_records))),
            ]
    _print_rows(rows)
    return 0


def run_settings(args: argparse.Namespace) -> int:
    with open_keystore(args) as ks:
        if args.assignments:
            values = ks.settings.to_dict()
            for assignment in args.assignments:
                key, value = _parse_assignment(assignment)
                values[key] = value
            ks.settings = Settings.from_dict(values)
            ks.save()
        _print_rows([(k, _show(v)) for k, v in ks.settings.to_dict().items()])
    return 0


def _parse_assignment(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    key = key.strip().replace("-", "_")
    types = {f.name: f.type for f in fields(Settings)}
    if not sep or key not in types:
        raise UsageError(f"--set wants KEY=VALUE with KEY one of: {', '.join(sorted(types))}")
    kind = types[key]
    raw = raw.strip()
    try:
        if kind in (bool, "bool"):
            lowered = raw.lower()
            if lowered not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
                raise ValueError(raw)
            return key, lowered in ("true", "yes", "on", "1")
        if kind in (int, "int"):
            return key, int(raw)
        if kind in (float, "float"):
            return key, float(raw)
    except ValueError:
        raise UsageError(
            f"{key}: {raw!r} is not a valid {getattr(kind, '__name__', kind)}"
        ) from None
    return key, raw


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _print_rows(rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
