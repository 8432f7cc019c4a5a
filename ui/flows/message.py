"""Sign a message: a scanned SeedSigner `signmessage` request, or scanned text signed with an
address the user picks. The whole message and the address are shown before anything is signed;
the signature goes out as a QR and as text."""

from signer.message import (
    MessageFormat,
    SigningKey,
    key_at,
    message_text,
    parse_request,
    sign_message,
)
from signer.scripts import HARDENED, ScriptType
from signer.transport.types import Payload
from ui import theme
from ui.flows import Destination, FlowContext, go
from ui.screens.base import Button
from ui.screens.facts import Fact, FactsScreen, FactsView
from ui.screens.menu import MenuItem, MenuScreen, MenuView
from ui.screens.message import MessageScreen, MessageView
from ui.screens.qr import QRScreen, QRView
from ui.widgets import address_groups

# The address types offered for a bare text, at account 0, receive index 0.
ADDRESS_CHOICES = ((84, "Native segwit"), (86, "Taproot"), (49, "Nested segwit"), (44, "Legacy"))


def sign_request(ctx: FlowContext, payload: Payload) -> Destination | None:
    from ui.flows.home import home

    data = payload.data if isinstance(payload.data, bytes) else str(payload.data)
    request = parse_request(data)
    root = ctx.root()
    network = ctx.settings.network
    if request.path is not None:
        key = key_at(root, request.path, network)
        # A SeedSigner request is answered as SeedSigner and Sparrow read it: the legacy
        # (BIP-137) form, except taproot, which only BIP-322 can sign.
        fmt = MessageFormat.BIP322 if key.script_type is ScriptType.P2TR else MessageFormat.LEGACY
    else:
        key = _pick_key(ctx)
        if key is None:
            return go(home)
        fmt = MessageFormat.BIP322
    if not _agreed(ctx, key, request.message, fmt):
        return go(home)
    signed = sign_message(root, key, request.message, fmt)
    view = QRView("Signature", lambda: signed.signature, caption=str(fmt), can_switch=False)
    ctx.show(QRScreen(view))
    ctx.show(MessageScreen(MessageView("Signature", signed.signature,
                                       (Button("Done", "ok"),))))
    return go(home)


def _pick_key(ctx: FlowContext) -> SigningKey | None:
    """Which of this seed's first receive addresses signs a text that names none."""
    network = ctx.settings.network
    root = ctx.root()
    keys = {}
    items = []
    for purpose, label in ADDRESS_CHOICES:
        path = (purpose + HARDENED, network.coin_type + HARDENED, HARDENED, 0, 0)
        keys[str(purpose)] = key_at(root, path, network)
        items.append(MenuItem(label, str(purpose), detail=keys[str(purpose)].address[:8] + "…"))
    choice = ctx.show(MenuScreen(MenuView("Sign with", tuple(items)))).action
    return keys.get(choice)


def _agreed(ctx: FlowContext, key: SigningKey, message: bytes, fmt: MessageFormat) -> bool:
    facts = (
        Fact(f"Message · {len(message)} bytes", message_text(message) or "(empty)"),
        # in groups of four, as every address on the device, to compare with the wallet's
        Fact("Signed by address", " ".join(address_groups(key.address)), theme.INFO),
        Fact("Path", key.path_text),
        Fact("Format", "BIP-322" if fmt is MessageFormat.BIP322 else "Legacy (BIP-137)"),
    )
    view = FactsView("Message", facts, (Button("Cancel", "cancel"), Button("Sign", "sign")),
                     back_action="cancel", selected=0)
    return ctx.show(FactsScreen(view)).action == "sign"
