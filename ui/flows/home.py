"""The home menu: Scan, Wallets, Seed, Settings, Lock."""

from ui.flows import Destination, FlowContext, go
from ui.screens.menu import MenuItem, MenuScreen, MenuView

HOME_ITEMS = (
    MenuItem("Scan", "scan"),
    MenuItem("Wallets", "wallets"),
    MenuItem("Seed", "seed"),
    MenuItem("Settings", "settings"),
    MenuItem("Lock", "lock"),
)


def home(ctx: FlowContext) -> Destination | None:
    notice = "" if ctx.settings.network.value == "main" else (
        f"{ctx.settings.network.value.upper()} coins have no value")
    choice = ctx.show(MenuScreen(MenuView("airsign", HOME_ITEMS, can_go_back=False,
                                          notice=notice)))
    if choice.action == "scan":
        from ui.flows.scan import scan

        return go(scan)
    if choice.action == "wallets":
        from ui.flows.wallets import wallet_list

        return go(wallet_list)
    if choice.action == "seed":
        from ui.flows.seed import seed_menu

        return go(seed_menu)
    if choice.action == "settings":
        from ui.flows.settings import settings_menu

        return go(settings_menu)
    ctx.lock()
    from ui.flows.boot import unlock

    return go(unlock)
