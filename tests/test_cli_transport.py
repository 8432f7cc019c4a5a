"""`airsign decode`, `airsign encode`, and `review`/`sign` with QR sources and QR output,
through the real dispatcher; signatures checked with an independent BIP-143 digest."""

import base64
import json
from pathlib import Path

import pytest
from cli_kit import VAULT, run_cli  # and the vault_keystore fixture (tests/conftest.py)
from framegen import MILD, camera_frame, write_frames_dir
from independent import sighash
from independent.coordinator import Pay, Spend, build_psbt, external_script
from independent.ecdsa import ecdsa_valid
from PIL import Image

from signer.transport.encoders import encode_frames
from signer.transport.types import Format
from ui.backends.camera import open_source
from ui.qr.render import QRRenderer
from ui.scan.scanner import scan_frames
from ui.scan.sources import frame_texts, write_qr_frames

SPEND = build_psbt([Spend(VAULT, False, 2, 700_000)],
                   [Pay(600_000, external_script()),
                    Pay(99_000, wallet=VAULT, change=True, index=3)]).serialize()



def scan_file(path: Path) -> bytes:
    with open_source([str(path)]) as source:
        payload, _ = scan_frames(source)
    assert isinstance(payload.data, bytes)
    return payload.data


def assert_our_signature_verifies(unsigned: bytes, signed: bytes) -> None:
    """Cosigner 0's signature on input 0 checks against an independent BIP-143 digest."""
    tx, utxos, _ = sighash.read_psbt_v0(unsigned)
    signatures = [(k, v) for k, v in sighash.read_maps_in_order(signed)[1][0] if k[0] == 0x02]
    assert len(signatures) == 1
    key, value = signatures[0]
    script_code = VAULT.derive(False, 2).witness_script().data
    digest = sighash.bip143(tx, 0, script_code, utxos[0].amount)  # type: ignore[union-attr]
    assert ecdsa_valid(key[1:], value[:-1], digest), \
        "the signature from the QR frames does not verify"


@pytest.mark.parametrize("fmt", ["ur", "bbqr", "specter"])
def test_encode_then_decode(tmp_path: Path, monkeypatch, capsys, fmt: str) -> None:
    source = tmp_path / "spend.psbt"
    source.write_bytes(SPEND)
    gif = tmp_path / "spend.gif"
    code, out, err = run_cli(monkeypatch, capsys, "encode", str(source), "--format", fmt,
                             "--density", "low", "--gif", str(gif))
    assert (code, out) == (0, "") and f"{fmt} QR frame(s), version" in err
    assert scan_file(gif) == SPEND  # the scanner agrees before the CLI is involved
    code, out, err = run_cli(monkeypatch, capsys, "decode", str(gif), "--stats")
    assert code == 0 and base64.b64decode(out) == SPEND
    kind_line, stats_line = err.strip().splitlines()
    assert kind_line.startswith(f"psbt ({fmt}")
    stats = json.loads(stats_line)
    assert stats["parts_used"] >= stats["parts_needed"] > 1
    assert stats["frames_read"] >= stats["parts_needed"] and stats["decode_ms_per_frame"] > 0


def test_decode_frames_dir_text_and_out(tmp_path: Path, monkeypatch, capsys) -> None:
    frames = encode_frames(SPEND, Format.BBQR, density="low")
    renderer = QRRenderer(480, version=frames.qr_version)
    shots = [camera_frame(renderer.render(t), MILD, n) for n, t in enumerate(frames.frames)]
    write_frames_dir(shots, tmp_path / "shots")
    out_file = tmp_path / "out.psbt"
    code, out, _ = run_cli(monkeypatch, capsys, "decode", str(tmp_path / "shots"),
                           "--decoder", "pyzbar", "--out", str(out_file))
    assert (code, out) == (0, "") and out_file.read_bytes() == SPEND
    parts = tmp_path / "parts.txt"
    parts.write_text("\n".join(str(t) for t in reversed(frames.frames)) + "\n")
    code, out, err = run_cli(monkeypatch, capsys, "decode", "--text", str(parts))
    assert code == 0 and base64.b64decode(out) == SPEND and err.startswith("psbt (bbqr")
    code, out, err = run_cli(monkeypatch, capsys, "decode", "--text", "-",
                             stdin=VAULT.wallet.descriptor())
    assert code == 0 and out.strip() == VAULT.wallet.descriptor()
    assert err.startswith("descriptor (single")


def test_decode_exit_codes(tmp_path: Path, monkeypatch, capsys) -> None:
    text = tmp_path / "a.txt"
    text.write_text("ur:crypto-psbt/1-3/lpadaxcfaxhlcyyndrgrkghddp\n")
    for argv in ([], [str(text)], [str(text), "--text", str(text)],
                 [str(tmp_path / "missing.png")], ["camera:x"]):
        code, out, err = run_cli(monkeypatch, capsys, "decode", *argv)
        assert (code, out) == (2, ""), argv
        assert err.startswith("airsign: usage: ") and err.count("\n") == 1
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    frames = encode_frames(SPEND, Format.BBQR, density="low")
    write_qr_frames(frames, frames_dir=tmp_path / "all")
    (tmp_path / "all" / "frame0002.png").unlink()
    for argv, message in (([str(blank)], "no QR code found in 1 frames"),
                          ([str(tmp_path / "all")], "ended before the QR sequence"),
                          (["--text", str(text)], "checksum mismatch")):
        code, out, err = run_cli(monkeypatch, capsys, "decode", *argv)
        assert (code, out) == (1, ""), argv
        assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_encode_usage(tmp_path: Path, monkeypatch, capsys) -> None:
    source = tmp_path / "p.psbt"
    source.write_bytes(SPEND)
    with pytest.raises(SystemExit) as exit_info:
        run_cli(monkeypatch, capsys, "encode", str(source), "--format", "ur")  # no output
    assert exit_info.value.code == 2
    code, _, err = run_cli(monkeypatch, capsys, "encode", str(source), "--format", "ur",
                           "--gif", str(tmp_path / "no" / "dir" / "x.gif"))
    assert code == 2 and "cannot write" in err
    code, _, err = run_cli(monkeypatch, capsys, "encode", str(source), "--format", "ur",
                           "--gif", str(tmp_path / "x.gif"), "--fps", "0")
    assert code == 2 and "positive" in err


@pytest.mark.parametrize("case", ["ur medium", "bbqr low"])
def test_sign_from_qr_frames_replies_as_qr(vault_keystore, tmp_path: Path, monkeypatch, capsys,
                                           case: str) -> None:
    fmt, density = case.split()
    incoming = encode_frames(SPEND, Format(fmt), density=density)
    request = tmp_path / "request"
    write_qr_frames(incoming, frames_dir=request)
    code, out, err = run_cli(monkeypatch, capsys, "review", str(request))
    assert code == 0 and "change" in out
    reply = tmp_path / "signed.gif"
    code, out, err = run_cli(monkeypatch, capsys, "sign", str(request), "--yes",
                             "--qr-gif", str(reply))
    assert (code, out) == (0, ""), err
    assert f"{fmt} QR frame(s)" in err
    code, out, err = run_cli(monkeypatch, capsys, "decode", str(reply))
    assert code == 0 and err.startswith(f"psbt ({fmt}")
    assert_our_signature_verifies(SPEND, base64.b64decode(out))


def test_sign_qr_dir_and_part_lines(vault_keystore, tmp_path: Path, monkeypatch, capsys) -> None:
    frames = encode_frames(SPEND, Format.PMOFN, density="low")
    lines = tmp_path / "parts.txt"
    lines.write_text("\n".join(str(t) for t in frame_texts(frames)) + "\n")
    code, out, err = run_cli(monkeypatch, capsys, "sign", str(lines), "--yes",
                             "--qr-dir", str(tmp_path / "reply"), "--out",
                             str(tmp_path / "signed.txt"))
    assert (code, out) == (0, ""), err
    assert_our_signature_verifies(SPEND, base64.b64decode((tmp_path / "signed.txt").read_text()))
    code, out, err = run_cli(monkeypatch, capsys, "decode", str(tmp_path / "reply"))
    assert code == 0 and err.startswith("psbt (specter")
    assert_our_signature_verifies(SPEND, base64.b64decode(out))


def test_review_refuses_a_qr_that_is_not_a_psbt(vault_keystore, tmp_path: Path, monkeypatch,
                                                capsys) -> None:
    image = tmp_path / "descriptor.png"
    QRRenderer(300).render(VAULT.wallet.descriptor()).save(image)
    code, out, err = run_cli(monkeypatch, capsys, "review", str(image))
    assert (code, out) == (1, "") and "not a PSBT: the source holds a descriptor" in err
