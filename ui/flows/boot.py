"""Boot: the air-gap check, then unlock (or the first-run seed ceremony), then home."""

from signer.airgap import check_air_gap
from signer.errors import AirsignError, KeystoreLockedOut, UnlockFailed
from ui.flows import Destination, FlowContext, go
from ui.screens.base import Button
from ui.screens.keyboard import KeyboardScreen, KeyboardView
from ui.screens.message import MessageScreen, MessageView


def start(ctx: FlowContext) -> Destination | None:
    """Refuse to go further while network hardware is present, unless the developer flag
    was given (then every screen carries a red banner)."""
    while True:
        report = check_air_gap(ctx.sys_class)
        if report.ok or ctx.dev_allow_network:
            break
        view = MessageView(
            "Air-gap",
            f"{report.summary().capitalize()}. Remove or disable it, then check again. "
            "The seed stays locked.",
            (Button("Power off", "off"), Button("Check again", "retry")),
            tone="danger", heading="NOT AIR-GAPPED", back_action=None, selected=1,
        )
        if ctx.show(MessageScreen(view)).action == "off":
            return None
    from signer.keystore import Keystore

    if not Keystore.exists(ctx.keystore_path):
        from ui.flows.ceremony import first_run

        return go(first_run)
    return go(unlock)


def unlock(ctx: FlowContext) -> Destination | None:
    from signer.keystore import Keystore

    choice = ctx.show(KeyboardScreen(KeyboardView("Unlock", "Keystore passphrase", masked=True)))
    if choice.action == "back" or not choice.text:
        return go(unlock)
    try:
        ctx.keystore = Keystore.unlock(ctx.keystore_path, choice.text,
                                       kdf_cost_check=ctx.kdf_cost_check)
    except (UnlockFailed, KeystoreLockedOut) as exc:
        ctx.message("Not unlocked", str(exc), tone="caution", button="Try again")
        return go(unlock) if Keystore.exists(ctx.keystore_path) else go(start)
    except AirsignError as exc:
        ctx.message("Cannot unlock", str(exc), tone="danger")
        return go(unlock)
    ctx.apply_settings()
    from ui.flows.home import home

    return go(home)
