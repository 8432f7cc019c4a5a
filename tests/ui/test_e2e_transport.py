"""End to end through the real flows with headless backends, the way a user meets the device:
QR codes come in as camera frames (rendered, degraded like a handheld camera and replayed
from image files), the answers go out as QR frames on the recorder's screen, and those are
read back with two QR decoders (zxing-cpp, and pyzbar straight from its own API) and checked
independently: registered addresses against embit's derivation, signatures against a
hashlib BIP-143 digest and cryptography's ECDSA.

The device is cosigner 0 ("abandon ... about") of the test coordinator's 2-of-3 testnet
wallet (tests/independent/coordinator.py).
"""

from pathlib import Path

import numpy as np
import pytest
from device_kit import PASSPHRASE, device_keystore, loopback_sys
from framegen import MILD, qr_camera_frame, write_frames_dir
from independent import coordinator, sighash
from independent.coordinator import Pay, Spend, build_psbt, external_script, make_wallet
from independent.cosigners import key_expression
from independent.ecdsa import ecdsa_valid
from PIL import Image
from pyzbar import pyzbar

from signer.keystore import Keystore
from signer.network import Network
from signer.transport.assembler import Assembler
from signer.transport.encoders import encode_frames
from signer.transport.types import Format, Payload, PayloadKind
from signer.wallet.registry import WalletRegistry
from ui.app import run_flows
from ui.backends import InputClosed, Key
from ui.backends.camera import open_source
from ui.backends.display import RecorderDisplay
from ui.demo.pilot import Pilot, RecordingContext
from ui.flows import go
from ui.flows.scan import scan
from ui.scan.decoders import get_decoder
from ui.screens.address import AddressScreen
from ui.screens.base import Screen
from ui.screens.facts import FactsScreen
from ui.screens.message import MessageScreen
from ui.screens.qr import QRScreen
from ui.screens.scan import ScanScreen

QR_CYCLES = 2  # the signed animation is watched this many times over


@pytest.fixture
def quiet_sys(tmp_path: Path) -> Path:
    return loopback_sys(tmp_path)


def keystore(tmp_path: Path, registered: coordinator.TestWallet | None) -> Path:
    return device_keystore(tmp_path / "keystore", registered.wallet if registered else None)


def camera_frames(tmp_path: Path, frames: list[str | bytes], version: int) -> Path:
    """The coordinator's animation as a handheld camera sees it, one PNG per frame."""
    shots = [qr_camera_frame(text, MILD, seed=n, version=version) for n, text in enumerate(frames)]
    directory = tmp_path / "camera"
    write_frames_dir(shots, directory)
    return directory


class Session:
    """One run of the flows from the Scan step, answering each screen like a careful user."""

    def __init__(self, keystore_path: Path, sys_class: Path, camera_dir: Path):
        self.display = RecorderDisplay((240, 240))
        self.ctx = RecordingContext(self.display, None, keystore_path,  # type: ignore[arg-type]
                                    sys_class=sys_class, kdf_cost_check=False)
        self.ctx.shown = []
        self.ctx.keystore = Keystore.unlock(keystore_path, PASSPHRASE, kdf_cost_check=False)
        self.ctx.camera = open_source([str(camera_dir)], loop=True)
        self.ctx.input = Pilot(lambda: self.ctx, self.decide)
        self.qr_first_frame = -1

    def decide(self, screen: Screen) -> list[Key | None] | None:
        if isinstance(screen, ScanScreen):
            return None
        if isinstance(screen, (FactsScreen, AddressScreen)):
            return [Key.PRESS]  # Register / Review / Next / Sign start selected
        if isinstance(screen, MessageScreen) and screen.view.tone != "danger":
            return [Key.PRESS]
        if isinstance(screen, QRScreen):
            self.qr_first_frame = len(self.display.frames) - 1
            return [*[None] * (QR_CYCLES * screen.view.frame_count), Key.PRESS]
        return []  # home, or a danger screen: the test looks at what happened

    def run(self) -> "Session":
        with pytest.raises(InputClosed):
            run_flows(self.ctx, go(scan))
        return self

    def qr_images(self) -> list[Image.Image]:
        assert self.qr_first_frame >= 0, "the signed PSBT was never shown"
        return self.display.frames[self.qr_first_frame :]

    def screens(self, kind: type) -> list:
        return [s for s in self.ctx.shown if isinstance(s, kind)]


def zxing_texts(image: Image.Image) -> list[str | bytes]:
    return get_decoder("zxing").decode(np.asarray(image.convert("L")))


def zbar_texts(image: Image.Image) -> list[str | bytes]:
    return [symbol.data.decode("ascii") for symbol in pyzbar.decode(image.convert("L"),
                                                                  symbols=[pyzbar.ZBarSymbol.QRCODE])]


def reassemble(images: list[Image.Image], read: object) -> tuple[bytes, list[str | bytes]]:
    assembler = Assembler()
    texts: list[str | bytes] = []
    for image in images:
        for text in read(image):  # type: ignore[operator]
            texts.append(text)
            assembler.receive(text)
        if assembler.is_complete:
            data = assembler.result().data
            assert isinstance(data, bytes)
            return data, texts
    pytest.fail(f"{read.__name__} did not read a complete PSBT off the screen")  # type: ignore[attr-defined]


def assert_every_input_signed(unsigned: bytes, signed: bytes, wallet: coordinator.TestWallet,
                              coins: list[tuple[bool, int]]) -> None:
    """Our signature on every input, checked against an independent BIP-143 digest."""
    tx, utxos, _ = sighash.read_psbt_v0(unsigned)
    unsigned_tx, _, _ = sighash.read_psbt_v0(signed)
    assert unsigned_tx == tx, "the signed PSBT carries another transaction"
    ours = wallet.derivations
    inputs = sighash.read_maps_in_order(signed)[1]
    assert len(inputs) == len(coins)
    for index, (pairs, (change, number)) in enumerate(zip(inputs, coins, strict=True)):
        signatures = [(k[1:], v) for k, v in pairs if k[0] == 0x02]
        assert len(signatures) == 1, f"input {index}: {len(signatures)} signatures"
        key, value = signatures[0]
        our_key = [pub.sec() for pub, origin in ours(change, number).items()
                   if origin.fingerprint == bytes.fromhex("73c5da0a")]
        assert key in our_key, f"input {index} is not signed by the device's key"
        script_code = wallet.derive(change, number).witness_script().data
        digest = sighash.bip143(tx, index, script_code, utxos[index].amount)  # type: ignore[union-attr]
        assert ecdsa_valid(key, value[:-1], digest), \
            f"input {index}: the signature read off the screen does not verify"
        assert value[-1] == 0x01  # SIGHASH_ALL


def test_wallet_registered_from_a_ur_crypto_output_seen_by_the_camera(
        tmp_path: Path, quiet_sys: Path) -> None:
    """(b) The coordinator's descriptor, animated UR crypto-output, through the camera."""
    vault = make_wallet(network=Network.TEST)
    text = f"wsh(sortedmulti(2,{','.join(key_expression(i) for i in (0, 1, 2))}))"
    frames = encode_frames(Payload(PayloadKind.DESCRIPTOR, text, Format.UR), Format.UR,
                           density="low", encoding="crypto-output")
    assert len(frames.frames) > 1, "the descriptor should need an animation at low density"
    camera = camera_frames(tmp_path, list(frames.frames), frames.qr_version)
    path = keystore(tmp_path, None)
    session = Session(path, quiet_sys, camera).run()
    assert session.screens(ScanScreen), "the camera was not used"
    policy = session.screens(FactsScreen)[0]
    assert policy.view.title == "Register?"
    marked = [f.value.split()[0] for f in policy.view.facts if f.marker == "YOU"]
    assert marked == ["73c5da0a"]
    assert session.ctx.shown[-2].view.title == "Registered"
    with Keystore.unlock(path, PASSPHRASE, kdf_cost_check=False) as stored:
        registry = WalletRegistry(stored.wallet_records, Network.TEST)
        (wallet,) = registry.wallets()
        for change, index in ((False, 0), (False, 7), (True, 3)):
            expected = vault.derive(change, index).address(Network.TEST.params)  # embit
            assert wallet.address(change, index) == expected


def _spend(vault: coordinator.TestWallet) -> tuple[bytes, list[tuple[bool, int]]]:
    coins = [(False, 3), (True, 1)]
    raw = build_psbt([Spend(vault, False, 3, 100_000), Spend(vault, True, 1, 50_000)],
                     [Pay(120_000, external_script()),
                      Pay(28_000, wallet=vault, change=True, index=4)]).serialize()
    return raw, coins


@pytest.mark.parametrize(("fmt", "prefix"), [(Format.UR, "UR:CRYPTO-PSBT/"), (Format.BBQR, "B$")])
def test_animated_psbt_from_the_camera_is_signed_and_read_back_off_the_screen(
        tmp_path: Path, quiet_sys: Path, fmt: Format, prefix: str) -> None:
    """(c) UR and (d) BBQr: camera frames -> review -> sign -> the screen's animated QR,
    decoded by zxing-cpp and by pyzbar, reassembled, every signature verified; the reply
    comes back in the format the PSBT came in."""
    vault = make_wallet(network=Network.TEST)
    unsigned, coins = _spend(vault)
    frames = encode_frames(Payload(PayloadKind.PSBT, unsigned, fmt), fmt, density="medium")
    assert len(frames.frames) > 1
    camera = camera_frames(tmp_path, list(frames.frames), frames.qr_version)
    session = Session(keystore(tmp_path, vault), quiet_sys, camera).run()
    badges = [s.view.badge for s in session.screens(AddressScreen)]
    assert badges == ["SEND", "CHANGE"]
    qr = session.screens(QRScreen)[-1]
    assert qr.view.caption.startswith(fmt.value)
    images = session.qr_images()
    for read in (zxing_texts, zbar_texts):
        signed, texts = reassemble(images, read)
        assert all(str(t).upper().startswith(prefix) for t in texts)
        assert_every_input_signed(unsigned, signed, vault, coins)
