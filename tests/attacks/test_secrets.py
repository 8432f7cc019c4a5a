"""Secret hygiene: the mnemonic, seed, xprvs and passphrases never reach output or disk.

The CLI runs as a real process with a known test mnemonic, keystore passphrase and BIP-39
passphrase, through every command that touches them (and through failures); then every byte
it printed and every file it wrote under its HOME and TMPDIR is searched for the secrets in
the forms they could leak in. Also: unlock errors do not tell a wrong passphrase from a
damaged file, lock() really overwrites the buffers, and the passphrase prompt echoes nothing.
"""

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from embit import bip39
from embit.bip32 import HDKey
from embit.networks import NETWORKS
from independent.coordinator import Pay, Spend, build_psbt, external_script, make_wallet

from signer.errors import NotAKeystore, UnlockFailed
from signer.keystore import KdfParams, Keystore
from signer.keystore.attempts import attempts_path
from signer.keystore.fileformat import HEADER_SIZE

REPO = Path(__file__).resolve().parents[2]
# Cosigner 2 of tests/independent/coordinator.py: a BIP-39 test-vector mnemonic.
MNEMONIC = "letter advice cage absurd amount doctor acoustic avoid letter advice cage above"
PASSPHRASE = "Keystore-Passphrase-7f3c"
BIP39_PASSPHRASE = "TREZOR-bip39-extension-91d"
CHEAP_KDF = KdfParams(memory_kib=64 * 1024, iterations=1, lanes=1)


def secrets() -> dict[str, bytes]:
    """Every form a leak could take: words, seed, xprvs of both networks, passphrases."""
    words = MNEMONIC.split()
    found = {f"words {i}-{i + 2}": " ".join(words[i:i + 3]).encode()
             for i in range(len(words) - 2)}
    found["mnemonic without spaces"] = "".join(words).encode()
    for label, extension in (("seed", ""), ("seed+bip39", BIP39_PASSPHRASE)):
        seed = bip39.mnemonic_to_seed(MNEMONIC, extension)
        found[label] = seed.hex().encode()
        root = HDKey.from_seed(seed)
        for net in ("main", "test"):
            found[f"{label} root xprv {net}"] = root.to_base58(NETWORKS[net]["xprv"]).encode()
            account = root.derive("m/48h/1h/0h/2h")
            found[f"{label} account xprv {net}"] = account.to_base58(
                NETWORKS[net]["xprv"]).encode()
        found[f"{label} secret key hex"] = root.key.secret.hex().encode()
    found["entropy"] = bip39.mnemonic_to_bytes(MNEMONIC).hex().encode()
    found["keystore passphrase"] = PASSPHRASE.encode()
    found["bip39 passphrase"] = BIP39_PASSPHRASE.encode()
    return found


def leaks(blob: bytes) -> list[str]:
    lowered = blob.lower()
    return [name for name, secret in secrets().items() if secret.lower() in lowered]


class Device:
    """The airsign CLI in its own process, with its own HOME and TMPDIR."""

    def __init__(self, root: Path):
        self.home, self.tmp, self.inputs = root / "home", root / "tmp", root / "inputs"
        for folder in (self.home, self.tmp, self.inputs):
            folder.mkdir()
        self.keystore = self.home / "keystore"
        self.transcript = b""

    def run(self, *argv: str, passphrase: str = PASSPHRASE, stdin: bytes = b"") -> int:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.home), "TMPDIR": str(self.tmp),
               "AIRSIGN_KEYSTORE": str(self.keystore), "AIRSIGN_PASSPHRASE": passphrase,
               "AIRSIGN_NEW_PASSPHRASE": PASSPHRASE,
               "AIRSIGN_BIP39_PASSPHRASE": BIP39_PASSPHRASE}
        result = subprocess.run([sys.executable, "-m", "ui.cli", *argv], cwd=self.home,
                                input=stdin, capture_output=True, env=env, check=False,
                                timeout=120)
        self.transcript += result.stdout + result.stderr
        return result.returncode

    def written_files(self) -> dict[Path, bytes]:
        return {path: path.read_bytes() for folder in (self.home, self.tmp)
                for path in folder.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def device(tmp_path_factory: pytest.TempPathFactory) -> Device:
    device = Device(tmp_path_factory.mktemp("secrets"))
    words = device.inputs / "words.txt"
    words.write_text(MNEMONIC + "\n")
    vault = make_wallet(cosigners=(0, 1, 2))
    descriptor = device.inputs / "vault.txt"
    descriptor.write_text(vault.wallet.descriptor())
    psbt = device.inputs / "spend.psbt"
    psbt.write_bytes(build_psbt([Spend(vault, False, 0, 100_000), Spend(vault, True, 1, 50_000)],
                                [Pay(120_000, external_script()),
                                 Pay(29_000, wallet=vault, change=True, index=2)]).serialize())
    garbage = device.inputs / "garbage.psbt"
    garbage.write_bytes(b"psbt\xff" + MNEMONIC.encode())
    signed = str(device.home / "signed.psbt")
    steps = [
        (("keystore", "create", "--network", "test", "--words-file", str(words)), 0),
        (("keystore", "info"), 0),
        (("xpub", "--script", "p2wsh"), 0),
        (("xpub", "--script", "p2wsh", "--bip39-passphrase", "--format", "json"), 0),
        (("wallet", "add", str(descriptor), "--name", "vault"), 0),
        (("wallet", "list"), 0),
        (("address", "verify", vault.wallet.address(True, 2)), 0),
        (("review", str(psbt), "--json"), 0),
        (("sign", str(psbt), "--yes", "--out", signed), 0),
        (("sign", str(garbage), "--yes"), 1),
        (("review", str(descriptor)), 1),
        (("wallet", "add", str(words)), 1),
        (("keystore", "settings", "--set", "qr_fps=8"), 0),
        (("doctor",), None),
    ]
    for argv, expected in steps:
        code = device.run(*argv)
        assert expected is None or code == expected, (argv, device.transcript[-400:])
    assert device.run("keystore", "info", passphrase="wrong passphrase") == 0
    assert device.run("wallet", "list", passphrase="wrong passphrase") == 1
    return device


def test_cli_output_holds_no_secret(device: Device) -> None:
    assert leaks(device.transcript) == []


def test_files_written_hold_no_secret(device: Device) -> None:
    files = device.written_files()
    assert device.keystore in files and device.home / "signed.psbt" in files
    found = {str(path): leaks(data) for path, data in files.items() if leaks(data)}
    assert found == {}


def test_the_scan_would_see_a_leak() -> None:
    # The detector itself: each secret form is found inside surrounding output.
    for name, secret in secrets().items():
        assert name in leaks(b"airsign: error near " + secret.upper() + b" here")


def _keystore(tmp_path: Path) -> Path:
    path = tmp_path / "keystore"
    Keystore.create(path, MNEMONIC, PASSPHRASE, kdf=CHEAP_KDF).lock()
    return path


def _unlock_error(path: Path, passphrase: str) -> str:
    with pytest.raises(UnlockFailed) as caught:
        Keystore.unlock(path, passphrase)
    attempts_path(path).unlink()  # no back-off between the attempts of this test
    return str(caught.value)


def test_wrong_passphrase_and_damaged_file_fail_alike(tmp_path: Path) -> None:
    path = _keystore(tmp_path)
    original = path.read_bytes()
    wrong = _unlock_error(path, "not the passphrase")
    damaged = {}
    for name, offset in (("ciphertext", len(original) - 40), ("tag", len(original) - 1),
                         ("salt", HEADER_SIZE - 20), ("modified time", 30)):
        data = bytearray(original)
        data[offset] ^= 0x01
        path.write_bytes(bytes(data))
        damaged[name] = _unlock_error(path, PASSPHRASE)
    assert set(damaged.values()) == {wrong}
    assert PASSPHRASE not in wrong


def test_a_file_that_is_no_keystore_says_so(tmp_path: Path) -> None:
    path = tmp_path / "keystore"
    path.write_bytes(b"%PDF-1.7 " + bytes(200))
    with pytest.raises(NotAKeystore):
        Keystore.unlock(path, PASSPHRASE)


def test_lock_overwrites_the_buffers_it_holds(tmp_path: Path) -> None:
    keystore = Keystore.unlock(_keystore(tmp_path), PASSPHRASE)
    mnemonic, key = keystore._mnemonic, keystore._key  # the very buffers, not copies
    assert bytes(mnemonic).startswith(b"letter advice")
    keystore.root()
    keystore.lock()
    assert not any(mnemonic) and not any(key)
    assert keystore._roots == {}


def test_passphrase_prompt_echoes_nothing(tmp_path: Path) -> None:
    device = Device(tmp_path)
    path = _keystore(tmp_path)
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the CLI with the pty as its controlling terminal
        env = {"PATH": "/usr/bin:/bin", "HOME": str(device.home), "TMPDIR": str(device.tmp)}
        os.chdir(REPO)
        os.execve(sys.executable, [sys.executable, "-m", "ui.cli", "wallet", "list",
                                   "--keystore", str(path)], env)
    screen = _read_until(terminal, b"passphrase: ")
    os.write(terminal, PASSPHRASE.encode() + b"\n")
    screen += _read_until(terminal, None)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, screen
    typed = screen.split(b"passphrase: ", 1)[1]
    assert PASSPHRASE.encode() not in screen
    assert b"*" not in typed.split(b"\n", 1)[0]  # no masking characters either: no length hint


def _read_until(terminal: int, marker: bytes | None) -> bytes:
    data = b""
    while marker is None or marker not in data:
        ready, _, _ = select.select([terminal], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        data += chunk
    return data


def test_device_passphrase_keyboard_shows_no_length() -> None:
    from ui.screens.gallery import CHROME
    from ui.screens.keyboard import KeyboardScreen, KeyboardView

    def drawn(typed: str) -> bytes:
        screen = KeyboardScreen(KeyboardView("Passphrase", masked=True, initial=typed))
        return screen.render((240, 240), CHROME).tobytes()

    same_last_letter = {drawn("x" * length + "k") for length in (0, 1, 7, 8, 30, 99)}
    assert len(same_last_letter) == 1  # 1 to 100 characters look alike
    assert drawn("abck") != drawn("")  # something typed still shows
