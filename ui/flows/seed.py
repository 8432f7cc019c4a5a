"""Seed: export our cosigner key as a QR, show the words or the SeedQR after the passphrase
is entered again, and compare a scanned seed with ours."""

from signer.errors import AirsignError
from signer.transport.types import Payload
from ui.flows import Destination, FlowContext, go
from ui.screens.keyboard import KeyboardScreen, KeyboardView
from ui.screens.menu import MenuItem, MenuScreen, MenuView
from ui.screens.qr import QRScreen, QRView
from ui.screens.words import WordsScreen, WordsView

SEED_ITEMS = (
    MenuItem("Export cosigner key", "export"),
    MenuItem("Show words", "words"),
    MenuItem("Show SeedQR", "seedqr"),
    MenuItem("BIP-39 passphrase", "bip39"),
)


def seed_menu(ctx: FlowContext) -> Destination | None:
    from ui.flows.home import home

    choice = ctx.show(MenuScreen(MenuView("Seed", SEED_ITEMS)))
    if choice.action == "export":
        return go(export_key)
    if choice.action in ("words", "seedqr"):
        return go(reveal, what=choice.action)
    if choice.action == "bip39":
        return go(bip39_passphrase)
    return go(home)


def bip39_passphrase(ctx: FlowContext) -> Destination | None:
    """Use the seed with a BIP-39 passphrase until the device locks (it is never stored);
    an empty passphrase goes back to the plain seed."""
    # Titles stay short enough to fit beside the fingerprint and the TEST badge at 240x240.
    view = KeyboardView("BIP-39", "Passphrase for this session only (empty: none)", masked=True,
                        initial=ctx.bip39_passphrase)
    choice = ctx.show(KeyboardScreen(view))
    if choice.action == "done":
        ctx.bip39_passphrase = choice.text
        ctx.message("BIP-39",
                    f"Now signing as {ctx.fingerprint().hex()}. Check that your coordinator "
                    "shows this fingerprint: another passphrase is another wallet.")
    return go(seed_menu)


EXPORT_ITEMS = (
    MenuItem("Key with origin", "origin", "1 QR"),
    MenuItem("UR crypto-account", "ur", "UR"),
    MenuItem("Electrum key", "electrum", "1 QR"),
)


def export_key(ctx: FlowContext) -> Destination | None:
    """The BIP-48 P2WSH account key: with its origin, [fingerprint/48h/0h/0h/2h]xpub..., for
    Specter and descriptor-based coordinators; as UR crypto-account (Sparrow, Nunchuk, Keeper,
    BlueWallet scan it), animated if it needs more than one frame; or as Electrum's cosigner
    dialog takes it (Zpub/Vpub without origin: it refuses the origin)."""
    from signer.export import account_ur, cosigner_export
    from signer.scripts import ScriptType
    from signer.transport.encoders import encode_frames
    from signer.transport.types import Format, PayloadKind

    choice = ctx.show(MenuScreen(MenuView("Cosigner key", EXPORT_ITEMS)))
    if choice.action == "origin":
        text = cosigner_export(ctx.root(), ctx.settings.network).origin_text()
        ctx.show(QRScreen(QRView("Cosigner key", lambda: text, caption="p2wsh 48h",
                                 can_switch=False)))
    elif choice.action == "electrum":
        text = cosigner_export(ctx.root(), ctx.settings.network).electrum_text()
        ctx.show(QRScreen(QRView("Electrum key", lambda: text, caption="p2wsh 48h",
                                 can_switch=False)))
    elif choice.action == "ur":
        account = account_ur(ctx.root(), ctx.settings.network, [ScriptType.P2WSH])
        frames = encode_frames(Payload(PayloadKind.ACCOUNT, account.cbor, Format.UR), Format.UR,
                               density=ctx.settings.qr_density)
        ctx.show(QRScreen(QRView("Cosigner key", frames.next_frame, len(frames.frames),
                                 frames.qr_version, fps=ctx.settings.qr_fps,
                                 caption="ur · p2wsh 48h", can_switch=False)))
    return go(seed_menu)


def reveal(ctx: FlowContext, what: str) -> Destination | None:
    choice = ctx.show(KeyboardScreen(KeyboardView("Show seed", "Keystore passphrase again",
                                                  masked=True)))
    if choice.action == "back":
        return go(seed_menu)
    try:
        ctx.keystore.confirm_passphrase(choice.text)
    except AirsignError as exc:
        ctx.message("Not shown", str(exc), tone="caution")
        if ctx.keystore.locked:  # a wipe after too many failures locked it
            ctx.keystore = None
            from ui.flows.boot import start

            return go(start)
        return go(seed_menu)
    words = ctx.keystore.mnemonic_words()
    if what == "words":
        ctx.show(WordsScreen(WordsView("Words", tuple(words))))
    else:
        from signer.transport.seedqr import encode_standard

        digits = encode_standard(words)
        ctx.show(QRScreen(QRView("SeedQR", lambda: digits, can_switch=False)))
    return go(seed_menu)


def compare_seed(ctx: FlowContext, payload: Payload) -> Destination | None:
    from signer.seed.importing import words_from_payload
    from ui.flows.home import home

    scanned = words_from_payload(payload)
    if scanned == ctx.keystore.mnemonic_words():
        ctx.message("Seed check", "The scanned seed is the seed on this device.",
                    tone="success")
    else:
        ctx.message("Seed check", "The scanned seed is NOT the seed on this device.",
                    tone="danger")
    return go(home)
