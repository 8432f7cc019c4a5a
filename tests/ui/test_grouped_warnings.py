"""A warning raised on many inputs is one screen on the device, naming every other place it
applies (a hostile PSBT within the loader's limits can raise thousands of one caution)."""

from pathlib import Path

from device_kit import device_keystore, loopback_sys
from independent.coordinator import Pay, Spend, build_psbt, external_script, make_wallet
from test_flows import run, unlocked

from signer.network import Network
from signer.transport.types import Format, Payload, PayloadKind
from ui.backends import Key
from ui.flows import go
from ui.flows.psbt import LISTED_ALSO, review
from ui.screens.base import Screen
from ui.screens.facts import FactsScreen
from ui.screens.message import MessageScreen


def test_one_screen_per_kind_of_warning(tmp_path: Path) -> None:
    vault = make_wallet(network=Network.TEST)
    inputs = LISTED_ALSO + 3
    # Only witness UTXOs: every input raises the caution unproven-amount.
    psbt = build_psbt([Spend(vault, False, n, 50_000, full_tx=False) for n in range(inputs)],
                      [Pay(inputs * 50_000 - 5_000, external_script())])
    payload = Payload(PayloadKind.PSBT, psbt.serialize(), Format.SINGLE, "binary")
    warnings: list[MessageScreen] = []

    def pilot(screen: Screen) -> list[Key]:
        if isinstance(screen, MessageScreen) and screen.view.title.startswith("Warning"):
            warnings.append(screen)
            return [Key.RIGHT, Key.PRESS]  # Continue
        if isinstance(screen, FactsScreen) and screen.view.title == "Sign?":
            return []  # the warnings are behind us: stop before signing
        return [Key.PRESS]  # the review's pages

    ctx = unlocked(device_keystore(tmp_path / "ks", vault.wallet), loopback_sys(tmp_path),
                   pilot)
    run(ctx, go(review, payload=payload))
    unproven = [w for w in warnings if "cannot be proven" in w.view.body]
    assert len(unproven) == 1, [w.view.body for w in warnings]  # one screen for all eight
    assert unproven[0].view.lead.startswith(f"Input 1/{inputs}")
    assert unproven[0].view.lead.endswith(f"and {inputs - 1} more")  # seen without scrolling
    body = unproven[0].view.body
    assert f"The same for {inputs - 1} more: Input 2/{inputs}" in body
    assert f"Input {LISTED_ALSO + 1}/{inputs}" in body
    assert f"Input {LISTED_ALSO + 2}/{inputs}" not in body and "and 2 more" in body
