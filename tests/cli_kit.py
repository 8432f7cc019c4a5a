"""Running `airsign` in-process for the CLI tests, and the testnet keystore they unlock.

Also a pytest plugin (tests/conftest.py loads it): the `vault_keystore` fixture.
"""

import io
import shutil
import sys
from pathlib import Path

import pytest
from independent.coordinator import make_wallet
from independent.cosigners import MNEMONICS

from signer.keystore import Keystore
from signer.network import Network
from signer.settings import Settings
from ui.cli import main

KEYSTORE_PASSPHRASE = "a long keystore passphrase"


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str,
            stdin: bytes | str = b"") -> tuple[int, str, str]:
    """`airsign ARGV` through the real dispatcher: (exit code, stdout, stderr)."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def create_keystore(path: Path, mnemonic: str) -> Path:
    """A real keystore (default KDF, so slow: make it once per module) set to testnet."""
    Keystore.create(path, mnemonic, KEYSTORE_PASSPHRASE,
                    settings=Settings(network=Network.TEST)).lock()
    return path


def create_keystore_with_wallet(path: Path, mnemonic: str, descriptor: str) -> Path:
    """`create_keystore`, then the wallet `descriptor` registered as "vault" through the CLI."""
    create_keystore(path, mnemonic)
    descriptor_file = path.parent / "vault.txt"
    descriptor_file.write_text(descriptor + "\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRSIGN_PASSPHRASE", KEYSTORE_PASSPHRASE)
        assert main(["wallet", "add", str(descriptor_file), "--name", "vault",
                     "--keystore", str(path)]) == 0
    return path


def use_keystore_copy(stored: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of `stored` that this test may change, made the CLI's keystore (and passphrase)."""
    path = tmp_path / "keystore"
    shutil.copy(stored, path)
    monkeypatch.setenv("AIRSIGN_KEYSTORE", str(path))
    monkeypatch.setenv("AIRSIGN_PASSPHRASE", KEYSTORE_PASSPHRASE)
    return path


# The wallet the sign and transport CLI tests spend from: cosigners 0, 1, 2 on testnet.
VAULT = make_wallet()


@pytest.fixture(scope="module")
def stored_vault_keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A keystore for cosigner 0 on testnet with VAULT registered; tests copy it."""
    return create_keystore_with_wallet(tmp_path_factory.mktemp("ks") / "keystore",
                                       MNEMONICS[0], VAULT.wallet.descriptor())


@pytest.fixture
def vault_keystore(stored_vault_keystore: Path, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the stored keystore that this test may change, set as the CLI's keystore."""
    return use_keystore_copy(stored_vault_keystore, tmp_path, monkeypatch)
