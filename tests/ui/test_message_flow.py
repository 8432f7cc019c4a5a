"""Signing a scanned message on the device: the request is shown in full before anything is
signed, Cancel (selected first) signs nothing, and the signature that comes out verifies with
code that is not airsign's (public-key recovery in plain integers)."""

import base64
import hashlib
from pathlib import Path

import pytest
from device_kit import device_keystore, loopback_sys
from independent.cosigners import root
from independent.ecdsa import recover_pubkey
from test_flows import run, unlocked

from signer.message import MessageFormat, verify_message
from signer.network import Network
from signer.scripts import parse_path
from signer.transport.single import classify
from ui.backends import Key
from ui.flows.scan import route
from ui.screens.base import Screen
from ui.screens.facts import FactsScreen
from ui.screens.menu import MenuScreen
from ui.screens.message import MessageScreen
from ui.screens.qr import QRScreen

LONG_MESSAGE = "I control this address. " * 10  # longer than one screen: it scrolls
REQUEST = f"signmessage m/84h/1h/0h/0/7 ascii:{LONG_MESSAGE}"


@pytest.fixture
def keystore_path(tmp_path: Path) -> Path:
    return device_keystore(tmp_path / "keystore")


def _sign_pilot(screen: Screen) -> list[Key]:
    if isinstance(screen, FactsScreen):
        return [Key.RIGHT, Key.PRESS]  # Cancel starts selected: move to Sign
    if isinstance(screen, (QRScreen, MessageScreen)):
        return [Key.PRESS] if screen is not None and screen.view.title == "Signature" else []
    if isinstance(screen, MenuScreen) and screen.view.title == "Sign with":
        return [Key.DOWN, Key.PRESS]  # Taproot
    return []


def test_seedsigner_request_is_shown_whole_then_signed(keystore_path: Path,
                                                       tmp_path: Path) -> None:
    ctx = unlocked(keystore_path, loopback_sys(tmp_path), _sign_pilot)
    run(ctx, route(classify(REQUEST)))
    review = ctx.shown[0]
    assert isinstance(review, FactsScreen) and review.view.title == "Message"
    facts = {fact.label.split(" ·")[0]: fact.value for fact in review.view.facts}
    path = parse_path("m/84h/1h/0h/0/7")
    assert facts["Message"] == LONG_MESSAGE and facts["Path"] == "m/84h/1h/0h/0/7"
    assert review.view.buttons[review.view.selected].action == "cancel"
    qr, text = ctx.shown[1], ctx.shown[2]
    assert isinstance(qr, QRScreen) and isinstance(text, MessageScreen)
    signature = text.view.body
    assert qr.data == signature
    # Legacy (BIP-137, P2WPKH header 39-42) for a SeedSigner request: recover the key here.
    raw = base64.b64decode(signature)
    assert 39 <= raw[0] <= 42
    message = LONG_MESSAGE.encode()
    digest = hashlib.sha256(hashlib.sha256(
        b"\x18Bitcoin Signed Message:\n" + bytes([len(message)]) + message).digest()).digest()
    recovered = recover_pubkey(digest, int.from_bytes(raw[1:33], "big"),
                               int.from_bytes(raw[33:], "big"), (raw[0] - 27) & 3)
    assert recovered == root(0).derive(list(path)).key.get_public_key().sec()
    address = facts["Signed by address"].replace(" ", "")  # shown in groups of four
    assert verify_message(address, message, signature, Network.TEST) is MessageFormat.LEGACY


def test_cancel_signs_nothing(keystore_path: Path, tmp_path: Path) -> None:
    def cancel(screen: Screen) -> list[Key]:
        return [Key.PRESS] if isinstance(screen, FactsScreen) else []

    ctx = unlocked(keystore_path, loopback_sys(tmp_path), cancel)
    run(ctx, route(classify(REQUEST)))
    assert not any(isinstance(screen, QRScreen) for screen in ctx.shown)
    assert isinstance(ctx.shown[-1], MenuScreen) and ctx.shown[-1].view.title == "airsign"


def test_bare_text_is_signed_with_the_address_picked(keystore_path: Path,
                                                     tmp_path: Path) -> None:
    ctx = unlocked(keystore_path, loopback_sys(tmp_path), _sign_pilot)
    run(ctx, route(classify("Proof of reserves 2026-12-02")))
    menu, review = ctx.shown[0], ctx.shown[1]
    assert isinstance(menu, MenuScreen) and [i.label for i in menu.view.items][:2] == [
        "Native segwit", "Taproot"]
    assert isinstance(review, FactsScreen)
    facts = {fact.label.split(" ·")[0]: fact.value for fact in review.view.facts}
    assert facts["Path"] == "m/86h/1h/0h/0/0" and facts["Format"] == "BIP-322"
    signature = ctx.shown[3].view.body  # type: ignore[attr-defined]
    address = facts["Signed by address"].replace(" ", "")
    assert verify_message(address, b"Proof of reserves 2026-12-02", signature,
                          Network.TEST) is MessageFormat.BIP322
