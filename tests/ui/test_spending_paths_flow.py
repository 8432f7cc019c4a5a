"""The device's review of miniscript and taproot-tree inputs: after the overview, a "Paths"
page gives each spending path in words, whether this transaction can use it, and who still
has to sign (this device first where it signs); an input no path lets this device sign is
said in red there, then refused with only "Reject". What the page claims is checked against
independent code: BDK (rust-miniscript) finalizes when the page says this device completes
the path, and cannot before.

The device is cosigner 0 (73c5da0a): in the Liana wallet key 1 (primary 2-of-3) and key 4
(alone after 52,560 blocks); PSBTs come from the test coordinator (embit).
"""

import base64
from pathlib import Path

import bdkpython
import pytest
from device_kit import device_keystore, loopback_sys, qr_payload
from embit.psbt import PSBT
from independent import coordinator
from independent.coordinator import (
    Pay,
    Spend,
    build_psbt,
    descriptor_wallet,
    external_script,
    make_wallet,
    tap_fields,
)
from independent.cosigners import root
from test_flows import run, unlocked
from test_hostile_screens import assert_screens_whole
from test_miniscript_wallet import LIANA, RECOVERY_ONLY
from test_taproot_wallet import NO_KEY_PATH, THEIR_INTERNAL, A, B, H

from signer.transport.types import Format, Payload, PayloadKind
from ui import theme
from ui.backends import Key
from ui.demo.pilot import RecordingContext
from ui.flows import go
from ui.flows.psbt import review
from ui.screens.address import AddressScreen
from ui.screens.base import Screen
from ui.screens.facts import FactsScreen
from ui.screens.message import MessageScreen
from ui.screens.qr import QRScreen

PRIMARY, RECOVERY = 0xFFFFFFFD, 52560  # nSequence: RBF only; the recovery path's older()
PRIMARY_WORDS = "any 2 of 73c5da0a (this device, key 1), b8688df1, 28645006, at any time"
RECOVERY_WORDS = ("73c5da0a (this device, key 4) alone, once a coin has not moved for 52,560 "
                  "blocks (about 1 year)")


def _psbt(vault: coordinator.TestWallet, sequence: int = PRIMARY, inputs: int = 1) -> PSBT:
    spends = [Spend(vault, False, 3 + n, 100_000, sequence=sequence) for n in range(inputs)]
    return build_psbt(spends, [Pay(60_000 * inputs, external_script()),
                               Pay(39_000 * inputs, wallet=vault, index=1)])


def _through(screen: Screen) -> list[Key]:
    """Forward on every page and warning (its accepting button), Sign at the end."""
    if isinstance(screen, MessageScreen) and len(screen.view.buttons) > 1:
        return [Key.RIGHT, Key.PRESS]
    if isinstance(screen, (FactsScreen, AddressScreen, MessageScreen)):
        return [Key.PRESS]
    return []  # the signed QR, or home


def _review(tmp_path: Path, vault: coordinator.TestWallet, psbt: PSBT | bytes,
            decide: object = _through) -> RecordingContext:
    raw = psbt if isinstance(psbt, bytes) else psbt.serialize()
    ctx = unlocked(device_keystore(tmp_path / "ks", vault.wallet), loopback_sys(tmp_path),
                   decide)
    run(ctx, go(review, payload=Payload(PayloadKind.PSBT, raw, Format.UR, "crypto-psbt")))
    return ctx


def _paths_page(ctx: RecordingContext) -> FactsScreen:
    page = ctx.shown[1]
    assert isinstance(ctx.shown[0], FactsScreen) and ctx.shown[0].view.title == "Review"
    assert isinstance(page, FactsScreen) and page.view.title == "Paths"
    return page


def _facts(page: FactsScreen) -> list[tuple[str, str]]:
    return [(fact.label, fact.value) for fact in page.view.facts]


def _finalizes(psbt: PSBT) -> bool:
    return bdkpython.Psbt(base64.b64encode(psbt.serialize()).decode()).finalize().could_finalize


def _signed(ctx: RecordingContext) -> PSBT:
    qr = ctx.shown[-1]
    assert isinstance(qr, QRScreen) and qr.view.title == "Signed"
    return PSBT.parse(qr_payload(qr))


def test_primary_path_is_usable_this_device_signs_then_one_more(tmp_path: Path) -> None:
    vault = descriptor_wallet(LIANA, name="Liana vault")
    ctx = _review(tmp_path, vault, _psbt(vault))
    page = _paths_page(ctx)
    assert _facts(page) == [
        ("Input 1/1", "Liana vault"),
        ("Path 1 · usable", PRIMARY_WORDS),
        ("Still to sign", "this device, then 1 more of b8688df1, 28645006"),
        ("Path 2 · not usable now", RECOVERY_WORDS),
    ]
    usable, locked = page.view.facts[1], page.view.facts[3]
    assert (usable.marker, usable.colour) == ("YOU SIGN", theme.SUCCESS)
    assert (locked.marker, locked.colour) == ("", theme.MUTED)
    assert not page.view.notice
    assert isinstance(ctx.shown[2], AddressScreen)  # then the outputs, as before
    signed = _signed(ctx)
    assert not _finalizes(signed)  # "1 more": this device's signature alone is not enough
    assert signed.sign_with(root(2)) == 1  # 28645006 adds theirs (embit)
    assert _finalizes(signed)


def test_a_cosigned_input_is_completed_by_this_device(tmp_path: Path) -> None:
    vault = descriptor_wallet(LIANA, name="Liana vault")
    psbt = _psbt(vault)
    assert psbt.sign_with(root(1)) == 1  # b8688df1 signed first
    ctx = _review(tmp_path, vault, psbt)
    assert _facts(_paths_page(ctx))[2] == ("Still to sign", "this device only: its signature "
                                                            "completes this path")
    assert _finalizes(_signed(ctx))


def test_after_the_timelock_both_paths_are_usable(tmp_path: Path) -> None:
    vault = descriptor_wallet(LIANA, name="Liana vault")
    ctx = _review(tmp_path, vault, _psbt(vault, RECOVERY, inputs=2))
    facts = _facts(_paths_page(ctx))
    assert facts == [
        ("Inputs 1, 2 of 2", "Liana vault"),  # the same paths: listed once
        ("Path 1 · usable", PRIMARY_WORDS),
        ("Still to sign", "this device, then 1 more of b8688df1, 28645006"),
        ("Path 2 · usable", RECOVERY_WORDS),
        ("Still to sign", "this device only: its signature completes this path"),
    ]
    assert _finalizes(_signed(ctx))  # the recovery key's signature completes it


def test_no_path_this_device_can_sign_is_red_then_refused(tmp_path: Path) -> None:
    vault = descriptor_wallet(RECOVERY_ONLY, name="Recovery")
    ctx = _review(tmp_path, vault, _psbt(vault, RECOVERY - 1))
    page = _paths_page(ctx)
    assert page.view.notice == "No path this device can sign: input 1 will not be signed"
    assert page.view.notice_tone == "danger"
    assert _facts(page)[1:] == [
        ("Path 1 · usable", "all of b8688df1, 28645006, at any time"),
        ("Still to sign", "all of b8688df1, 28645006"),
        ("Path 2 · not usable now", "73c5da0a (this device) alone, once a coin has not moved "
                                    "for 52,560 blocks (about 1 year)"),
    ]
    assert not any(fact.marker for fact in page.view.facts)
    danger = next(s for s in ctx.shown if isinstance(s, MessageScreen) and s.view.tone == "danger")
    assert "spending paths" in danger.view.body
    assert [b.label for b in danger.view.buttons] == ["Reject"]  # no "Sign anyway"
    assert not any(isinstance(s, QRScreen) for s in ctx.shown)


def test_taproot_key_path_of_a_cosigner_and_our_leaf(tmp_path: Path) -> None:
    vault = descriptor_wallet(THEIR_INTERNAL, name="Tap vault")
    facts = _facts(_paths_page(_review(tmp_path, vault, _psbt(vault))))
    assert facts == [
        ("Input 1/1", "Tap vault"),
        ("Path 1 · usable", "b8688df1 alone, at any time (key path)"),
        ("Still to sign", "b8688df1"),
        ("Path 2 · usable", "all of 73c5da0a (this device), b8688df1, at any time"),
        ("Still to sign", "this device, then b8688df1"),
        ("Path 3 · usable", "all of b8688df1, 28645006, at any time"),
        ("Still to sign", "all of b8688df1, 28645006"),
    ]


def test_back_from_the_outputs_returns_to_the_paths(tmp_path: Path) -> None:
    vault = descriptor_wallet(LIANA, name="Liana vault")
    steps = iter([[Key.PRESS], [Key.PRESS], [Key.LEFT, Key.PRESS], [Key.LEFT, Key.PRESS]])

    def decide(screen: Screen) -> list[Key]:
        return next(steps, [])

    ctx = _review(tmp_path, vault, _psbt(vault), decide)
    titles = [s.view.title for s in ctx.shown]  # type: ignore[attr-defined]
    assert titles == ["Review", "Paths", "Output 1/2", "Paths", "Review"]


def test_plain_multisig_has_no_paths_page(tmp_path: Path) -> None:
    vault = make_wallet(name="vault")
    ctx = _review(tmp_path, vault, _psbt(vault), lambda screen: [Key.PRESS] if isinstance(
        screen, FactsScreen) else [])
    assert isinstance(ctx.shown[1], AddressScreen)


@pytest.mark.parametrize("sequence", [PRIMARY, RECOVERY])
def test_the_paths_are_the_ones_register_showed(tmp_path: Path, sequence: int) -> None:
    """Every path of the wallet is on the page, usable or not, in the words and order the
    Register? screen and `wallet show` use."""
    vault = descriptor_wallet(LIANA, name="Liana vault")
    page = _paths_page(_review(tmp_path, vault, _psbt(vault, sequence)))
    paths = [f for f in page.view.facts if f.label.startswith("Path ")]
    assert [f.value for f in paths] == vault.wallet.policy_words(root(0).my_fingerprint)


def test_a_contradicted_tree_signed_anyway_says_nothing_was_signed(tmp_path: Path) -> None:
    """The PSBT swaps the leaf script under our control block: "Sign anyway" on the
    script-mismatch danger still adds no signature, and the device says so instead of showing
    an unchanged PSBT as signed."""
    vault = descriptor_wallet(NO_KEY_PATH, name="Tap vault")
    psbt = _psbt(vault)
    (control, _, _), = tap_fields(vault, False, 3).leaves
    (_, weaker, _), = tap_fields(descriptor_wallet(f"tr({H},multi_a(1,{A},{B}))"), False,
                                 3).leaves
    psbt.inputs[0].taproot_scripts[control] = weaker + b"\xc0"
    ctx = _review(tmp_path, vault, psbt)
    danger = next(s for s in ctx.shown if isinstance(s, MessageScreen) and s.view.tone == "danger"
                  and s.view.title.startswith("Warning"))
    assert "leaf script" in danger.view.body
    assert not any(isinstance(s, QRScreen) for s in ctx.shown)
    outcome = next(s for s in ctx.shown if isinstance(s, MessageScreen)
                   and s.view.title == "Not signed")
    assert outcome.view.body.startswith("No signature was added.\nInput 1/1 · ")
    assert "not signed: it names a taproot leaf script" in outcome.view.body


@pytest.mark.parametrize("name", ["tap-leaf-script-swapped", "tap-internal-key-claimed-ours",
                                  "tap-control-block-other-tree", "fake-change-tap-tree"])
def test_taproot_corpus_through_the_device(tmp_path: Path, name: str) -> None:
    """The hostile taproot PSBTs, pressed through at 240x240 by a careless user (every
    warning accepted) with their tree registered: the Paths page shows the registered tree's
    paths (never the PSBT's), every screen is whole, and a contradicted tree is not signed."""
    from attacks.hostile_psbts import CORPUS, tapvault

    ctx = _review(tmp_path, tapvault(), (CORPUS / f"{name}.psbt").read_bytes())
    assert _facts(_paths_page(ctx)) == [
        ("Input 1/1", "tapvault"),
        ("Path 1 · usable", "all of 73c5da0a (this device), b8688df1, at any time"),
        ("Still to sign", "this device, then b8688df1"),
        ("Path 2 · usable", "all of 73c5da0a (this device), 28645006, at any time"),
        ("Still to sign", "this device, then 28645006"),
    ]
    assert_screens_whole(ctx)  # at 240x240, as for the rest of the corpus
    dangers = [s.view.body for s in ctx.shown
               if isinstance(s, MessageScreen) and s.view.title.startswith("Warning")]
    if name == "fake-change-tap-tree":
        assert any(body.startswith("It claims to be our change") for body in dangers)
        badges = [s.view.badge for s in ctx.shown if isinstance(s, AddressScreen)]
        assert badges == ["SEND", "SEND"]
    else:
        assert any("taproot" in body for body in dangers)
        assert ctx.shown[-2].view.title == "Not signed"  # type: ignore[attr-defined]
