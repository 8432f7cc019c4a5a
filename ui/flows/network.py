"""A PSBT or wallet of another network than the device's: said, never drawn."""

from signer.network import Network
from ui.flows import Destination, FlowContext, go
from ui.screens.base import Button
from ui.screens.message import MessageScreen, MessageView

NAMES = {Network.MAIN: "mainnet", Network.TEST: "testnet", Network.SIGNET: "signet",
         Network.REGTEST: "regtest"}


def wrong_network(ctx: FlowContext, what: str, theirs: Network | None, problem: str,
                  outcome: str) -> Destination | None:
    """A PSBT or wallet of another network (`theirs`; None: one of the test networks, which
    share keys): its addresses would be drawn in this network's encoding (a testnet change as
    bc1…), so none is shown, nothing is signed or registered, and the way to switch is said.
    `problem` (if any) is the signer's precise finding, last for whoever scrolls."""
    from ui.flows.home import home

    device = NAMES[ctx.settings.network]
    other = NAMES[theirs] if theirs is not None else "a test network"
    body = (f"This {what} is for {other}; the device is set to {device}. {outcome} Switch in "
            "Settings → Network, then scan it again.")
    if problem:
        body += f"\n({problem[:1].upper()}{problem[1:]}.)"
    ctx.show(MessageScreen(MessageView("Wrong network", body, (Button("Back", "ok"),),
                                       tone="danger", heading=f"NOT {device.upper()}",
                                       back_action="ok")))
    return go(home)
