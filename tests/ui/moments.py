"""The decisive moments of issue 12, each reached through the real flows with headless
backends, as a user meets them: a danger warning, a PSBT or wallet of another network, a
change output (with the TEST badge and the developer banner), a transfer to another wallet
of this seed, the review's first page, a wallet to register, the first-run keystore
passphrase, and a signed reply with a signatures-only offer. Issue 13's: the spending paths of
a Liana-style miniscript input, Register? of that wallet and of a taproot
tr(H, sortedmulti_a(2,...)) wallet, a message to sign and its signature's QR.

The device is cosigner 0 ("abandon ... about", fingerprint 73c5da0a) of the independent test
coordinator's 2-of-3 wallet, named "Family vault" here; PSBTs are built by that coordinator
(embit), never by airsign. tests/ui/test_moments.py checks each moment's flow and layout and
compares its image with tests/ui/reference/ and docs/gallery/.
"""

import contextlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from device_kit import PASSPHRASE, device_keystore, loopback_sys
from independent.coordinator import (
    Pay,
    Spend,
    TestWallet,
    build_psbt,
    descriptor_wallet,
    external_script,
    make_wallet,
)
from independent.cosigners import MNEMONICS
from PIL import Image
from test_miniscript_wallet import LIANA
from test_taproot_wallet import SORTED

from signer.keystore import Keystore
from signer.network import Network
from signer.transport.single import classify
from signer.transport.types import Format, Payload, PayloadKind
from ui.app import run_flows
from ui.backends import InputClosed, Key
from ui.backends.display import RecorderDisplay
from ui.demo.pilot import Pilot, RecordingContext
from ui.flows import Destination, go
from ui.screens.address import AddressScreen
from ui.screens.base import Screen
from ui.screens.facts import FactsScreen
from ui.screens.keyboard import KeyboardScreen
from ui.screens.message import MessageScreen
from ui.screens.qr import QRScreen
from ui.theme import Metrics
from ui.widgets import Chrome

SIZES = ((240, 240), (320, 240), (480, 320))
WALLET_NAME = "Family vault"
CHANGE_INDEX = 14
LIANA_NAME, TAPROOT_NAME = "Liana vault", "Taproot vault"
# A SeedSigner request: longer than one page at every size, so the review screen scrolls.
MESSAGE = ("I, the holder of this address, confirm that I control it and agree to the terms "
           "of the cooperative savings pact, Lisbon, 2 December 2026.")
MESSAGE_PATH = "m/84h/1h/0h/0/7"


def vault(network: Network = Network.TEST) -> TestWallet:
    return make_wallet(network=network, name=WALLET_NAME)


def savings() -> TestWallet:
    """A second wallet of this seed (BIP-48 account 1): paying it is a transfer, not change."""
    return make_wallet(network=Network.TEST, name="Savings", account=1)


def transfer_psbt() -> bytes:
    """The vault pays an outsider and moves the rest to Savings' change chain."""
    return build_psbt([Spend(vault(), False, 3, 100_000)],
                      [Pay(60_000, external_script()),
                       Pay(39_000, wallet=savings(), change=True, index=CHANGE_INDEX)]).serialize()


def fake_change_psbt() -> bytes:
    """Output 2/2 carries the vault's change derivations but pays a thief's script."""
    forged = Pay(39_000, external_script("thief"), derivations=vault().derivations(True, 1))
    return build_psbt([Spend(vault(), False, 3, 100_000)],
                      [Pay(60_000, external_script()), forged]).serialize()


def change_psbt(inputs: int = 1) -> bytes:
    """A payment with change back to the vault at CHANGE_INDEX (testnet encodings)."""
    spends = [Spend(vault(), False, 3 + n, 100_000) for n in range(inputs)]
    change = 100_000 * inputs - 60_000 - 1_000 * inputs
    return build_psbt(spends, [Pay(60_000, external_script()),
                               Pay(change, wallet=vault(), change=True,
                                   index=CHANGE_INDEX)]).serialize()


def liana() -> TestWallet:
    """Liana's timelocked recovery: key 1 (this seed) in a 2-of-3, key 4 (this seed on
    chains <2;3>) alone after 52,560 blocks."""
    return descriptor_wallet(LIANA, name=LIANA_NAME)


def taproot() -> TestWallet:
    """tr(H, sortedmulti_a(2, A, B, C)): a 2-of-3 leaf, no key path."""
    return descriptor_wallet(SORTED, name=TAPROOT_NAME)


def liana_psbt() -> bytes:
    """The Liana wallet pays out with change, nSequence RBF only: the primary path."""
    return build_psbt([Spend(liana(), False, 3, 200_000)],
                      [Pay(150_000, external_script()),
                       Pay(49_000, wallet=liana(), index=1)]).serialize()


@dataclass
class Run:
    """One scripted run: where it starts and which screen is the moment."""

    first: Callable[[], Destination | None]
    is_moment: Callable[[Screen], bool]
    network: Network = Network.TEST
    registered: bool = True
    also_registered: tuple[Callable[[], TestWallet], ...] = ()  # more wallets of this seed
    dev_banner: bool = False
    fresh: bool = False  # no keystore yet: the first run
    press: Callable[[Screen], list[Key]] = field(default=lambda screen: [Key.PRESS])
    scroll_to: str = ""  # DOWN on the moment's screen until this label is its first line


@dataclass(frozen=True)
class Moment:
    image: Image.Image  # the last frame the display showed (scrolled as the run asks)
    screen: Screen  # the screen showing it (its state as drawn)
    chrome: Chrome
    shown: tuple[Screen, ...]  # every screen of the run, in order


def _review(raw: bytes) -> Callable[[], Destination]:
    def first() -> Destination:
        from ui.flows.psbt import review

        return go(review, payload=Payload(PayloadKind.PSBT, raw, Format.UR, "crypto-psbt"))
    return first


def _register(network: Network) -> Callable[[], Destination]:
    """The vault as Specter exports it: a JSON wallet file with its label."""
    def first() -> Destination:
        from ui.flows.wallets import register

        text = json.dumps({"label": WALLET_NAME, "blockheight": 0,
                           "descriptor": vault(network).wallet.descriptor()})
        return go(register, payload=Payload(PayloadKind.WALLET_FILE, text, Format.UR))
    return first


def _register_wallet(make: Callable[[], TestWallet]) -> Callable[[], Destination]:
    """A miniscript or taproot wallet as a JSON wallet file with its label."""
    def first() -> Destination:
        from ui.flows.wallets import register

        wallet = make()
        text = json.dumps({"label": wallet.wallet.name, "descriptor": str(wallet.descriptor)})
        return go(register, payload=Payload(PayloadKind.WALLET_FILE, text, Format.UR))
    return first


def _sign_message() -> Destination:
    from ui.flows.scan import route

    return route(classify(f"signmessage {MESSAGE_PATH} ascii:{MESSAGE}"))


def _choose_passphrase() -> Destination:
    from ui.flows.ceremony import choose_passphrase

    return go(choose_passphrase, words=MNEMONICS[0])


def _titled(kind: type, title: str) -> Callable[[Screen], bool]:
    return lambda screen: isinstance(screen, kind) and screen.view.title == title  # type: ignore[attr-defined]


def _through_warnings(screen: Screen) -> list[Key]:
    """Forward everywhere; on a warning, its accepting button (the second)."""
    if isinstance(screen, MessageScreen) and len(screen.view.buttons) > 1:
        return [Key.RIGHT, Key.PRESS]
    return [Key.PRESS]


RUNS: dict[str, Run] = {
    "danger": Run(_review(fake_change_psbt()),
                  lambda s: isinstance(s, MessageScreen) and s.view.tone == "danger"),
    "network-psbt": Run(_review(change_psbt()), _titled(MessageScreen, "Network"),
                        network=Network.MAIN, registered=False),
    "network-wallet": Run(_register(Network.TEST), _titled(MessageScreen, "Network"),
                          network=Network.MAIN, registered=False),
    "overview": Run(_review(change_psbt()), _titled(FactsScreen, "Review"), dev_banner=True),
    "change": Run(_review(change_psbt()),
                  lambda s: isinstance(s, AddressScreen) and s.view.badge == "CHANGE",
                  dev_banner=True),
    "transfer": Run(_review(transfer_psbt()),
                    lambda s: isinstance(s, AddressScreen) and s.view.badge == "TRANSFER",
                    also_registered=(savings,)),
    "register": Run(_register(Network.TEST), _titled(FactsScreen, "Register?"),
                    registered=False),
    "passphrase": Run(_choose_passphrase, lambda s: isinstance(s, KeyboardScreen), fresh=True),
    "sigs-only": Run(_review(change_psbt(inputs=3)), lambda s: isinstance(s, QRScreen),
                     press=_through_warnings),
    "paths": Run(_review(liana_psbt()), _titled(FactsScreen, "Paths"), registered=False,
                 also_registered=(liana,)),
    # Register? scrolled to the spending paths, as the user reads them
    "register-liana": Run(_register_wallet(liana), _titled(FactsScreen, "Register?"),
                          registered=False, scroll_to="Path 1"),
    "register-taproot": Run(_register_wallet(taproot), _titled(FactsScreen, "Register?"),
                            registered=False, scroll_to="Path 1"),
    "message": Run(_sign_message, _titled(FactsScreen, "Message"), registered=False),
    "message-qr": Run(_sign_message, _titled(QRScreen, "Signature"), registered=False,
                      press=lambda s: [Key.RIGHT, Key.PRESS]),  # Cancel starts selected
    # Not imaged: the offer taken (RIGHT on the signed QR), ending on the signatures' QR.
    "sigs-only-taken": Run(_review(change_psbt(inputs=3)), _titled(QRScreen, "Signatures"),
                           press=lambda s: [Key.RIGHT] if isinstance(s, QRScreen)
                           else _through_warnings(s)),
}
IMAGED = tuple(name for name in RUNS if name != "sigs-only-taken")


def reach(name: str, size: tuple[int, int], **context: Any) -> Moment:
    """Run moment `name`'s flow at `size` until its screen is on the display."""
    run = RUNS[name]
    with tempfile.TemporaryDirectory(prefix="airsign-moment-") as scratch:
        root = Path(scratch)
        path = root / "keystore"
        if not run.fresh:
            device_keystore(path, vault().wallet if run.registered else None, run.network,
                            also=tuple(make().wallet for make in run.also_registered))
        display = RecorderDisplay(size)
        ctx = RecordingContext(display, None, path,  # type: ignore[arg-type]
                               sys_class=loopback_sys(root), kdf_cost_check=False,
                               dev_allow_network=run.dev_banner, **context)
        ctx.shown = []
        if not run.fresh:
            ctx.keystore = Keystore.unlock(path, PASSPHRASE, kdf_cost_check=False)

        def decide(screen: Screen) -> list[Key]:
            return [] if run.is_moment(screen) else run.press(screen)

        ctx.input = Pilot(lambda: ctx, decide)  # type: ignore[arg-type]
        with contextlib.suppress(InputClosed):  # the pilot stops at the moment
            run_flows(ctx, run.first())
        chrome = ctx.chrome()
        ctx.lock()
    screen = ctx.shown[-1]
    assert run.is_moment(screen), f"{name}: the flow ended on {screen!r}, not its moment"
    image = display.frames[-1]
    if run.scroll_to:
        _scroll_to(screen, run.scroll_to, size, chrome)
        image = screen.render(size, chrome)  # what the panel shows after those presses
    return Moment(image, screen, chrome, tuple(ctx.shown))


def _scroll_to(screen: Screen, label: str, size: tuple[int, int], chrome: Chrome) -> None:
    title_bottom = Metrics.for_size(size).title_height
    for _ in range(100):
        body = [t for t in screen.layout(size, chrome).texts if t.box[1] >= title_bottom]
        if body and min(body, key=lambda text: text.box[1]).text == label:
            return
        screen.handle(Key.DOWN)
    raise AssertionError(f"{label!r} never reached the top of the screen")
