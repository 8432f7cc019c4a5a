"""Registering a miniscript wallet on the device: Register? lists every spending path in
words (ours marked) before the keys, and the first receive address embit derives."""

from pathlib import Path

from device_kit import device_keystore, loopback_sys
from independent.coordinator import descriptor_wallet
from test_flows import run, unlocked
from test_miniscript_wallet import LIANA

from signer.network import Network
from signer.transport.single import classify
from ui.backends import Key
from ui.flows import go
from ui.flows.wallets import register
from ui.screens.base import Screen
from ui.screens.facts import FactsScreen


def test_register_shows_each_spending_path(tmp_path: Path) -> None:
    def cancel(screen: Screen) -> list[Key]:
        return [Key.LEFT, Key.PRESS] if isinstance(screen, FactsScreen) else []  # to Cancel

    ctx = unlocked(device_keystore(tmp_path / "ks"), loopback_sys(tmp_path), cancel)
    run(ctx, go(register, payload=classify(LIANA)))
    screen = ctx.shown[0]
    assert isinstance(screen, FactsScreen) and screen.view.title == "Register?"
    facts = {fact.label: fact.value for fact in screen.view.facts}
    assert facts["Name"].startswith("miniscript ")
    assert facts["Path 1"] == ("any 2 of 73c5da0a (this device, key 1), b8688df1, 28645006, at "
                               "any time")
    assert facts["Path 2"] == ("73c5da0a (this device, key 4) alone, once a coin has not moved "
                               "for 52,560 blocks (about 1 year)")
    # the keys as the paths name them: this seed's two keys by their number
    assert facts["Key 1 · m/48h/1h/0h/2h"].startswith("73c5da0a\n")
    assert facts["Key 4 · m/48h/1h/0h/2h"].startswith("73c5da0a · /<2;3>/*\n")
    expected = descriptor_wallet(LIANA).derive(False, 0).address(Network.TEST.params)
    assert facts["Receive #0"].replace(" ", "") == expected
    assert not ctx.keystore.wallet_records  # cancelled: nothing registered
