"""Every PSBT of the hostile corpus (tests/attacks/corpus/psbt, made by the independent
coordinator) through the device's review flow at 240x240, pressing through every screen as a
careless user would, on a testnet device with the vault registered and on a mainnet device:
no screen cuts, hides or overlaps a fact, no address is drawn for a PSBT of another network,
and "Sign" is never offered when no input is ours."""

import contextlib
import tempfile
from pathlib import Path

import pytest
from device_kit import PASSPHRASE, device_keystore, loopback_sys
from layout_kit import assert_clear_of_buttons, assert_laid_out
from moments import vault

from signer.keystore import Keystore
from signer.network import Network
from signer.transport.types import Format, Payload, PayloadKind
from ui.app import run_flows
from ui.backends import InputClosed, Key
from ui.backends.display import RecorderDisplay
from ui.demo.pilot import Pilot, RecordingContext
from ui.flows import Destination, go
from ui.screens.address import AddressScreen
from ui.screens.base import Screen
from ui.screens.facts import FactsScreen
from ui.screens.menu import MenuScreen
from ui.screens.message import MessageScreen
from ui.screens.qr import QRScreen

CORPUS = Path(__file__).resolve().parents[1] / "attacks" / "corpus" / "psbt"
WALLETS = CORPUS.parent / "wallet"
SIZE = (240, 240)


def press_through(screen: Screen) -> list[Key]:
    """Forward everywhere, accepting every warning; stop at home or at the signed QR."""
    if isinstance(screen, (QRScreen, MenuScreen)):
        return []
    if isinstance(screen, MessageScreen) and len(screen.view.buttons) > 1:
        return [Key.RIGHT, Key.PRESS]
    return [Key.PRESS]


def reviewed(raw: bytes, network: Network) -> RecordingContext:
    from ui.flows.psbt import review

    payload = Payload(PayloadKind.PSBT, raw, Format.SINGLE, "binary")
    return driven(go(review, payload=payload), network)


def driven(first: Destination, network: Network) -> RecordingContext:
    with tempfile.TemporaryDirectory(prefix="airsign-hostile-") as scratch:
        root = Path(scratch)
        path = root / "keystore"
        device_keystore(path, vault().wallet if network is Network.TEST else None, network)
        ctx = RecordingContext(RecorderDisplay(SIZE), None, path,  # type: ignore[arg-type]
                               sys_class=loopback_sys(root), kdf_cost_check=False)
        ctx.shown = []
        ctx.keystore = Keystore.unlock(path, PASSPHRASE, kdf_cost_check=False)
        ctx.input = Pilot(lambda: ctx, press_through)  # type: ignore[arg-type]
        with contextlib.suppress(InputClosed):
            run_flows(ctx, first)
    return ctx


def assert_screens_whole(ctx: RecordingContext) -> None:
    chrome = ctx.chrome()
    for screen in ctx.shown:
        if isinstance(screen, QRScreen):
            continue
        texts = screen.layout(SIZE, chrome).texts
        assert_laid_out(texts, SIZE)
        if getattr(getattr(screen, "view", None), "buttons", ()):
            assert_clear_of_buttons(texts, SIZE)


@pytest.mark.parametrize("network", [Network.TEST, Network.MAIN], ids=lambda n: n.value)
@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.psbt")))
def test_hostile_psbt_screens_say_everything_whole(name: str, network: Network) -> None:
    ctx = reviewed((CORPUS / name).read_bytes(), network)
    assert_screens_whole(ctx)
    titles = [getattr(screen, "view", None) and screen.view.title  # type: ignore[attr-defined]
              for screen in ctx.shown]
    if "Network" in titles:  # another network: said, and none of its addresses drawn
        assert not any(isinstance(s, AddressScreen) for s in ctx.shown)
    overview = next((s for s in ctx.shown if isinstance(s, FactsScreen)), None)
    if overview is not None and "Sign?" in titles:
        inputs = next(f.value for f in overview.view.facts if f.label == "Inputs")
        assert not inputs.endswith(" 0 ours to sign"), "Sign offered with nothing to sign"


@pytest.mark.parametrize("name", sorted(p.name for p in WALLETS.glob("*.txt")))
def test_hostile_wallet_screens_say_everything_whole(name: str) -> None:
    """The hostile wallet corpus scanned on a testnet device: refused in one whole message,
    or shown whole on Register? (every page, scrolled through) and then refused."""
    from ui.flows.wallets import register

    payload = Payload(PayloadKind.WALLET_FILE, (WALLETS / name).read_text(), Format.SINGLE)
    ctx = driven(go(register, payload=payload), Network.TEST)
    assert_screens_whole(ctx)
    messages = [s.view for s in ctx.shown if isinstance(s, MessageScreen)]
    assert messages and messages[-1].title != "Registered", "a hostile wallet was registered"
