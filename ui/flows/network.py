"""A PSBT or wallet of another network than the device's: said, never drawn."""

from signer.network import Network
from ui.flows import Destination, FlowContext, go
from ui.screens.base import Button
from ui.screens.message import MessageScreen, MessageView

NAMES = {Network.MAIN: "mainnet", Network.TEST: "testnet", Network.SIGNET: "signet",
         Network.REGTEST: "regtest"}


def wrong_network(ctx: FlowContext, outcome: str, theirs: Network | None = None,
                  detail: str = "") -> Destination | None:
    """A PSBT or wallet of another network than the device's (`theirs` when known; None for
    the test networks, which share keys): its addresses would be drawn in the device's
    encoding (a testnet change as bc1…), so none is shown and nothing is signed or registered.
    The screen says so (`outcome`), then how to switch, then the signer's finding (`detail`)."""
    from ui.flows.home import home

    device = ctx.settings.network
    other = NAMES[theirs] if theirs is not None else (
        "mainnet" if device.is_test else "a test network")
    switch = (f"To use it, switch to {other}" if theirs is not None
              else f"If it is for {other}, switch")
    body = f"{outcome} {switch} in Settings → Network, then scan it again."
    if detail:
        body += f"\n{detail[:1].upper()}{detail[1:]}."
    ctx.show(MessageScreen(MessageView("Network", body, (Button("Back", "ok"),),
                                       tone="danger", heading=f"NOT {NAMES[device].upper()}",
                                       back_action="ok")))
    return go(home)
