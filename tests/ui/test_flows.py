"""Scripted runs through the real flows with headless backends: unlock, the air-gap check,
settings that persist, address verification, and a fake-change PSBT.

The device is cosigner 0 ("abandon ... about") of the test coordinator's 2-of-3 testnet
"vault" (tests/independent/coordinator.py: built with embit, not airsign).
"""

from pathlib import Path

import pytest
from conftest import CHEAP_KDF
from device_kit import PASSPHRASE, device_keystore, loopback_sys
from embit.psbt import PSBT
from embit.script import Script
from independent.coordinator import external_script, make_wallet
from independent.cosigners import MNEMONICS, key_expression

from signer.keystore import Keystore
from signer.network import Network
from signer.transport.types import Format, Payload, PayloadKind
from ui.app import run_flows
from ui.backends import InputClosed, Key
from ui.backends.display import RecorderDisplay
from ui.backends.input import ScriptedInput
from ui.demo.pilot import Pilot, RecordingContext, typing_keys
from ui.flows import go
from ui.flows.ceremony import quiz_position
from ui.flows.wallets import verify_address
from ui.screens.address import AddressScreen
from ui.screens.base import Screen
from ui.screens.facts import FactsScreen
from ui.screens.keyboard import KeyboardScreen, KeyboardView
from ui.screens.menu import MenuScreen
from ui.screens.message import MessageScreen
from ui.screens.qr import QRScreen
from ui.widgets import format_amount

CORPUS = Path(__file__).resolve().parents[1] / "attacks" / "corpus" / "psbt"


@pytest.fixture
def keystore_path(tmp_path: Path) -> Path:
    return device_keystore(tmp_path / "keystore", make_wallet(network=Network.TEST).wallet)


@pytest.fixture
def quiet_sys(tmp_path: Path) -> Path:
    return loopback_sys(tmp_path)


def context(keystore_path: Path, sys_class: Path, keys: object = (),
            **kwargs: object) -> RecordingContext:
    ctx = RecordingContext(RecorderDisplay((240, 240)), ScriptedInput(keys),  # type: ignore[arg-type]
                           keystore_path, sys_class=sys_class, kdf_cost_check=False,
                           **kwargs)  # type: ignore[arg-type]
    ctx.shown = []
    return ctx


def run(ctx: RecordingContext, first: object = None) -> None:
    with pytest.raises(InputClosed):
        run_flows(ctx, first)  # type: ignore[arg-type]


def unlocked(keystore_path: Path, sys_class: Path, decide: object) -> RecordingContext:
    ctx = context(keystore_path, sys_class)
    ctx.keystore = Keystore.unlock(keystore_path, PASSPHRASE, kdf_cost_check=False)
    ctx.input = Pilot(lambda: ctx, decide)  # type: ignore[arg-type]
    return ctx


def test_wrong_passphrase_is_refused_then_the_right_one_unlocks(
        keystore_path: Path, quiet_sys: Path) -> None:
    keys = [*typing_keys("wrong"), Key.PRESS, *typing_keys(PASSPHRASE)]
    ctx = context(keystore_path, quiet_sys, keys)
    run(ctx)
    kinds = [type(s) for s in ctx.shown]
    assert kinds[:4] == [KeyboardScreen, MessageScreen, KeyboardScreen, MenuScreen]
    refusal = ctx.shown[1]
    assert isinstance(refusal, MessageScreen) and refusal.view.title == "Not unlocked"
    home = ctx.shown[3]
    assert isinstance(home, MenuScreen) and home.view.title == "airsign"
    assert ctx.keystore is not None and ctx.keystore.fingerprint.hex() == "73c5da0a"


def test_network_interface_blocks_unlock(keystore_path: Path, tmp_path: Path) -> None:
    sys_class = tmp_path / "sys"
    for name in ("lo", "wlan0"):
        (sys_class / "net" / name).mkdir(parents=True)
    (sys_class / "net" / "wlan0" / "wireless").mkdir()
    # "Check again" twice (still blocked), then "Power off".
    ctx = context(keystore_path, sys_class, [Key.PRESS, Key.PRESS, Key.LEFT, Key.PRESS])
    run_flows(ctx)
    assert len(ctx.shown) == 3
    assert all(isinstance(s, MessageScreen) and s.view.tone == "danger" for s in ctx.shown)
    assert "wlan0 (wifi)" in ctx.shown[0].view.body  # type: ignore[attr-defined]
    assert ctx.keystore is None


def test_developer_flag_unlocks_with_a_permanent_red_banner(
        keystore_path: Path, tmp_path: Path) -> None:
    sys_class = tmp_path / "sys"
    (sys_class / "net" / "eth0").mkdir(parents=True)
    ctx = context(keystore_path, sys_class, typing_keys(PASSPHRASE), dev_allow_network=True)
    run(ctx)
    assert isinstance(ctx.shown[0], KeyboardScreen)
    assert isinstance(ctx.shown[-1], MenuScreen) and ctx.keystore is not None
    assert ctx.chrome().network_override
    red = (200, 0, 0)
    assert all(frame.getpixel((2, 2)) == red for frame in ctx.display.frames)  # type: ignore[attr-defined]


def test_settings_change_is_saved_in_the_keystore(keystore_path: Path, quiet_sys: Path) -> None:
    keys = [*typing_keys(PASSPHRASE),
            Key.DOWN, Key.DOWN, Key.DOWN, Key.PRESS,  # home -> Settings
            Key.DOWN, Key.PRESS,  # Units
            Key.DOWN, Key.PRESS]  # sats
    ctx = context(keystore_path, quiet_sys, keys)
    run(ctx)
    settings_menu = ctx.shown[-1]
    assert isinstance(settings_menu, MenuScreen)
    assert settings_menu.view.items[1].detail == "sats"
    with Keystore.unlock(keystore_path, PASSPHRASE, kdf_cost_check=False) as again:
        assert again.settings.denomination == "sats"
        assert again.settings.network is Network.TEST


def _done(screen: Screen) -> list[Key]:
    return []


def test_address_of_our_wallet_is_located(keystore_path: Path, quiet_sys: Path) -> None:
    vault = make_wallet(network=Network.TEST)
    address = vault.derive(False, 5).address(Network.TEST.params)  # embit's derivation
    ctx = unlocked(keystore_path, quiet_sys, _done)
    run(ctx, go(verify_address, address=address))
    shown = ctx.shown[0]
    assert isinstance(shown, AddressScreen)
    assert shown.view.badge == "OURS"
    assert shown.view.details == ("vault · receive #5",)


def test_address_not_ours_says_so(keystore_path: Path, quiet_sys: Path) -> None:
    address = Script(external_script().data).address(Network.TEST.params)
    ctx = unlocked(keystore_path, quiet_sys, _done)
    run(ctx, go(verify_address, address=address))
    shown = ctx.shown[0]
    assert isinstance(shown, AddressScreen) and shown.view.badge == "NOT OURS"


def _fake_change_payload() -> Payload:
    data = (CORPUS / "fake-change-other-cosigner.psbt").read_bytes()
    return Payload(PayloadKind.PSBT, data, Format.SINGLE, "binary")


def _review_pilot(on_danger: list[Key]) -> object:
    def decide(screen: Screen) -> list[Key]:
        if isinstance(screen, (FactsScreen, AddressScreen)):
            return [Key.PRESS]  # the forward button starts selected
        if isinstance(screen, MessageScreen) and screen.view.tone == "danger":
            return on_danger
        if isinstance(screen, MessageScreen):
            return [Key.RIGHT, Key.PRESS] if len(screen.view.buttons) > 1 else [Key.PRESS]
        return []  # home menu or the signed QR: stop here
    return decide


def test_fake_change_shows_danger_and_is_not_signed_by_pressing_through(
        keystore_path: Path, quiet_sys: Path) -> None:
    from ui.flows.psbt import review

    ctx = unlocked(keystore_path, quiet_sys, _review_pilot([Key.PRESS]))
    run(ctx, go(review, payload=_fake_change_payload()))
    dangers = [s for s in ctx.shown if isinstance(s, MessageScreen) and s.view.tone == "danger"]
    assert dangers, "the fake change was not shown as a danger"
    assert "claims to be our change" in dangers[0].view.body
    # Named as its own screen names it, with what it pays (read from the PSBT by embit).
    forged = PSBT.parse(_fake_change_payload().data)
    titles = [s.view.title for s in ctx.shown if isinstance(s, AddressScreen)]
    assert titles == ["Output 1/2", "Output 2/2"]
    assert forged.outputs[1].bip32_derivations and not forged.outputs[0].bip32_derivations
    amount = format_amount(forged.tx.vout[1].value, ctx.settings.denomination)
    assert dangers[0].view.lead == f"Output 2/2 · {amount}"
    assert not any(isinstance(s, QRScreen) for s in ctx.shown)
    assert any(isinstance(s, MessageScreen) and s.view.title == "Not signed" for s in ctx.shown)
    outputs = [s.view.badge for s in ctx.shown if isinstance(s, AddressScreen)]
    assert "CHANGE" not in outputs  # the thief's "change" is shown as a payment


def test_fake_change_signs_only_after_its_own_acknowledgement(
        keystore_path: Path, quiet_sys: Path) -> None:
    from ui.flows.psbt import review

    ctx = unlocked(keystore_path, quiet_sys, _review_pilot([Key.RIGHT, Key.PRESS]))
    run(ctx, go(review, payload=_fake_change_payload()))
    assert isinstance(ctx.shown[-1], QRScreen)


def test_danger_no_override_lifts_offers_only_reject(keystore_path: Path,
                                                     quiet_sys: Path) -> None:
    from ui.flows.psbt import review

    data = (CORPUS / "sighash-not-standard.psbt").read_bytes()
    ctx = unlocked(keystore_path, quiet_sys, _review_pilot([Key.RIGHT, Key.PRESS]))
    run(ctx, go(review, payload=Payload(PayloadKind.PSBT, data, Format.SINGLE, "binary")))
    dangers = [s for s in ctx.shown if isinstance(s, MessageScreen) and s.view.tone == "danger"]
    assert [[b.label for b in s.view.buttons] for s in dangers] == [["Reject"]]
    assert "0x41" in dangers[0].view.body
    assert not any(isinstance(s, QRScreen) for s in ctx.shown)


def test_inactivity_locks_and_drops_the_seed(keystore_path: Path, quiet_sys: Path) -> None:
    from ui.flows.home import home

    ticks = iter(range(0, 10_000, 100))  # each look at the clock is 100 s later
    ctx = context(keystore_path, quiet_sys, [None] * 10, clock=lambda: next(ticks))
    keystore = Keystore.unlock(keystore_path, PASSPHRASE, kdf_cost_check=False)
    ctx.keystore = keystore
    run(ctx, go(home))
    assert isinstance(ctx.shown[0], MenuScreen)
    assert isinstance(ctx.shown[-1], KeyboardScreen) and ctx.shown[-1].view.title == "Unlock"
    assert ctx.keystore is None and keystore.locked


def test_scanned_address_is_routed_to_verification(keystore_path: Path, quiet_sys: Path,
                                                   tmp_path: Path) -> None:
    """Camera frames (a PNG of the QR, drawn by the qrcode package) -> scan -> verify."""
    import qrcode

    from ui.backends.camera import open_source
    from ui.flows.scan import scan
    from ui.screens.scan import ScanScreen

    address = make_wallet(network=Network.TEST).derive(True, 2).address(Network.TEST.params)
    frame = tmp_path / "frame.png"
    qrcode.make(address, box_size=4).save(frame)

    def decide(screen: Screen) -> list[Key] | None:
        return None if isinstance(screen, ScanScreen) else []

    ctx = unlocked(keystore_path, quiet_sys, decide)
    ctx.camera = open_source([str(frame)], loop=True)
    run(ctx, go(scan))
    assert isinstance(ctx.shown[0], ScanScreen)
    result = ctx.shown[-1]
    assert isinstance(result, AddressScreen) and result.view.badge == "OURS"
    assert result.view.details == ("vault · change #2",)


def test_psbt_signed_through_the_screens_verifies_independently(
        keystore_path: Path, quiet_sys: Path) -> None:
    """Spend from the vault with change: SEND and CHANGE screens, then the signed PSBT comes
    back as QR codes, and its signature checks with an independent BIP-143 digest."""
    from independent import sighash
    from independent.coordinator import Pay, Spend, build_psbt
    from independent.ecdsa import ecdsa_valid

    from ui.flows.psbt import review

    vault = make_wallet(network=Network.TEST)
    raw = build_psbt([Spend(vault, False, 3, 100_000)],
                     [Pay(60_000, external_script()),
                      Pay(39_000, wallet=vault, change=True, index=4)]).serialize()
    payload = Payload(PayloadKind.PSBT, raw, Format.SINGLE, "base64")
    ctx = unlocked(keystore_path, quiet_sys, _review_pilot([]))
    run(ctx, go(review, payload=payload))
    badges = [s.view.badge for s in ctx.shown if isinstance(s, AddressScreen)]
    assert badges == ["SEND", "CHANGE"]
    qr = ctx.shown[-1]
    assert isinstance(qr, QRScreen)
    # Signatures make it outgrow one medium-density QR: one QR again (the request was one),
    # holding only our signatures, said so first and in the caption.
    notes = [s.view.body for s in ctx.shown
             if isinstance(s, MessageScreen) and s.view.title == "Signed"]
    assert len(notes) == 1 and notes[0].startswith("One base64 QR with only our signatures")
    assert (qr.view.caption, qr.view.frame_count) == ("base64 · signatures only", 1)
    from signer.transport.assembler import Assembler

    assembler = Assembler()
    for _ in range(10 * qr.view.frame_count):
        assembler.receive(qr.view.next_frame())
        if assembler.is_complete:
            break
    signed = assembler.result().data
    assert isinstance(signed, bytes)
    tx, utxos, _ = sighash.read_psbt_v0(raw)
    maps = sighash.read_maps_in_order(signed)[1][0]
    signatures = [(k, v) for k, v in maps if k[0] == 0x02]
    assert len(signatures) == 1
    key, value = signatures[0]
    script_code = vault.derive(False, 3).witness_script().data
    digest = sighash.bip143(tx, 0, script_code, utxos[0].amount)  # type: ignore[union-attr]
    assert ecdsa_valid(key[1:], value[:-1], digest), "the signature from the QR does not verify"


def test_scanned_wallet_is_registered_with_our_key_marked(
        keystore_path: Path, quiet_sys: Path) -> None:
    from signer.scripts import ScriptType
    from ui.flows.wallets import register

    savings = make_wallet(ScriptType.P2SH_P2WSH, name="savings", network=Network.TEST)
    payload = Payload(PayloadKind.DESCRIPTOR, savings.wallet.descriptor(), Format.SINGLE)

    def decide(screen: Screen) -> list[Key]:
        return [Key.PRESS] if isinstance(screen, FactsScreen) else []

    ctx = unlocked(keystore_path, quiet_sys, decide)
    run(ctx, go(register, payload=payload))
    policy = ctx.shown[0]
    assert isinstance(policy, FactsScreen)
    marked = [f for f in policy.view.facts if f.marker == "YOU"]
    assert [f.value.split()[0] for f in marked] == ["73c5da0a"]
    assert ctx.shown[-1].view.title == "Registered"  # type: ignore[attr-defined]
    with Keystore.unlock(keystore_path, PASSPHRASE, kdf_cost_check=False) as again:
        assert len(again.wallet_records) == 2


@pytest.mark.parametrize("case", [
    ((0, 1, 2), Network.MAIN, "Network", "for mainnet; the device is set to testnet"),
    ((0, 0, 1), Network.TEST, "Refused", "this device holds 2 of the 3 keys"),
], ids=["other-network", "our-key-twice"])
def test_scanned_wallet_that_cannot_be_used_safely_is_refused_before_asking(
        keystore_path: Path, quiet_sys: Path,
        case: tuple[tuple[int, ...], Network, str, str]) -> None:
    from signer.scripts import ScriptType
    from ui.flows.wallets import register

    cosigners, network, title, refusal = case

    keys = [key_expression(i, network, path=ScriptType.P2WSH.account_path(network, n))
            for n, i in enumerate(cosigners)]
    if cosigners[1] == 0:  # our account-1 key under a made-up fingerprint
        keys[1] = "[f00dbabe" + keys[1][len("[73c5da0a"):]
    text = f"wsh(sortedmulti(2,{','.join(keys)}))"
    ctx = unlocked(keystore_path, quiet_sys,
                   lambda screen: [Key.PRESS] if isinstance(screen, MessageScreen) else [])
    run(ctx, go(register, payload=Payload(PayloadKind.DESCRIPTOR, text, Format.SINGLE)))
    message = ctx.shown[0]
    assert isinstance(message, MessageScreen) and message.view.title == title
    assert refusal in message.view.body and message.view.tone == "danger"
    with Keystore.unlock(keystore_path, PASSPHRASE, kdf_cost_check=False) as again:
        assert len(again.wallet_records) == 1  # the device kit's vault only


def test_first_run_dice_ceremony_stores_the_seed(tmp_path: Path, quiet_sys: Path) -> None:
    """99 dice rolls -> the words -> a quiz (one wrong answer sends us back to the words)
    -> passphrase twice -> an encrypted keystore that unlocks to the same words."""
    from signer.seed.entropy import dice_entropy
    from ui.screens.entropy import EntropyPadScreen
    from ui.screens.words import WordsScreen

    rolls = "3" * 99  # the third face on the pad: RIGHT, RIGHT from "1"
    expected = dice_entropy(rolls, 24).words
    path = tmp_path / "new-keystore"
    state = {"wrong_once": False}

    def decide(screen: Screen) -> list[Key]:
        if isinstance(screen, MenuScreen) and screen.view.title == "New device":
            return [Key.PRESS]  # "New seed: dice"
        if isinstance(screen, EntropyPadScreen):
            return [Key.RIGHT, Key.RIGHT, *[Key.PRESS] * 99, Key.KEY2]
        if isinstance(screen, WordsScreen):
            assert list(screen.view.words) == expected
            return [Key.RIGHT, Key.PRESS]
        position = quiz_position(screen.view.title) if isinstance(screen, MenuScreen) else None
        if position is not None:
            choices = [item.action for item in screen.view.items]
            answer = choices.index(expected[position])
            if not state["wrong_once"]:
                state["wrong_once"] = True
                answer = (answer + 1) % len(choices)
            return [*[Key.DOWN] * answer, Key.PRESS]
        if isinstance(screen, KeyboardScreen):
            return typing_keys(PASSPHRASE)
        if isinstance(screen, MessageScreen):
            return [Key.PRESS]
        return []  # home: done

    ctx = context(path, quiet_sys, new_keystore_kdf=CHEAP_KDF)
    ctx.input = Pilot(lambda: ctx, decide)  # type: ignore[assignment]
    run(ctx)
    assert isinstance(ctx.shown[-1], MenuScreen) and ctx.shown[-1].view.title == "airsign"
    assert sum(isinstance(s, WordsScreen) for s in ctx.shown) == 2  # shown again after a miss
    with Keystore.unlock(path, PASSPHRASE, kdf_cost_check=False) as stored:
        assert stored.mnemonic_words() == expected


def test_entered_words_are_checked_before_they_are_stored(tmp_path: Path,
                                                          quiet_sys: Path) -> None:
    """Twelve words typed on the word keyboard; "abandon" x12 fails its checksum, the last
    word is asked again, "about" makes BIP-39's first test vector."""
    from embit.wordlists.bip39 import WORDLIST

    word_view = KeyboardView("w", mode="word", wordlist=tuple(WORDLIST))
    path = tmp_path / "new-keystore"
    last_words = iter(["abandon", "about"])

    def decide(screen: Screen) -> list[Key]:
        if isinstance(screen, MenuScreen) and screen.view.title == "New device":
            return [Key.DOWN, Key.DOWN, Key.PRESS]  # "Enter 12 words"
        if isinstance(screen, KeyboardScreen) and screen.view.mode == "word":
            word = next(last_words) if screen.view.title == "Word 12/12" else "abandon"
            return typing_keys(word, word_view)
        if isinstance(screen, KeyboardScreen):
            return typing_keys(PASSPHRASE)
        if isinstance(screen, MessageScreen):
            return [Key.PRESS]
        return []

    ctx = context(path, quiet_sys, new_keystore_kdf=CHEAP_KDF)
    ctx.input = Pilot(lambda: ctx, decide)  # type: ignore[assignment]
    run(ctx)
    checksum = [s for s in ctx.shown if isinstance(s, MessageScreen)]
    assert len(checksum) == 1 and checksum[0].view.title == "Words"
    with Keystore.unlock(path, PASSPHRASE, kdf_cost_check=False) as stored:
        assert stored.mnemonic_words() == MNEMONICS[0].split()


def test_words_are_shown_only_after_the_passphrase_again(keystore_path: Path,
                                                         quiet_sys: Path) -> None:
    from ui.flows.seed import reveal
    from ui.screens.words import WordsScreen

    attempts = iter(["guess", PASSPHRASE])

    def decide(screen: Screen) -> list[Key]:
        if isinstance(screen, KeyboardScreen):
            return typing_keys(next(attempts))
        if isinstance(screen, MessageScreen):
            return [Key.PRESS]
        if isinstance(screen, MenuScreen) and screen.view.title == "Seed":
            return [Key.DOWN, Key.PRESS]  # "Show words" again
        return []

    ctx = unlocked(keystore_path, quiet_sys, decide)
    run(ctx, go(reveal, what="words"))
    kinds = [type(s) for s in ctx.shown]
    assert kinds == [KeyboardScreen, MessageScreen, MenuScreen, KeyboardScreen, WordsScreen]
    assert ctx.shown[1].view.title == "Not shown"  # type: ignore[attr-defined]
    assert list(ctx.shown[-1].view.words) == MNEMONICS[0].split()  # type: ignore[attr-defined]


def test_wallet_receive_addresses_match_the_coordinator(keystore_path: Path,
                                                        quiet_sys: Path) -> None:
    from ui.flows.wallets import wallet_list

    vault = make_wallet(network=Network.TEST)
    seen: list[str] = []

    def decide(screen: Screen) -> list[Key]:
        if isinstance(screen, MenuScreen) and screen.view.title == "Wallets":
            return [Key.PRESS]
        if isinstance(screen, FactsScreen):
            return [Key.PRESS]  # "Addresses"
        if isinstance(screen, AddressScreen) and len(seen) < 2:
            seen.append(screen.view.address)
            return [Key.PRESS]  # "Next" starts selected
        return []

    ctx = unlocked(keystore_path, quiet_sys, decide)
    run(ctx, go(wallet_list))
    assert seen == [vault.derive(False, i).address(Network.TEST.params) for i in (0, 1)]


def test_bip39_passphrase_changes_the_signing_fingerprint_until_lock(
        keystore_path: Path, quiet_sys: Path) -> None:
    """The expected fingerprint of "abandon ... about" with passphrase "trezor" comes from
    embit's BIP-39 and BIP-32, not from airsign."""
    from embit import bip39
    from embit.bip32 import HDKey

    from ui.flows.seed import bip39_passphrase

    expected = HDKey.from_seed(bip39.mnemonic_to_seed(MNEMONICS[0], "trezor")).my_fingerprint

    def decide(screen: Screen) -> list[Key]:
        if isinstance(screen, KeyboardScreen):
            return typing_keys("trezor")
        if isinstance(screen, MessageScreen):
            return [Key.PRESS]
        return []

    ctx = unlocked(keystore_path, quiet_sys, decide)
    run(ctx, go(bip39_passphrase))
    assert ctx.fingerprint() == expected != bytes.fromhex("73c5da0a")
    assert ctx.chrome().fingerprint == expected.hex()
    assert expected.hex() in ctx.shown[1].view.body  # type: ignore[attr-defined]
    ctx.lock()
    assert ctx.bip39_passphrase == ""


def test_frames_without_a_qr_end_the_scan_with_the_reason(keystore_path: Path,
                                                          quiet_sys: Path,
                                                          tmp_path: Path) -> None:
    from PIL import Image

    from ui.backends.camera import open_source
    from ui.flows.scan import scan
    from ui.screens.scan import ScanScreen

    blank = tmp_path / "blank.png"
    Image.new("L", (160, 120), 200).save(blank)

    def decide(screen: Screen) -> list[Key] | None:
        return None if isinstance(screen, ScanScreen) else []

    ctx = unlocked(keystore_path, quiet_sys, decide)
    ctx.camera = open_source([str(blank)])
    run(ctx, go(scan))
    reason = ctx.shown[-1]
    assert isinstance(reason, MessageScreen) and "no QR code found" in reason.view.body
