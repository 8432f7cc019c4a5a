"""`airsign demo --headless`: the whole appliance runs, writes its GIF and screens, and the
signed PSBT it read back off the device's screen verifies with an independent BIP-143 digest
and cryptography's ECDSA (not with embit, which the demo's own check uses). The README's
screenshot and docs/gallery's demo pictures must be this session's screens; after a
deliberate change, `UPDATE_REFERENCE=1 .venv/bin/pytest tests/test_demo.py` copies them
(look at them before committing)."""

import base64
import os
import shutil
from pathlib import Path

import pytest
from cli_kit import run_cli
from independent import sighash
from independent.ecdsa import ecdsa_valid
from PIL import Image, ImageChops
from pyzbar import pyzbar

from signer.transport.assembler import Assembler
from ui.demo.coordinator import PAYEE_ADDRESS
from ui.demo.session import dice_keys
from ui.screens.entropy import EntropyPadScreen, EntropyPadView
from ui.theme import Metrics

DOCS = Path(__file__).resolve().parents[1] / "docs"
UPDATE = os.environ.get("UPDATE_REFERENCE") == "1"


def test_demo_headless_signs_and_writes_its_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    code, stdout, stderr = run_cli(monkeypatch, capsys, "demo", "--headless", "--out", str(out))
    assert code == 0, stderr
    assert "Demo OK." in stdout and "2 of 2 inputs signed" in stdout
    with Image.open(out / "session.gif") as gif:
        assert gif.n_frames > 100 and gif.size == (240, 240)
    # The README's screenshot and docs/gallery's demo pictures are this session's screens.
    made = sorted(p.name for p in (out / "gallery").glob("*.png"))
    assert "screenshot.png" in made and len(made) == 8, made
    assert_same_pictures(out / "gallery", DOCS, ["screenshot.png"])
    assert_same_pictures(out / "gallery", DOCS / "gallery", [n for n in made
                                                             if n != "screenshot.png"])
    assert {p.name for p in (DOCS / "gallery").glob("demo-*.png")} == set(made) - {
        "screenshot.png"}
    screens = sorted((out / "screens").glob("*.png"))
    names = [p.stem.split("-", 1)[1] for p in screens]
    for expected in ("new-device", "dice-rolls", "write-down", "register", "review", "signed"):
        assert expected in names
    # The coordinator's side, independently: read the device's QR frames with pyzbar.
    assembler = Assembler()
    for frame in sorted((out / "signed-qr").glob("*.png")):
        for symbol in pyzbar.decode(Image.open(frame).convert("L")):
            assembler.receive(symbol.data.decode("ascii"))
        if assembler.is_complete:
            break
    signed = assembler.result().data
    assert isinstance(signed, bytes)
    assert base64.b64decode((out / "signed.psbt").read_text()) == signed
    unsigned = base64.b64decode((out / "unsigned.psbt").read_text())
    tx, utxos, _ = sighash.read_psbt_v0(unsigned)
    assert sighash.read_psbt_v0(signed)[0] == tx
    payee_program = bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6")  # BIP-173
    assert any(o[9:] == b"\x00\x14" + payee_program for o in tx.outputs), PAYEE_ADDRESS
    for index, pairs in enumerate(sighash.read_maps_in_order(signed)[1]):
        fields = dict(pairs)
        signatures = [(k[1:], v) for k, v in pairs if k[0] == 0x02]
        assert len(signatures) == 1
        key, value = signatures[0]
        digest = sighash.bip143(tx, index, fields[b"\x05"], utxos[index].amount)  # type: ignore[union-attr]
        assert ecdsa_valid(key, value[:-1], digest), f"input {index}: signature does not verify"


def assert_same_pictures(made: Path, docs: Path, names: list[str]) -> None:
    """docs/ holds what this run drew; on a scan screen only the frame rate (measured on this
    machine, drawn right of the progress bar) may differ."""
    for name in names:
        path = docs / name
        if UPDATE:
            shutil.copyfile(made / name, path)
        assert path.exists(), f"{path} is missing: run with UPDATE_REFERENCE=1"
        with Image.open(made / name) as new, Image.open(path) as old:
            box = ImageChops.difference(new.convert("RGB"), old.convert("RGB")).getbbox()
        if box is not None and name.startswith("demo-scan-"):
            fps_left = new.width - Metrics.for_size(new.size).px(8 + 48)
            assert box[0] >= fps_left, f"{path} is stale inside {box} (not only the fps)"
            continue
        assert box is None, f"{path} is stale inside {box}: run with UPDATE_REFERENCE=1"


def test_window_needs_a_display(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    code, _, stderr = run_cli(monkeypatch, capsys, "demo", "--window", "--out", str(tmp_path))
    assert code == 2 and "--headless" in stderr


def test_dice_keys_enter_the_rolls_on_the_real_pad() -> None:
    rolls = "6153421"
    pad = EntropyPadScreen(EntropyPadView("Dice", 6, len(rolls)))
    choice = None
    for key in dice_keys(rolls):
        assert key is not None
        choice = pad.handle(key)
    assert choice is not None and choice.text == rolls


def test_the_demo_check_refuses_a_psbt_without_our_signatures() -> None:
    """The coordinator's own unsigned PSBT shown back as QR frames must not pass."""
    from embit import bip39
    from embit.bip32 import HDKey

    from signer.transport.encoders import encode_frames
    from signer.transport.types import Format
    from ui.demo.coordinator import DemoCoordinator, demo_mnemonic
    from ui.demo.verify import check_signed_frames
    from ui.qr.render import QRRenderer

    root = HDKey.from_seed(bip39.mnemonic_to_seed(demo_mnemonic()))
    coordinator = DemoCoordinator.for_device(root)
    unsigned = coordinator.spend_psbt().serialize()
    frames = encode_frames(unsigned, Format.UR, density="medium")
    renderer = QRRenderer(size=240, version=frames.qr_version)
    images = [renderer.render(text) for text in frames.frames]
    check = check_signed_frames(images, unsigned, coordinator.embit_descriptor)
    assert not check.ok and check.same_transaction
    assert check.problem == "only 0 of 2 inputs carry a valid signature"
    assert not check_signed_frames(images[:-1], unsigned, coordinator.embit_descriptor).ok


def test_demo_leaves_a_keystore_it_did_not_make_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import CHEAP_KDF
    from independent.cosigners import MNEMONICS

    from signer.keystore import Keystore

    real = tmp_path / "keystore"
    Keystore.create(real, MNEMONICS[2], "mine", kdf=CHEAP_KDF, kdf_cost_check=False).lock()
    before = real.read_bytes()
    code, _, stderr = run_cli(monkeypatch, capsys, "demo", "--out", str(tmp_path))
    assert code == 2 and "did not make" in stderr
    assert real.read_bytes() == before
