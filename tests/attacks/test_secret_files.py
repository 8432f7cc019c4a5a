"""Files holding the seed are created 0600, as new files only, never through a symbolic link:
the one helper (signer.secretfile) and every command and backend that writes such a file."""

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_kit import run_cli
from PIL import Image
from wallet_kit import MNEMONICS

from signer.errors import UsageError
from signer.secretfile import write_secret_file
from ui.backends.display import RecorderDisplay

WORDS = MNEMONICS[2]


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """umask 0: a file is private only because it was created so, not thanks to the umask."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_helper_creates_a_private_new_file(tmp_path: Path) -> None:
    target = tmp_path / "words.txt"
    write_secret_file(target, b"secret words\n")
    assert target.read_bytes() == b"secret words\n" and _mode(target) == 0o600
    with pytest.raises(UsageError, match="already exists"):
        write_secret_file(target, b"other")
    assert target.read_bytes() == b"secret words\n"


@pytest.mark.parametrize("victim_exists", [True, False], ids=["to-a-file", "dangling"])
def test_helper_never_writes_through_a_planted_symlink(tmp_path: Path,
                                                        victim_exists: bool) -> None:
    victim = tmp_path / "elsewhere" / "collected.txt"
    victim.parent.mkdir()
    if victim_exists:
        victim.write_bytes(b"untouched")
        victim.chmod(0o644)
    link = tmp_path / "seedqr.png"
    link.symlink_to(victim)
    with pytest.raises(UsageError) as refused:
        write_secret_file(link, b"secret")
    assert "\n" not in str(refused.value)
    assert link.is_symlink()
    if victim_exists:
        assert victim.read_bytes() == b"untouched" and _mode(victim) == 0o644
    else:
        assert not victim.exists()


def test_seedqr_png_is_private_and_refuses_a_symlink(tmp_path: Path, monkeypatch,
                                                     capsys) -> None:
    png = tmp_path / "seedqr.png"
    code, _, _ = run_cli(monkeypatch, capsys, "seedqr", "encode", "--png", str(png), stdin=WORDS)
    assert code == 0 and _mode(png) == 0o600
    code, _, _ = run_cli(monkeypatch, capsys, "seedqr", "decode", str(png))
    assert code == 0
    planted = tmp_path / "planted.png"
    planted.symlink_to(tmp_path / "attacker-reads-this.png")
    code, _, err = run_cli(monkeypatch, capsys, "seedqr", "encode", "--png", str(planted),
                           stdin=WORDS)
    assert code == 2 and err.count("\n") == 1
    assert not (tmp_path / "attacker-reads-this.png").exists()


def test_decoded_words_file_is_private(tmp_path: Path, monkeypatch, capsys) -> None:
    png = tmp_path / "seedqr.png"
    run_cli(monkeypatch, capsys, "seedqr", "encode", "--png", str(png), stdin=WORDS)
    words = tmp_path / "words.txt"
    code, _, _ = run_cli(monkeypatch, capsys, "decode", str(png), "--out", str(words))
    assert code == 0 and words.read_text().split() == WORDS.split()
    assert _mode(words) == 0o600
    code, _, err = run_cli(monkeypatch, capsys, "decode", str(png), "--out", str(words))
    assert code == 2 and "already exists" in err and words.read_text().split() == WORDS.split()


@pytest.mark.parametrize("where", ["--gif", "--frames-dir"])
def test_seed_encoded_as_qr_frames_is_private(tmp_path: Path, monkeypatch, capsys,
                                              where: str) -> None:
    source = tmp_path / "mnemonic.txt"
    source.write_text(WORDS + "\n")
    out = tmp_path / ("seed.gif" if where == "--gif" else "frames")
    code, _, err = run_cli(monkeypatch, capsys, "encode", str(source), "--format", "bbqr",
                           where, str(out))
    assert code == 0, err
    written = [out] if where == "--gif" else sorted(out.iterdir())
    assert written and all(_mode(path) == 0o600 for path in written)
    if where == "--frames-dir":
        assert _mode(out) == 0o700


def test_recorded_device_screens_are_private(tmp_path: Path) -> None:
    display = RecorderDisplay((3, 2), tmp_path / "screens")
    display.show(Image.new("RGB", (3, 2), (1, 2, 3)))
    display.close()
    written = sorted((tmp_path / "screens").iterdir())
    assert [p.name for p in written] == ["0001.png", "session.gif"]
    assert all(_mode(path) == 0o600 for path in written)
