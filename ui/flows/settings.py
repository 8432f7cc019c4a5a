"""Settings: pick a setting, pick a value; every change is saved into the keystore at once."""

import dataclasses
from dataclasses import dataclass
from typing import Any

from signer.errors import AirsignError
from signer.network import Network
from signer.settings import DENOMINATIONS, QR_DENSITIES
from ui.flows import Destination, FlowContext, go
from ui.screens.menu import MenuItem, MenuScreen, MenuView


@dataclass(frozen=True)
class Option:
    field: str  # the Settings attribute
    label: str
    values: tuple[Any, ...]

    def describe(self, value: Any) -> str:
        if self.field == "auto_lock_seconds":
            return "off" if value == 0 else f"{value // 60} min" if value >= 60 else f"{value} s"
        if self.field == "wipe_after_failures":
            return "never" if value == 0 else f"after {value}"
        if isinstance(value, bool):
            return "on" if value else "off"
        if self.field == "camera_rotation":
            return f"{value}°"
        if self.field in {"brightness", "high_fee_percent"}:
            return f"{value:g}%"
        if self.field == "qr_fps":
            return f"{value:g} fps"
        if self.field == "high_fee_sats":
            return f"{value:,} sats"
        return str(value)


OPTIONS = (
    Option("network", "Network", tuple(Network)),
    Option("denomination", "Units", DENOMINATIONS),
    Option("qr_density", "QR density", QR_DENSITIES),
    Option("qr_fps", "QR speed", (2.0, 4.0, 6.0, 8.0, 10.0, 15.0)),
    Option("camera_rotation", "Camera rotation", (0, 90, 180, 270)),
    Option("camera_mirror", "Camera mirror", (False, True)),
    Option("brightness", "Brightness", (40, 60, 80, 100)),
    Option("auto_lock_seconds", "Auto-lock", (60, 300, 900, 0)),
    Option("high_fee_sats", "Fee warning", (100_000, 500_000, 1_000_000, 5_000_000)),
    Option("high_fee_percent", "Fee warning %", (1.0, 2.0, 5.0, 10.0)),
    Option("wipe_after_failures", "Wipe on failures", (0, 5, 10, 20)),
)


WIPE_WORD = "WIPE"


def settings_menu(ctx: FlowContext, selected: int = 0) -> Destination | None:
    settings = ctx.settings
    items = tuple(
        MenuItem(o.label, o.field, o.describe(getattr(settings, o.field))) for o in OPTIONS
    ) + (MenuItem("Wipe device", "wipe", danger=True),)
    choice = ctx.show(MenuScreen(MenuView("Settings", items, selected=selected)))
    if choice.action == "back":
        from ui.flows.home import home

        return go(home)
    if choice.action == "wipe":
        return go(wipe_device)
    return go(pick_value, option_index=choice.index)


def wipe_device(ctx: FlowContext) -> Destination | None:
    """Destroy the stored seed, its wallets and settings: a danger screen (Cancel selected),
    then the word WIPE typed on the keyboard. Anything else goes back untouched."""
    from signer.keystore import Keystore
    from ui.screens.keyboard import KeyboardScreen, KeyboardView

    back = go(settings_menu, selected=len(OPTIONS))
    if not ctx.confirm("Wipe device",
                       "This destroys the seed, the registered wallets and the settings on "
                       "this device. Without your written words the coins are lost.",
                       "Wipe", tone="danger"):
        return back
    typed = ctx.show(KeyboardScreen(KeyboardView("Wipe device", f"Type {WIPE_WORD}")))
    if typed.action == "back" or typed.text.strip().upper() != WIPE_WORD:
        ctx.message("Not wiped", "Nothing was changed.")
        return back
    try:
        Keystore.wipe(ctx.keystore_path)
    except AirsignError as exc:
        ctx.message("Not wiped", str(exc), tone="danger")
        return back
    ctx.lock()
    ctx.message("Wiped", "The seed is gone from this device. It starts as new.",
                tone="success")
    from ui.flows.boot import start

    return go(start)


def pick_value(ctx: FlowContext, option_index: int) -> Destination | None:
    option = OPTIONS[option_index]
    current = getattr(ctx.settings, option.field)
    items = tuple(MenuItem(option.describe(v), str(i)) for i, v in enumerate(option.values))
    selected = option.values.index(current) if current in option.values else 0
    choice = ctx.show(MenuScreen(MenuView(option.label, items, selected=selected)))
    if choice.action != "back":
        value = option.values[choice.index]
        keystore = ctx.keystore
        previous = keystore.settings
        try:
            keystore.settings = dataclasses.replace(previous, **{option.field: value})
            keystore.save()
        except AirsignError as exc:
            keystore.settings = previous
            ctx.message("Not saved", str(exc), tone="caution")
        ctx.apply_settings()
    return go(settings_menu, selected=option_index)
