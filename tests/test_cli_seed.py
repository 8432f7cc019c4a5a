"""`airsign seed`, `airsign seedqr` and `airsign xpub` end to end: outputs compared with
independent computations (hashlib, embit), QR images read back with zxing-cpp and pyzbar."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from cli_kit import KEYSTORE_PASSPHRASE, run_cli
from conftest import REPO, VECTORS, load_vectors
from embit import base58
from embit.bip39 import mnemonic_from_bytes, mnemonic_is_valid
from embit.ec import PrivateKey
from embit.hashes import hash160
from PIL import Image, ImageSequence
from pyzbar import pyzbar

from signer.transport.bbqr import is_bbqr

ACCOUNT = next(e for e in load_vectors("ur/bcr_ur_examples.json")["examples"]
               if e.get("ur_type_in_paper") == "crypto-account")
MNEMONIC = ACCOUNT["bip39_mnemonic"]
SEEDQR = load_vectors("seedqr/seedqr_vectors.json")["vectors"]
WORDLIST = (VECTORS / "bip39" / "english.txt").read_text().split()
ROLLS_99 = "".join(str(1 + (i * 5 + i // 6) % 6) for i in range(99))


@pytest.fixture
def keystore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keystore"
    monkeypatch.setenv("AIRSIGN_KEYSTORE", str(path))
    monkeypatch.setenv("AIRSIGN_PASSPHRASE", KEYSTORE_PASSPHRASE)
    monkeypatch.delenv("AIRSIGN_BIP39_PASSPHRASE", raising=False)
    return path


@pytest.fixture
def stored(keystore: Path, monkeypatch, capsys) -> Path:
    assert run_cli(monkeypatch, capsys, "keystore", "create", stdin=MNEMONIC)[0] == 0
    return keystore


# --- seed new ---------------------------------------------------------------------------
def test_seed_new_dice_prints_words_from_sha256(keystore, monkeypatch, capsys) -> None:
    code, out, err = run_cli(monkeypatch, capsys, "seed", "new", "--dice", ROLLS_99)
    assert code == 0
    expected = mnemonic_from_bytes(hashlib.sha256(ROLLS_99.encode()).digest())
    assert out.strip() == expected
    assert "verifiable" in err and "sha256sum" in err
    assert not keystore.exists()


def test_seed_new_dice_12_words_from_stdin(keystore, monkeypatch, capsys) -> None:
    rolls = ROLLS_99[:50]
    code, out, _ = run_cli(monkeypatch, capsys, "seed", "new", "--dice", "-", "--words", "12",
                       stdin=rolls + "\n")
    assert code == 0
    assert out.strip() == mnemonic_from_bytes(hashlib.sha256(rolls.encode()).digest()[:16])


def test_seed_new_too_few_rolls_refused(keystore, monkeypatch, capsys) -> None:
    code, out, err = run_cli(monkeypatch, capsys, "seed", "new", "--dice", ROLLS_99[:98])
    assert code == 1 and out == ""
    assert "98 rolls give 253.3 bits" in err and len(err.strip().splitlines()) == 1


def test_seed_new_coins(keystore, monkeypatch, capsys) -> None:
    bits = "".join("1" if (i * 3) % 5 < 2 else "0" for i in range(256))
    code, out, _ = run_cli(monkeypatch, capsys, "seed", "new", "--coins", bits)
    assert code == 0
    assert out.strip() == mnemonic_from_bytes(int(bits, 2).to_bytes(32, "big"))
    code, _, err = run_cli(monkeypatch, capsys, "seed", "new", "--coins", bits, "--words", "12")
    assert code == 2 and "24 words come from these flips" in err


def test_seed_new_quick_is_labelled(keystore, monkeypatch, capsys) -> None:
    code, out, err = run_cli(monkeypatch, capsys, "seed", "new", "--quick", "--words", "12")
    assert code == 0 and len(out.split()) == 12
    assert "os.urandom only" in err and "not verifiable" in err


def test_seed_new_camera_from_video(keystore, monkeypatch, capsys, tmp_path) -> None:
    import cv2
    import numpy as np

    video = tmp_path / "noise.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 5, (64, 48))
    rng = np.random.default_rng(3)
    for _ in range(6):
        writer.write(rng.integers(60, 190, size=(48, 64, 3), dtype=np.uint8))
    writer.release()
    code, out, err = run_cli(monkeypatch, capsys, "seed", "new", "--camera", str(video),
                         "--frames", "4", "--words", "12")
    assert code == 0 and len(out.split()) == 12
    assert "camera noise (4 frames" in err and "os.urandom" in err
    # A source that does not exist is a usage error, as for `airsign decode`.
    code, _, err = run_cli(monkeypatch, capsys, "seed", "new", "--camera", str(tmp_path / "none"))
    assert code == 2 and "none: no such file or directory" in err


def test_seed_new_store_runs_backup_quiz(keystore: Path, tmp_path: Path) -> None:
    """Interactive: answer the quiz questions as they come, over pipes."""
    expected = mnemonic_from_bytes(hashlib.sha256(ROLLS_99.encode()).digest()).split()
    env = {**os.environ, "AIRSIGN_KEYSTORE": str(keystore),
           "AIRSIGN_PASSPHRASE": KEYSTORE_PASSPHRASE}
    process = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "seed", "new", "--dice", ROLLS_99, "--store"],
        cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    assert process.stdin and process.stderr and process.stdout
    shown = []
    answered = 0
    for line in process.stderr:
        if line.startswith("Word "):
            shown.append(line.split(":", 1)[1].strip())
        if line.startswith("Quiz: word #"):
            position = int(line.split("#")[1].rstrip("?\n")) - 1
            process.stdin.write(expected[position] + "\n")
            process.stdin.flush()
            answered += 1
            if answered == 3:
                break
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert shown == expected
    assert out.strip() != "" and all(word not in out for word in expected)
    from signer.keys import master_fingerprint, root_from_mnemonic

    assert out.strip() == master_fingerprint(root_from_mnemonic(" ".join(expected))).hex()
    assert keystore.exists()


def test_seed_new_store_wrong_answer_stores_nothing(keystore, monkeypatch, capsys) -> None:
    code, out, err = run_cli(monkeypatch, capsys, "seed", "new", "--dice", ROLLS_99, "--store",
                         stdin="zoo\nzoo\nzoo\n")
    assert code == 1 and out == "" and "nothing stored" in err
    assert not keystore.exists()


def test_seed_new_store_refused_when_a_seed_exists(stored, monkeypatch, capsys) -> None:
    code, _, err = run_cli(monkeypatch, capsys, "seed", "new", "--quick", "--store")
    assert code == 1 and "already stored" in err


# --- seed final-word and check ----------------------------------------------------------
def test_final_word(keystore, monkeypatch, capsys) -> None:
    first = ["zoo"] * 23
    code, out, _ = run_cli(monkeypatch, capsys, "seed", "final-word", *first)
    everything = out.split()
    assert code == 0 and len(everything) == 8
    assert all(mnemonic_is_valid(" ".join(first + [w])) for w in everything)
    code, out, _ = run_cli(monkeypatch, capsys, "seed", "final-word", *first, "--first")
    assert code == 0 and out.strip() == everything[0]
    code, out, _ = run_cli(monkeypatch, capsys, "seed", "final-word", *first, "--coins", "HHH")
    # Heads, heads, heads: the last word's top three bits are 111.
    (expected,) = [w for w in everything if WORDLIST.index(w) >> 8 == 0b111]
    assert code == 0 and out.strip() == expected
    code, _, err = run_cli(monkeypatch, capsys, "seed", "final-word", *first[:5])
    assert code == 1 and "11 or 23" in err


def test_seed_check(keystore, monkeypatch, capsys) -> None:
    code, out, _ = run_cli(monkeypatch, capsys, "seed", "check", stdin=MNEMONIC)
    assert code == 0 and ACCOUNT["master_fingerprint_hex"] in out
    monkeypatch.setenv("AIRSIGN_BIP39_PASSPHRASE", "TREZOR")
    code, out, _ = run_cli(monkeypatch, capsys, "seed", "check", "--bip39-passphrase",
                       stdin=MNEMONIC)
    assert code == 0 and "with the BIP-39 passphrase" in out
    words = MNEMONIC.split()
    words[7] = "glade"
    code, out, err = run_cli(monkeypatch, capsys, "seed", "check", stdin=" ".join(words))
    assert code == 1 and "position 8" in err and "glare" in out
    words = MNEMONIC.split()
    words[0], words[1] = words[1], words[0]
    code, out, err = run_cli(monkeypatch, capsys, "seed", "check", stdin=" ".join(words))
    assert code == 1 and "cannot say which" in err and "word 1 (group)" in out


@pytest.mark.parametrize("vector", load_vectors("bip39/vectors.json")["english"],
                         ids=lambda v: v[0][:8])
def test_seed_check_fingerprints_match_bip39_vectors(keystore, monkeypatch, capsys,
                                                     vector: list[str]) -> None:
    """Every English BIP-39 vector with passphrase TREZOR: the fingerprint shown is that of
    the vector's xprv (HASH160 of its public key, computed here)."""
    _, mnemonic, _, xprv = vector
    raw = base58.decode_check(xprv)
    public = PrivateKey(raw[46:78]).get_public_key().sec()
    expected = hash160(public)[:4].hex()
    monkeypatch.setenv("AIRSIGN_BIP39_PASSPHRASE", "TREZOR")
    code, out, _ = run_cli(monkeypatch, capsys, "seed", "check", "--bip39-passphrase",
                       stdin=mnemonic)
    assert code == 0 and out.strip().endswith(f"with the BIP-39 passphrase {expected}")


# --- seedqr -----------------------------------------------------------------------------
@pytest.mark.parametrize("compact", [False, True])
def test_seedqr_png_reads_back(keystore, monkeypatch, capsys, tmp_path, compact) -> None:
    vector = SEEDQR[0]
    png = tmp_path / "seed.png"
    argv = ["seedqr", "encode", "--png", str(png)] + (["--compact"] if compact else [])
    code, out, err = run_cli(monkeypatch, capsys, *argv, stdin=vector["mnemonic"])
    assert code == 0 and out == "" and "it is your seed" in err
    found = zxingcpp.read_barcodes(Image.open(png))[0]
    if compact:
        assert found.bytes == bytes.fromhex(vector["compact_seedqr_hex"])
    else:
        assert found.text == vector["standard_seedqr_digits"]
    code, out, _ = run_cli(monkeypatch, capsys, "seedqr", "decode", str(png))
    assert code == 0 and out.strip() == vector["mnemonic"]


def test_seedqr_text_and_verify_with_keystore(stored, monkeypatch, capsys, tmp_path) -> None:
    code, out, _ = run_cli(monkeypatch, capsys, "seedqr", "encode", "--text")
    assert code == 0 and "25x25" in out and "ABCDE|FGHIJ" in out
    png = tmp_path / "copy.png"
    run_cli(monkeypatch, capsys, "seedqr", "encode", "--png", str(png))
    code, out, _ = run_cli(monkeypatch, capsys, "seedqr", "verify", str(png))
    assert code == 0 and "matches" in out and MNEMONIC.split()[0] not in out
    other = tmp_path / "other.png"
    run_cli(monkeypatch, capsys, "seedqr", "encode", "--png", str(other),
            stdin=SEEDQR[1]["mnemonic"])
    code, _, err = run_cli(monkeypatch, capsys, "seedqr", "verify", str(other))
    assert code == 1 and "differs" in err


def test_seedqr_decode_bad_inputs(keystore, monkeypatch, capsys, tmp_path) -> None:
    code, _, err = run_cli(monkeypatch, capsys, "seedqr", "decode", str(tmp_path / "missing.png"))
    assert code == 2 and "no such file or directory" in err
    blank = tmp_path / "blank.png"
    Image.new("L", (100, 100), 255).save(blank)
    code, _, err = run_cli(monkeypatch, capsys, "seedqr", "decode", str(blank))
    assert code == 1 and "no QR code" in err


# --- xpub -------------------------------------------------------------------------------
def paper_key(prefix: str) -> str:
    text = next(d for d in ACCOUNT["output_descriptors"] if d.startswith(prefix))
    origin, rest = text.split("[", 1)[1].split("]", 1)
    return f"[{origin.replace(chr(39), 'h')}]{rest.split(')', 1)[0]}"


def test_xpub_origin_default_p2wsh(stored, monkeypatch, capsys, tmp_path) -> None:
    png = tmp_path / "xpub.png"
    code, out, err = run_cli(monkeypatch, capsys, "xpub", "--png", str(png))
    assert code == 0 and out.strip() == paper_key("wsh(")
    assert f"fingerprint {ACCOUNT['master_fingerprint_hex']}" in err
    decoded = pyzbar.decode(Image.open(png))[0].data.decode()
    assert decoded == out.strip()


def test_xpub_script_and_path(stored, monkeypatch, capsys) -> None:
    code, out, _ = run_cli(monkeypatch, capsys, "xpub", "--script", "p2sh-p2wsh")
    assert out.strip() == paper_key("sh(wsh(")
    code, out, _ = run_cli(monkeypatch, capsys, "xpub", "--path", "m/45'")
    assert out.strip() == paper_key("sh(cosigner(")
    code, out, _ = run_cli(monkeypatch, capsys, "xpub", "--network", "test", "--account", "1")
    assert out.startswith(f"[{ACCOUNT['master_fingerprint_hex']}/48h/1h/1h/2h]tpub")
    code, _, err = run_cli(monkeypatch, capsys, "xpub", "--script", "p2tr", "--slip132")
    assert code == 2 and "SLIP-132" in err


def test_xpub_electrum_is_the_bare_zpub_and_its_qr(stored, monkeypatch, capsys, tmp_path) -> None:
    png = tmp_path / "electrum.png"
    code, out, err = run_cli(monkeypatch, capsys, "xpub", "--format", "electrum",
                             "--png", str(png))
    key = paper_key("wsh(").split("]")[1]
    raw, plain = base58.decode_check(out.strip()), base58.decode_check(key)
    assert code == 0 and out.startswith("Zpub") and raw[4:] == plain[4:]
    assert "Enter cosigner key" in err
    assert pyzbar.decode(Image.open(png))[0].data.decode() == out.strip()
    for refused in (("--slip132",), ("--script", "p2tr"), ("--path", "m/45'")):
        code, _, err = run_cli(monkeypatch, capsys, "xpub", "--format", "electrum", *refused)
        assert code == 2 and "lectrum" in err.strip().splitlines()[-1], refused


def test_xpub_bip39_passphrase_changes_fingerprint(stored, monkeypatch, capsys) -> None:
    from signer.keys import master_fingerprint, root_from_mnemonic

    monkeypatch.setenv("AIRSIGN_BIP39_PASSPHRASE", "TREZOR")
    code, out, err = run_cli(monkeypatch, capsys, "xpub", "--bip39-passphrase")
    expected = master_fingerprint(root_from_mnemonic(MNEMONIC, "TREZOR")).hex()
    assert code == 0 and out.startswith(f"[{expected}/48h/0h/0h/2h]xpub")
    assert f"fingerprint {expected} (with the BIP-39 passphrase)" in err


def test_xpub_ur_png_is_crypto_account(stored, monkeypatch, capsys, tmp_path) -> None:
    from signer.transport.ur import decode_single
    from signer.transport.urtypes import ur_to_account

    png = tmp_path / "ur.png"
    code, out, _ = run_cli(monkeypatch, capsys, "xpub", "--format", "ur", "--png", str(png))
    assert code == 0 and out.startswith("ur:crypto-account/")
    scanned = zxingcpp.read_barcodes(Image.open(png))[0].text
    account = ur_to_account(decode_single(scanned))
    assert account.master_fingerprint.hex() == ACCOUNT["master_fingerprint_hex"]
    assert [o.script_type.value for o in account.outputs] == ["p2wsh"]


def test_xpub_coldcard_json_file_and_bbqr_gif(stored, monkeypatch, capsys, tmp_path) -> None:
    from signer.transport.assembler import Assembler

    out_file, gif = tmp_path / "ccxp.json", tmp_path / "ccxp.gif"
    code, out, _ = run_cli(monkeypatch, capsys, "xpub", "--format", "coldcard-json",
                       "--out", str(out_file), "--qr-gif", str(gif))
    assert code == 0
    data = json.loads(out_file.read_text())
    assert data == json.loads(out)
    assert data["p2wsh"] == paper_key("wsh(").split("]")[1]
    assert data["xfp"] == ACCOUNT["master_fingerprint_hex"].upper()
    assembler = Assembler()
    for frame in ImageSequence.Iterator(Image.open(gif)):
        for symbol in zxingcpp.read_barcodes(frame.convert("L")):
            assert is_bbqr(symbol.text) and symbol.text[3] == "J"
            assembler.receive(symbol.text)
    result = assembler.result().data
    assert json.loads(result if isinstance(result, str) else result.decode()) == data


def test_xpub_usage_errors(stored, monkeypatch, capsys) -> None:
    code, _, err = run_cli(monkeypatch, capsys, "xpub", "--format", "ur", "--path", "m/45h")
    assert code == 2
    code, _, err = run_cli(monkeypatch, capsys, "xpub", "--format", "coldcard-json", "--script",
                       "p2wsh")
    assert code == 2
    code, _, err = run_cli(monkeypatch, capsys, "xpub", "--path", "m/45h", "--account", "2")
    assert code == 2 and "--account" in err


def test_xpub_json_as_ur_bytes_gif(stored, monkeypatch, capsys, tmp_path) -> None:
    from signer.transport.ur import URDecoder
    from signer.transport.urtypes import ur_to_bytes

    gif = tmp_path / "json.gif"
    code, out, _ = run_cli(monkeypatch, capsys, "xpub", "--format", "json", "--qr-format", "ur",
                       "--qr-gif", str(gif))
    assert code == 0
    decoder = URDecoder()
    for frame in ImageSequence.Iterator(Image.open(gif)):
        for symbol in zxingcpp.read_barcodes(frame.convert("L")):
            decoder.receive(symbol.text)
    assert decoder.is_complete
    data = json.loads(ur_to_bytes(decoder.result()))
    assert data == json.loads(out) and data["key"] == paper_key("wsh(")
