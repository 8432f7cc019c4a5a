"""End to end on the device's own menus: wiping the device from Settings (a danger screen,
then the word WIPE) and exporting the cosigner key as UR crypto-account, read back off the
recorded screen with pyzbar and compared with embit's BIP-48 derivation."""

from pathlib import Path

import pytest
from device_kit import PASSPHRASE, device_keystore, loopback_sys
from embit import base58, bip39
from embit.bip32 import HDKey
from independent.cosigners import MNEMONICS
from pyzbar import pyzbar

from signer.errors import UnlockFailed
from signer.keystore import Keystore
from signer.keystore.attempts import attempts_path
from signer.transport.assembler import Assembler
from signer.transport.types import PayloadKind
from ui.app import run_flows
from ui.backends import InputClosed, Key
from ui.backends.display import RecorderDisplay
from ui.demo.pilot import Pilot, RecordingContext, typing_keys
from ui.flows import go
from ui.flows.seed import seed_menu
from ui.flows.settings import settings_menu
from ui.screens.base import Screen
from ui.screens.keyboard import KeyboardScreen
from ui.screens.menu import MenuScreen
from ui.screens.message import MessageScreen
from ui.screens.qr import QRScreen


@pytest.fixture
def keystore_path(tmp_path: Path) -> Path:
    return device_keystore(tmp_path / "keystore")


def unlocked(keystore_path: Path, tmp_path: Path, decide: object) -> RecordingContext:
    ctx = RecordingContext(RecorderDisplay((240, 240)), None, keystore_path,  # type: ignore[arg-type]
                           sys_class=loopback_sys(tmp_path), kdf_cost_check=False)
    ctx.shown = []
    ctx.keystore = Keystore.unlock(keystore_path, PASSPHRASE, kdf_cost_check=False)
    ctx.input = Pilot(lambda: ctx, decide)  # type: ignore[arg-type]
    return ctx


def wipe_pilot(word: str) -> object:
    def decide(screen: Screen) -> list[Key | None]:
        if isinstance(screen, MenuScreen) and screen.view.title == "Settings":
            if screen.view.selected == len(screen.view.items) - 1:
                return []  # back on "Wipe device" after a refusal: done
            return [Key.UP, Key.PRESS]  # the menu wraps round to its last item
        if isinstance(screen, MessageScreen) and screen.view.tone == "danger":
            return [Key.RIGHT, Key.PRESS]  # "Wipe", away from the selected "Cancel"
        if isinstance(screen, KeyboardScreen):
            return typing_keys(word)
        if isinstance(screen, MessageScreen):
            return [Key.PRESS]
        return []
    return decide


def test_wipe_from_settings_destroys_the_seed_and_starts_as_new(
        keystore_path: Path, tmp_path: Path) -> None:
    with pytest.raises(UnlockFailed):  # leave a failed-attempts counter behind too
        Keystore.unlock(keystore_path, "wrong", kdf_cost_check=False)
    assert attempts_path(keystore_path).exists()
    ctx = unlocked(keystore_path, tmp_path, wipe_pilot("wipe"))
    with pytest.raises(InputClosed):
        run_flows(ctx, go(settings_menu))
    titles = [getattr(s, "view", None) and s.view.title for s in ctx.shown]  # type: ignore[attr-defined]
    assert titles[1:4] == ["Wipe device", "Wipe device", "Wiped"]
    assert ctx.shown[1].view.tone == "danger"  # type: ignore[attr-defined]
    assert not keystore_path.exists() and not attempts_path(keystore_path).exists()
    assert ctx.keystore is None
    assert titles[-1] == "New device"  # the first-run ceremony


def test_wipe_needs_the_word_typed(keystore_path: Path, tmp_path: Path) -> None:
    ctx = unlocked(keystore_path, tmp_path, wipe_pilot("wip"))
    with pytest.raises(InputClosed):
        run_flows(ctx, go(settings_menu))
    assert any(isinstance(s, MessageScreen) and s.view.title == "Not wiped" for s in ctx.shown)
    with Keystore.unlock(keystore_path, PASSPHRASE, kdf_cost_check=False) as still:
        assert still.mnemonic_words() == MNEMONICS[0].split()


def test_cosigner_key_exported_as_ur_crypto_account(keystore_path: Path,
                                                    tmp_path: Path) -> None:
    display_start: list[int] = []

    def decide(screen: Screen) -> list[Key | None]:
        if isinstance(screen, MenuScreen) and screen.view.title == "Seed":
            return [] if display_start else [Key.PRESS]  # "Export cosigner key"
        if isinstance(screen, MenuScreen) and screen.view.title == "Cosigner key":
            return [Key.DOWN, Key.PRESS]  # "UR crypto-account"
        if isinstance(screen, QRScreen):
            display_start.append(len(ctx.display.frames) - 1)  # type: ignore[attr-defined]
            return [*[None] * (2 * screen.view.frame_count), Key.PRESS]
        return []

    ctx = unlocked(keystore_path, tmp_path, decide)
    with pytest.raises(InputClosed):
        run_flows(ctx, go(seed_menu))
    assembler = Assembler()
    for image in ctx.display.frames[display_start[0]:]:  # type: ignore[attr-defined]
        for symbol in pyzbar.decode(image.convert("L"), symbols=[pyzbar.ZBarSymbol.QRCODE]):
            text = symbol.data.decode("ascii")
            assert text.upper().startswith("UR:CRYPTO-ACCOUNT/")
            assembler.receive(text)
    payload = assembler.result()
    assert payload.kind is PayloadKind.ACCOUNT
    body = payload.data if isinstance(payload.data, bytes) else bytes.fromhex(payload.data)
    # embit's BIP-48 testnet P2WSH account key: its public key and chain code are in the CBOR,
    # and so is the master fingerprint as a CBOR uint32 (major type 0, 0x1a).
    account = HDKey.from_seed(bip39.mnemonic_to_seed(MNEMONICS[0])).derive("m/48h/1h/0h/2h")
    assert account.key.sec() in body and account.chain_code in body
    assert bytes.fromhex("1a73c5da0a") in body


def test_cosigner_key_exported_for_electrum(keystore_path: Path, tmp_path: Path) -> None:
    def decide(screen: Screen) -> list[Key | None]:
        if isinstance(screen, MenuScreen) and screen.view.title == "Seed":
            return [] if shown else [Key.PRESS]  # "Export cosigner key"
        if isinstance(screen, MenuScreen) and screen.view.title == "Cosigner key":
            return [Key.DOWN, Key.DOWN, Key.PRESS]  # "Electrum key"
        if isinstance(screen, QRScreen):
            shown.append(screen)
            drawn.append(ctx.display.frames[-1])  # type: ignore[attr-defined]
            return [Key.PRESS]
        return []

    shown: list[QRScreen] = []
    drawn: list = []
    ctx = unlocked(keystore_path, tmp_path, decide)
    with pytest.raises(InputClosed):
        run_flows(ctx, go(seed_menu))
    assert shown[0].view.title == "Electrum key"
    (symbol,) = pyzbar.decode(drawn[0].convert("L"), symbols=[pyzbar.ZBarSymbol.QRCODE])
    raw = base58.decode_check(symbol.data.decode("ascii"))
    # SLIP-132 Vpub (testnet P2WSH) over embit's BIP-48 account key, no origin in the text.
    account = HDKey.from_seed(bip39.mnemonic_to_seed(MNEMONICS[0])).derive("m/48h/1h/0h/2h")
    assert raw[:4] == bytes.fromhex("02575483")
    assert raw[13:45] == account.chain_code and raw[45:] == account.key.sec()
