"""Plumbing every CLI command shares: where the keystore is, asking for its passphrase,
unlocking it, which network applies, and reading input files."""

import argparse
import getpass
import os
import sys
from pathlib import Path

from embit.bip32 import HDKey

from signer.errors import KeystoreNotFound, UsageError
from signer.keys import warn_if_slow_backend
from signer.keystore import Keystore, UnlockedKeystore
from signer.network import Network
from signer.secretfile import write_secret_file
from ui.cli import COMMANDS, add_global_options

PASSPHRASE_ENV = "AIRSIGN_PASSPHRASE"  # for scripts and tests; a terminal prompt otherwise
BIP39_PASSPHRASE_ENV = "AIRSIGN_BIP39_PASSPHRASE"  # likewise; never stored
KEYSTORE_ENV = "AIRSIGN_KEYSTORE"


def keystore_path(args: argparse.Namespace) -> Path:
    """--keystore, else $AIRSIGN_KEYSTORE, else the default location."""
    given = getattr(args, "keystore", None) or os.environ.get(KEYSTORE_ENV)
    return Path(given).expanduser() if given else Keystore.default_path()


def read_passphrase(prompt: str = "Keystore passphrase: ", *, confirm: bool = False) -> str:
    """$AIRSIGN_PASSPHRASE if set, else a no-echo prompt (repeated when confirm=True)."""
    return _secret(PASSPHRASE_ENV, prompt, "passphrase", confirm=confirm)


def read_bip39_passphrase(prompt: str = "BIP-39 passphrase: ") -> str:
    """$AIRSIGN_BIP39_PASSPHRASE if set, else a no-echo prompt. Never stored."""
    return _secret(BIP39_PASSPHRASE_ENV, prompt, "BIP-39 passphrase")


def seed_root(args: argparse.Namespace, keystore: UnlockedKeystore) -> HDKey:
    """The keystore's root, with a BIP-39 passphrase when the command was given
    --bip39-passphrase."""
    return keystore.root(read_bip39_passphrase() if args.bip39_passphrase else "")


def _secret(env: str, prompt: str, what: str, *, confirm: bool = False) -> str:
    from_env = os.environ.get(env)
    if from_env is not None:
        return from_env
    try:
        secret = getpass.getpass(prompt)
        if confirm and getpass.getpass(f"Repeat the {what}: ") != secret:
            raise UsageError(f"the two {what}s differ")
    except EOFError:
        raise UsageError(f"no {what} given: type it at the prompt or set ${env}") from None
    return secret


def read_secret_line(prompt: str) -> str:
    """A line the user types unseen on a terminal, or the next line of piped stdin."""
    if sys.stdin.isatty():
        try:
            return getpass.getpass(prompt)
        except EOFError:
            raise UsageError("nothing typed") from None
    return sys.stdin.readline()


def open_keystore(args: argparse.Namespace) -> UnlockedKeystore:
    """Unlock the keystore the arguments point at, asking for its passphrase."""
    warn_if_slow_backend()
    path = keystore_path(args)
    if not Keystore.exists(path):
        raise KeystoreNotFound(f"no keystore at {path}: create one with `airsign keystore create`")
    return Keystore.unlock(path, read_passphrase())


def device_network(args: argparse.Namespace, keystore: UnlockedKeystore | None) -> Network:
    """--network if given, else the keystore's setting, else mainnet."""
    chosen = getattr(args, "network", None)
    if chosen:
        return Network.parse(chosen)
    if keystore is not None:
        return keystore.settings.network
    return Network.MAIN


def read_input_bytes(source: str, limit: int = -1) -> bytes:
    """The content of a file, or of stdin for "-"; at most `limit` bytes when one is given,
    so that a huge file is refused without filling the Pi's memory."""
    if source == "-":
        return sys.stdin.buffer.read(limit)
    try:
        with Path(source).expanduser().open("rb") as stream:
            return stream.read(limit)
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None


def write_output(out: str, data: bytes, *, secret: bool = False) -> None:
    """Write the file the user named with --out; a failure is a usage error. A secret goes
    through write_secret_file (0600, a new file only, no symlinks)."""
    if secret:
        write_secret_file(out, data)
        return
    try:
        Path(out).expanduser().write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None


def add_location_options(action: argparse.ArgumentParser, command: str) -> None:
    """The global options `command` uses, also accepted after one of its actions (`airsign
    seed new --network test`); a value given before the action stays unless given again."""
    add_global_options(action, COMMANDS[command].options, "as before the action")
