"""`airsign keystore ...` end to end through the real dispatcher (default KDF cost)."""

import argparse
import io
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CHEAP_KDF

from signer.errors import UsageError
from signer.keystore import Keystore
from signer.network import Network
from signer.settings import Settings
from ui.cli import main
from ui.cli.common import (
    device_network,
    keystore_path,
    read_bip39_passphrase,
    read_input_bytes,
    read_passphrase,
)

ABANDON = "abandon " * 11 + "about"
ZOO = "zoo " * 11 + "wrong"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def keystore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "ks"
    monkeypatch.setenv("AIRSIGN_KEYSTORE", str(path))
    monkeypatch.setenv("AIRSIGN_PASSPHRASE", "a long keystore passphrase")
    return path


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_prints_only_the_fingerprint(keystore, monkeypatch, capsys) -> None:
    code, out, err = run(
        monkeypatch, capsys, "keystore", "create", "--network", "test", stdin=ABANDON + "\n"
    )
    assert (code, out) == (0, "73c5da0a\n")
    assert "abandon" not in err and "WARNING" not in err
    assert Keystore.exists(keystore)

    code, out, _ = run(monkeypatch, capsys, "keystore", "info", "--unlock")
    assert code == 0
    assert "73c5da0a" in out and "test" in out and "Argon2id, 64 MiB" in out
    assert "abandon" not in out


def test_short_passphrase_warned(keystore, monkeypatch, capsys) -> None:
    monkeypatch.setenv("AIRSIGN_PASSPHRASE", "hunter2")
    code, _, err = run(monkeypatch, capsys, "keystore", "create", stdin=ABANDON)
    assert code == 0 and "WARNING: a short passphrase" in err and "hunter2" not in err


def test_second_create_refused_then_replace(keystore, monkeypatch, capsys, tmp_path) -> None:
    assert run(monkeypatch, capsys, "keystore", "create", stdin=ABANDON)[0] == 0
    before = keystore.read_bytes()
    code, out, err = run(monkeypatch, capsys, "keystore", "create", stdin=ZOO)
    assert (code, out) == (1, "")
    assert "--replace" in err and err.count("\n") == 1
    assert keystore.read_bytes() == before

    words = tmp_path / "words.txt"
    words.write_text(ZOO)
    code, out, err = run(
        monkeypatch, capsys, "keystore", "create", "--replace", "--words-file", str(words)
    )
    assert code == 0
    assert "WARNING" in err and "zoo" not in err + out
    assert out.strip() != "73c5da0a"


def test_bad_words_refused_before_anything_is_written(keystore, monkeypatch, capsys) -> None:
    code, out, err = run(monkeypatch, capsys, "keystore", "create", stdin="abandon " * 12)
    assert (code, out) == (1, "")
    assert "checksum" in err
    code, _, err = run(monkeypatch, capsys, "keystore", "create", "--words-file", "/nonexistent")
    assert code == 2 and "cannot read" in err
    assert not keystore.exists()


def test_info_needs_no_passphrase_and_shows_failures(keystore, monkeypatch, capsys) -> None:
    run(monkeypatch, capsys, "keystore", "create", stdin=ABANDON)
    monkeypatch.setenv("AIRSIGN_PASSPHRASE", "not it")
    code, out, err = run(monkeypatch, capsys, "keystore", "info", "--unlock")
    assert (code, out) == (1, "")
    assert err == "airsign: wrong passphrase, or the keystore file is damaged\n"
    monkeypatch.delenv("AIRSIGN_PASSPHRASE")
    code, out, _ = run(monkeypatch, capsys, "keystore", "info")
    assert code == 0
    assert "failed attempts      1" in out and "fingerprint" not in out


def test_lockout_and_foreign_file_are_refusals(keystore, monkeypatch, capsys) -> None:
    run(monkeypatch, capsys, "keystore", "create", stdin=ABANDON)
    monkeypatch.setenv("AIRSIGN_PASSPHRASE", "not it")
    for _ in range(4):
        assert run(monkeypatch, capsys, "keystore", "settings")[0] == 1
    code, _, err = run(monkeypatch, capsys, "keystore", "settings")
    assert code == 1 and "try again in" in err
    _, out, _ = run(monkeypatch, capsys, "keystore", "info")
    assert "next attempt in" in out
    keystore.write_bytes(b"PK\x03\x04 a zip file, say")
    code, out, err = run(monkeypatch, capsys, "keystore", "info")
    assert (code, out) == (1, "") and "not an airsign keystore" in err


def test_settings_view_and_change(keystore, monkeypatch, capsys) -> None:
    run(monkeypatch, capsys, "keystore", "create", stdin=ABANDON)
    code, out, _ = run(
        monkeypatch,
        capsys,
        "keystore",
        "settings",
        "--set",
        "qr_fps=8",
        "--set",
        "camera-mirror=on",
        "--set",
        "network=signet",
    )
    assert code == 0
    assert "qr_fps               8.0" in out and "camera_mirror        true" in out
    code, out, _ = run(monkeypatch, capsys, "keystore", "settings")
    assert "network              signet" in out

    for bad in ("qr_fps=fast", "colour=red", "qr_fps", "qr_density=huge", "network=moon"):
        code, out, err = run(monkeypatch, capsys, "keystore", "settings", "--set", bad)
        assert (code, out) == (2, ""), bad
        assert err.startswith("airsign: usage: ") and err.count("\n") == 1


def test_change_passphrase(keystore, monkeypatch, capsys) -> None:
    run(monkeypatch, capsys, "keystore", "create", stdin=ABANDON)
    monkeypatch.setenv("AIRSIGN_NEW_PASSPHRASE", "another long passphrase")
    code, out, err = run(monkeypatch, capsys, "keystore", "passphrase")
    assert (code, out) == (0, "") and "passphrase changed" in err
    monkeypatch.delenv("AIRSIGN_NEW_PASSPHRASE")
    assert run(monkeypatch, capsys, "keystore", "info", "--unlock")[0] == 1  # old one
    monkeypatch.setenv("AIRSIGN_PASSPHRASE", "another long passphrase")
    assert run(monkeypatch, capsys, "keystore", "info", "--unlock")[0] == 0


def test_wipe_threshold_set_from_the_cli_is_in_the_header(keystore, monkeypatch, capsys) -> None:
    run(monkeypatch, capsys, "keystore", "create", stdin=ABANDON)
    assert (
        run(monkeypatch, capsys, "keystore", "settings", "--set", "wipe_after_failures=5")[0] == 0
    )
    _, out, _ = run(monkeypatch, capsys, "keystore", "info")
    assert "wipe after failures  5" in out


def test_missing_keystore_and_missing_passphrase(keystore, monkeypatch, capsys) -> None:
    code, _, err = run(monkeypatch, capsys, "keystore", "info")
    assert code == 1 and "keystore create" in err
    run(monkeypatch, capsys, "keystore", "create", stdin=ABANDON)
    monkeypatch.delenv("AIRSIGN_PASSPHRASE")
    # No terminal and nothing on stdin: a usage error, not a traceback.
    monkeypatch.setattr("getpass.getpass", lambda prompt="": (_ for _ in ()).throw(EOFError))
    code, _, err = run(monkeypatch, capsys, "keystore", "settings")
    assert code == 2 and "AIRSIGN_PASSPHRASE" in err


def test_options_accepted_before_or_after_the_action(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("AIRSIGN_KEYSTORE", raising=False)
    monkeypatch.setenv("AIRSIGN_PASSPHRASE", "pw pw pw")
    first, second = tmp_path / "a", tmp_path / "b"
    assert (
        run(monkeypatch, capsys, "keystore", "--keystore", str(first), "create", stdin=ABANDON)[0]
        == 0
    )
    assert (
        run(
            monkeypatch,
            capsys,
            "keystore",
            "create",
            "--keystore",
            str(second),
            "--network",
            "regtest",
            stdin=ABANDON,
        )[0]
        == 0
    )
    assert first.exists() and second.exists()
    _, out, _ = run(monkeypatch, capsys, "keystore", "--keystore", str(second), "info", "--unlock")
    assert "regtest" in out


def test_confirmation_mismatch(monkeypatch) -> None:
    monkeypatch.delenv("AIRSIGN_PASSPHRASE", raising=False)
    answers = iter(["one", "two"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(UsageError, match="differ"):
        read_passphrase(confirm=True)


def test_bip39_passphrase_from_env_or_prompt(monkeypatch) -> None:
    monkeypatch.setenv("AIRSIGN_BIP39_PASSPHRASE", "")
    assert read_bip39_passphrase() == ""  # set but empty: no passphrase, no prompt
    monkeypatch.delenv("AIRSIGN_BIP39_PASSPHRASE")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "TREZOR")
    assert read_bip39_passphrase() == "TREZOR"


def test_plumbing_helpers(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("AIRSIGN_KEYSTORE", raising=False)
    assert keystore_path(argparse.Namespace(keystore=None)) == Keystore.default_path()
    assert keystore_path(argparse.Namespace(keystore=str(tmp_path / "x"))) == tmp_path / "x"
    data = tmp_path / "psbt.bin"
    data.write_bytes(b"psbt\xff")
    assert read_input_bytes(str(data)) == b"psbt\xff"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"from stdin")))
    assert read_input_bytes("-") == b"from stdin"
    with pytest.raises(UsageError, match="cannot read"):
        read_input_bytes(str(tmp_path / "absent"))


def test_device_network_precedence(tmp_path) -> None:
    with Keystore.create(
        tmp_path / "ks",
        ABANDON,
        "pw",
        kdf=CHEAP_KDF,
        kdf_cost_check=False,
        settings=Settings(network=Network.SIGNET),
    ) as ks:
        assert device_network(argparse.Namespace(network=None), ks) is Network.SIGNET
        assert device_network(argparse.Namespace(network="regtest"), ks) is Network.REGTEST
    assert device_network(argparse.Namespace(network=None), None) is Network.MAIN
    assert device_network(argparse.Namespace(network="test"), None) is Network.TEST


def test_console_entry_point(tmp_path: Path) -> None:
    env = {
        "AIRSIGN_KEYSTORE": str(tmp_path / "ks"),
        "AIRSIGN_PASSPHRASE": "pw pw pw",
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    created = subprocess.run(
        [sys.executable, "-m", "ui.cli", "keystore", "create"],
        input=ABANDON,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=False,
    )
    assert (created.returncode, created.stdout) == (0, "73c5da0a\n")
    usage = subprocess.run(
        [sys.executable, "-m", "ui.cli", "keystore", "frobnicate"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=False,
    )
    assert usage.returncode == 2
