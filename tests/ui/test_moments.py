"""Issues 12's and 13's decisive moments, reached through the real flows (tests/ui/moments.py): what
each screen says, that no key fact is cut, hidden or drawn off the screen at 240x240, 320x240
and 480x320, and that each looks exactly like its reference image, which docs/gallery shows.

After a deliberate change, regenerate (this writes tests/ui/reference/ and docs/gallery/),
LOOK at the images, and commit them:

    UPDATE_REFERENCE=1 .venv/bin/pytest tests/ui/test_moments.py
"""

import os
import re
from functools import cache
from pathlib import Path

import pytest
import zxingcpp
from device_kit import qr_payload
from embit.psbt import PSBT
from embit.script import p2wpkh
from independent.cosigners import account_xpub, root
from layout_kit import assert_clear_of_buttons as clear_of_buttons
from layout_kit import assert_laid_out
from moments import (
    IMAGED,
    LIANA_NAME,
    MESSAGE,
    MESSAGE_PATH,
    SIZES,
    TAPROOT_NAME,
    WALLET_NAME,
    Moment,
    change_psbt,
    fake_change_psbt,
    liana,
    reach,
    savings,
    taproot,
    vault,
)
from PIL import Image, ImageChops

from signer.message import MessageFormat, verify_message
from signer.network import Network
from signer.scripts import ScriptType, format_path
from ui.backends import Key
from ui.flows.ceremony import KEYSTORE_PASSPHRASE, KEYSTORE_PASSPHRASE_HINT
from ui.screens.address import AddressScreen
from ui.screens.facts import FactsScreen
from ui.screens.message import MessageScreen
from ui.screens.qr import QRScreen
from ui.widgets import DrawnText, address_groups, format_amount

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "tests" / "ui" / "reference"
GALLERY = REPO / "docs" / "gallery"
UPDATE = os.environ.get("UPDATE_REFERENCE") == "1"
SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]
TEST = Network.TEST


@cache
def moment(name: str, size: tuple[int, int]) -> Moment:
    return reach(name, size)


def drawn(m: Moment, size: tuple[int, int]) -> list[DrawnText]:
    return m.screen.layout(size, m.chrome).texts


def strings(m: Moment, size: tuple[int, int]) -> list[str]:
    return [t.text for t in drawn(m, size)]


def button_labels(m: Moment) -> list[str]:
    return [b.label for b in m.screen.view.buttons]  # type: ignore[attr-defined]


def assert_clear_of_buttons(m: Moment, size: tuple[int, int]) -> None:
    clear_of_buttons(drawn(m, size), size)


# --- the images ---------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("name", IMAGED)
def test_moment_matches_its_reference_and_the_gallery(name: str, size: tuple[int, int]) -> None:
    image = moment(name, size).image
    assert image.size == size
    file = f"moment-{name}-{size[0]}x{size[1]}.png"
    if UPDATE:
        image.save(REFERENCE / file)
        image.save(GALLERY / file)
    for folder in (REFERENCE, GALLERY):
        path = folder / file
        assert path.exists(), f"no {path}: run with UPDATE_REFERENCE=1"
        box = ImageChops.difference(Image.open(path).convert("RGB"), image).getbbox()
        assert box is None, f"{path} is stale: the flow now draws something else inside {box}"


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("name", IMAGED)
def test_moment_is_laid_out_whole(name: str, size: tuple[int, int]) -> None:
    m = moment(name, size)
    texts = drawn(m, size)
    if name.startswith("register"):
        texts = [t for t in texts if not t.text.startswith("tpub")]  # abbreviated on purpose
    assert_laid_out(texts, size)


# --- danger -------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_danger_names_the_output_as_its_screen_does_with_the_amount(size: tuple[int, int]) -> None:
    m = moment("danger", size)
    psbt = PSBT.parse(fake_change_psbt())
    forged = psbt.tx.vout[1]
    outputs = [s for s in m.shown if isinstance(s, AddressScreen)]
    assert [s.view.title for s in outputs] == ["Output 1/2", "Output 2/2"]
    assert outputs[1].view.badge == "SEND"  # the forged change is shown as a payment
    assert outputs[1].view.address == forged.script_pubkey.address(TEST.params)
    amount = format_amount(forged.value, "btc")
    shown = strings(m, size)
    assert f"Output 2/2 · {amount}" in shown or {"Output 2/2", amount} <= set(shown)
    assert isinstance(m.screen, MessageScreen) and m.screen.view.tone == "danger"
    assert button_labels(m) == ["Reject", "Sign anyway"] and m.screen.selected == 0


# --- network ------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
@pytest.mark.parametrize("name", ["network-psbt", "network-wallet"])
def test_other_network_is_said_never_drawn(name: str, size: tuple[int, int]) -> None:
    m = moment(name, size)
    assert not any(isinstance(s, (AddressScreen, FactsScreen)) for s in m.shown), (
        "an address or the wallet was shown in the device's network encoding")
    assert isinstance(m.screen, MessageScreen)
    assert button_labels(m) == ["Back"]  # no "Sign anyway", no "Register"
    body = m.screen.view.body
    assert "Settings → Network" in body
    if name == "network-wallet":
        assert body.startswith("This wallet is for testnet; the device is set to mainnet. It "
                               "is not registered. To use it, switch to testnet in Settings")
    else:  # then the review's own finding, as it is (our key on coin type 1)
        assert body.startswith("Nothing of this PSBT is shown or signed.")
        assert "\nThe PSBT derives our key with coin type 1" in body
    assert "NOT MAINNET" in strings(m, size)
    for text in strings(m, size):
        assert not text.startswith(("bc1", "tb1")), text


# --- change and overview ------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_change_shows_its_proof_in_full_with_test_badge_and_dev_banner(
        size: tuple[int, int]) -> None:
    m = moment("change", size)
    psbt = PSBT.parse(change_psbt())
    address = vault().derive(True, 14).address(TEST.params)  # embit's derivation
    assert psbt.tx.vout[1].script_pubkey.address(TEST.params) == address
    shown = strings(m, size)
    assert "DEV MODE: NETWORK ON" in shown and "TEST" in shown
    assert format_amount(psbt.tx.vout[1].value, "btc") in shown
    assert [t for t in shown if t in address_groups(address)] == address_groups(address)
    path = format_path((*ScriptType.P2WSH.account_path(TEST), 1, 14))
    proof = f"{WALLET_NAME} · change #14"
    assert path in shown
    assert proof in shown or {WALLET_NAME, "change #14"} <= set(shown)
    assert_clear_of_buttons(m, size)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_transfer_names_the_other_wallet_with_its_proof(size: tuple[int, int]) -> None:
    m = moment("transfer", size)
    address = savings().derive(True, 14).address(TEST.params)  # embit's derivation
    assert isinstance(m.screen, AddressScreen) and m.screen.view.address == address
    shown = strings(m, size)
    assert "TRANSFER" in shown
    assert [t for t in shown if t in address_groups(address)] == address_groups(address)
    proof = "to your other wallet Savings · change #14"
    assert proof in shown or {"to your other wallet Savings", "change #14"} <= set(shown)
    assert format_path((*ScriptType.P2WSH.account_path(TEST, 1), 1, 14)) in shown
    assert_clear_of_buttons(m, size)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_fee_is_on_the_first_page_on_one_line(size: tuple[int, int]) -> None:
    m = moment("overview", size)
    psbt = PSBT.parse(change_psbt())
    fee = 100_000 - sum(out.value for out in psbt.tx.vout)  # the coordinator's one coin
    assert fee == 1_000
    shown = strings(m, size)
    assert format_amount(fee, "btc") in shown  # one drawn line: never wrapped
    assert any(t.startswith("Fee · ") and t.endswith(" sat/vB") for t in shown)
    assert_clear_of_buttons(m, size)
    # Also under the warnings notice (the fake-change run's overview, as it was shown).
    danger = moment("danger", size)
    overview = next(s for s in danger.shown if isinstance(s, FactsScreen))
    texts = overview.layout(size, danger.chrome).texts
    forged = PSBT.parse(fake_change_psbt())
    fee = 100_000 - sum(out.value for out in forged.tx.vout)
    assert "2 warning(s), 1 danger" in [t.text for t in texts]
    assert format_amount(fee, "btc") in [t.text for t in texts]
    assert_laid_out(texts, size)


# --- register -----------------------------------------------------------------------------
def _scroll(m: Moment, size: tuple[int, int], key: Key,
            pages: list[list[DrawnText]] | None = None) -> int:
    """Press `key` until the screen stops moving (the pages drawn on the way into `pages`);
    returns how many presses moved it."""
    moved = 0
    while moved < 200:
        before = strings(m, size)
        m.screen.handle(key)
        if strings(m, size) == before:
            break
        moved += 1
        if pages is not None:
            pages.append(drawn(m, size))
    return moved


def _all_pages(m: Moment, size: tuple[int, int]) -> list[list[DrawnText]]:
    """What the screen draws at each scroll position, from the top to where it stops; the
    screen is left scrolled as the flow (or the moment) left it."""
    ups = _scroll(m, size, Key.UP)
    pages = [drawn(m, size)]
    downs = _scroll(m, size, Key.DOWN, pages)
    for _ in range(downs - ups):
        m.screen.handle(Key.UP)
    return pages


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_register_shows_every_cosigner_and_the_first_address(size: tuple[int, int]) -> None:
    m = moment("register", size)
    pages = _all_pages(m, size)
    for page in pages:
        assert_laid_out([t for t in page if not t.text.startswith("tpub")], size)
    shown = {t.text for page in pages for t in page}
    origin = ScriptType.P2WSH.account_path(TEST)
    for cosigner in (0, 1, 2):
        fingerprint = root(cosigner).my_fingerprint.hex()
        key = account_xpub(cosigner, origin, TEST).to_base58()
        assert fingerprint in shown
        assert any(t.startswith(key[:10]) and t.endswith(key[-6:]) and "…" in t for t in shown)
    ours = [f for f in m.screen.view.facts if f.marker == "YOU"]  # type: ignore[attr-defined]
    assert [f.value.split()[0] for f in ours] == [root(0).my_fingerprint.hex()]
    first = vault().derive(False, 0).address(TEST.params)
    lines = [t.text for t in pages[-1] if set(t.text.split()) <= set(address_groups(first))]
    assert "".join(lines).replace(" ", "") == first
    assert "2 of 3 · p2wsh" in shown and WALLET_NAME in shown


# --- first run, signed reply ----------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_first_run_names_the_keystore_passphrase(size: tuple[int, int]) -> None:
    m = moment("passphrase", size)
    texts = strings(m, size)
    assert texts[0] == KEYSTORE_PASSPHRASE == "Keystore passphrase"
    assert texts[1:3] == ["Encrypts this device's storage.", "Not a BIP-39 passphrase."]
    assert "\n".join(texts[1:3]) == KEYSTORE_PASSPHRASE_HINT


def test_many_frames_offer_signatures_only_with_their_count() -> None:
    offered = moment("sigs-only", (240, 240))
    assert isinstance(offered.screen, QRScreen)
    full_frames = offered.screen.view.frame_count
    offer = [t for t in strings(offered, (240, 240)) if t.startswith("▶")]
    assert len(offer) == 1 and offer[0].startswith("▶ signatures only: ")
    count = int(offer[0].split(": ")[1].split()[0])
    assert count < full_frames
    taken = reach("sigs-only-taken", (240, 240))
    assert isinstance(taken.screen, QRScreen) and taken.screen.view.frame_count == count
    assert taken.screen.view.offer == f"full PSBT: {full_frames} frames"
    sigs = PSBT.parse(qr_payload(taken.screen))  # embit reads what the coordinator would merge
    unsigned = PSBT.parse(change_psbt(inputs=3))
    assert sigs.tx.txid() == unsigned.tx.txid()
    assert all(len(inp.partial_sigs) == 1 and inp.witness_script is None for inp in sigs.inputs)
    assert all(inp.witness_utxo is None for inp in sigs.inputs)


# --- issue 13: spending paths, miniscript and taproot wallets, messages ----------------------
def _document(m: Moment, size: tuple[int, int]) -> str:
    """Everything a person reads scrolling the screen from top to bottom, as one line of
    words: each page's text in order, the rows the previous page showed counted once, the
    title, notice and buttons (the same on every page) left out. A fact drawn whole, on
    however many lines and pages, is in it as `label value`."""
    pages = _all_pages(m, size)
    for page in pages:
        assert_laid_out([t for t in page if not t.text.startswith("tpub")], size)
        clear_of_buttons(page, size)
    fixed = {(t.text, t.box) for t in pages[0]}
    for page in pages[1:]:
        fixed &= {(t.text, t.box) for t in page}
    rows: list[str] = []
    for page in pages:
        texts = [t.text for t in page if (t.text, t.box) not in fixed]
        overlap = max(k for k in range(min(len(rows), len(texts)) + 1)
                      if rows[len(rows) - k:] == texts[:k])
        rows += texts[overlap:]
    return re.sub(r"\s+", " ", " ".join(rows))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_paths_page_says_each_path_whether_usable_and_who_signs(size: tuple[int, int]) -> None:
    m = moment("paths", size)
    assert isinstance(m.shown[0], FactsScreen) and m.shown[0].view.title == "Review"
    text = _document(m, size)
    assert text == (
        f"Input 1/1 {LIANA_NAME} "
        "Path 1 · usable YOU SIGN any 2 of 73c5da0a (this device, key 1), b8688df1, "
        "28645006, at any time "
        "Still to sign this device, then 1 more of b8688df1, 28645006 "
        "Path 2 · not usable now 73c5da0a (this device, key 4) alone, once a coin has not "
        "moved for 52,560 blocks (about 1 year)")


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_register_liana_names_this_seeds_two_keys_by_number(size: tuple[int, int]) -> None:
    m = moment("register-liana", size)
    text = _document(m, size)
    assert f"Name {LIANA_NAME} Policy miniscript, 2 spending paths · p2wsh " in text
    assert ("Path 1 any 2 of 73c5da0a (this device, key 1), b8688df1, 28645006, at any time "
            "Path 2 73c5da0a (this device, key 4) alone, once a coin has not moved for 52,560 "
            "blocks (about 1 year) Key 1 · m/48h/1h/0h/2h YOU 73c5da0a tpub") in text
    assert "Key 4 · m/48h/1h/0h/2h YOU 73c5da0a · /<2;3>/* tpub" in text
    assert "<0;1>" not in text  # the default chains go unsaid
    first = liana().derive(False, 0).address(TEST.params)  # embit's derivation
    assert f"Receive #0 {' '.join(address_groups(first))} Network test" in text


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_register_taproot_says_there_is_no_key_path(size: tuple[int, int]) -> None:
    m = moment("register-taproot", size)
    text = _document(m, size)
    assert (f"Name {TAPROOT_NAME} Policy taproot, 1 spending path, no key path · p2tr "
            "Path 1 any 2 of 73c5da0a (this device), b8688df1, 28645006, at any time "
            "Key path none: the internal key is unspendable (BIP-341's H) "
            "Key 1 · m/86h/1h/0h YOU 73c5da0a tpub") in text
    first = taproot().derive(False, 0).address(TEST.params)  # embit's derivation
    assert first.startswith("tb1p")
    assert f"Receive #0 {' '.join(address_groups(first))} Network test" in text


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_message_is_shown_whole_with_its_address_and_path(size: tuple[int, int]) -> None:
    m = moment("message", size)
    text = _document(m, size)
    key = root(0).derive(MESSAGE_PATH).key.get_public_key()
    address = p2wpkh(key).address(TEST.params)  # that key's P2WPKH, by embit
    assert text == (f"Message · {len(MESSAGE)} bytes {MESSAGE} "
                    f"Signed by address {' '.join(address_groups(address))} "
                    f"Path {MESSAGE_PATH} Format Legacy (BIP-137)")
    assert button_labels(m) == ["Cancel", "Sign"]
    assert m.screen.selected == 0  # type: ignore[attr-defined]  # Cancel


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_signature_qr_reads_back_and_verifies(size: tuple[int, int]) -> None:
    m = moment("message-qr", size)
    (found,) = zxingcpp.read_barcodes(m.image.convert("L"))  # from the pixels on the panel
    review = next(s for s in m.shown if isinstance(s, FactsScreen))
    address = next(f.value for f in review.view.facts if f.label == "Signed by address")
    assert verify_message(address.replace(" ", ""), MESSAGE.encode(), found.text,
                          TEST) is MessageFormat.LEGACY
