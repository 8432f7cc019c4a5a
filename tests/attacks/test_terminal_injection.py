"""A hostile input echoed in an error message must not reach the terminal raw: no escape
sequences that repaint the screen, no extra lines that fake another message."""

import subprocess
import sys
from pathlib import Path

import pytest

from signer.errors import InvalidAddress, SequenceMismatch
from signer.hygiene import printable
from signer.transport.assembler import Assembler
from signer.wallet.addresses import decode_address

REPO = Path(__file__).resolve().parents[2]
CLEAR_SCREEN = "\x1b[2J"


def test_printable_escapes_control_characters_only() -> None:
    assert printable("tb1q\x1b[2J\nline\ttab\x00") == "tb1q\\x1b[2J\\nline\\ttab\\x00"
    assert printable("ordinary text: 21,000 sats → bc1q…") == "ordinary text: 21,000 sats → bc1q…"


def test_cli_escapes_an_echoed_path(tmp_path: Path) -> None:
    hostile = f"/nonexistent/{CLEAR_SCREEN}keystore\nairsign: signed OK"
    result = subprocess.run([sys.executable, "-m", "ui.cli", "wallet", "list", "--keystore",
                             hostile], cwd=REPO, capture_output=True, text=True, check=False,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, timeout=60)
    assert result.returncode == 1
    assert "\x1b" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert "\\x1b[2Jkeystore\\nairsign: signed OK" in result.stderr


def test_address_error_is_one_line() -> None:
    with pytest.raises(InvalidAddress) as caught:
        decode_address("tb1\nqr3az57pxl8z7q6d9q7v0fmeaphuwe3z0ghvkjr457ch4vqwmtkasmn0gme")
    assert len(str(caught.value).splitlines()) == 1


def test_bbqr_series_mismatch_is_one_line() -> None:
    assembler = Assembler()
    assembler.receive("B$2U0200" + "KRUGS4ZANFZSAYJAORSXG5A")
    with pytest.raises(SequenceMismatch) as caught:
        assembler.receive("B$2U\n201" + "ORSXG5A")
    assert len(str(caught.value).splitlines()) == 1
