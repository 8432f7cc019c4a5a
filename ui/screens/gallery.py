"""One example of every kind of screen, for the reference-image tests, the docs gallery and
the bench. The decisive moments (a danger warning, another network, change, the review's
first page, a wallet to register, the keystore passphrase, a signed reply) are not here:
tests/ui/moments.py reaches them through the real flows and draws docs/gallery/moment-*.png.

    .venv/bin/python -m ui.screens.gallery docs/gallery     # writes NAME-WxH.png
"""

import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from signer.transport.types import Format, Progress
from ui import theme
from ui.screens.address import AddressScreen, AddressView
from ui.screens.base import Button, Screen
from ui.screens.entropy import EntropyPadScreen, EntropyPadView
from ui.screens.keyboard import KeyboardScreen, KeyboardView
from ui.screens.menu import MenuItem, MenuScreen, MenuView
from ui.screens.message import MessageScreen, MessageView
from ui.screens.qr import QRScreen, QRView
from ui.screens.scan import ScanScreen, ScanState
from ui.screens.words import WordsScreen, WordsView
from ui.widgets import Chrome

# Public example data: BIP-173's P2WSH address, the BIP-39 "abandon ... about" fingerprint.
P2WSH_ADDRESS = "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3"
P2WPKH_ADDRESS = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
CHROME = Chrome(fingerprint="73c5da0a", network="main")
SIZES = ((240, 240), (320, 240), (480, 320))
ABANDON_WORDS = ("abandon " * 11 + "about").split()


def _home() -> Screen:
    items = ("Scan", "Wallets", "Seed", "Settings", "Lock")
    return MenuScreen(MenuView("airsign", tuple(MenuItem(i, i.lower()) for i in items),
                               can_go_back=False))


def _home_testnet() -> Screen:
    items = ("Scan", "Wallets", "Seed", "Settings", "Lock")
    return MenuScreen(MenuView("airsign", tuple(MenuItem(i, i.lower()) for i in items),
                               can_go_back=False, notice="TEST coins have no value"))


def _settings() -> Screen:
    rows = (("Network", "main"), ("Units", "BTC"), ("QR density", "medium"), ("QR speed", "6 fps"),
            ("Camera", "0°"), ("Brightness", "100%"), ("Auto-lock", "5 min"),
            ("Fee warning", "1,000,000 sats"), ("Wipe device", ""))
    items = tuple(MenuItem(label, label.lower(), detail, danger=label.startswith("Wipe"))
                  for label, detail in rows)
    return MenuScreen(MenuView("Settings", items, selected=3))


def _airgap() -> Screen:
    return MessageScreen(MessageView(
        "Air-gap",
        "Network hardware found: wlan0 (wifi), hci0 (bluetooth). Remove it or disable it, "
        "then restart. The seed stays locked.",
        (Button("Power off", "off"),), tone="danger", heading="NOT AIR-GAPPED",
        back_action=None,
    ))


def _caution() -> Screen:
    return MessageScreen(MessageView(
        "Fee", "The fee is 6.2% of the amount sent (31,000 sats at 98.4 sat/vB).",
        (Button("Reject", "reject"), Button("Continue", "accept")), tone="caution",
    ))


def _output_external() -> Screen:
    return AddressScreen(AddressView(
        "Output 1/2", P2WSH_ADDRESS, "SEND", theme.OUTPUT_COLOURS["external"],
        amount="0.01 234 567 BTC",
    ))


def _address_not_ours() -> Screen:
    return AddressScreen(AddressView(
        "Address", P2WPKH_ADDRESS, "NOT OURS", theme.DANGER,
        details=("Not found in any registered wallet (checked 0-999 on both chains).",),
        buttons=(Button("Done", "done"),),
    ))


def _address_ours() -> Screen:
    return AddressScreen(AddressView(
        "Address", P2WSH_ADDRESS, "OURS", theme.SUCCESS,
        details=("Family vault · receive #5",), buttons=(Button("Done", "done"),),
    ))


def _word() -> Screen:
    from embit.wordlists.bip39 import WORDLIST

    screen = KeyboardScreen(KeyboardView("Word 3/12", mode="word", wordlist=tuple(WORDLIST)))
    screen.text = "ab"
    screen.cursor = (0, 4)
    return screen


def _dice() -> Screen:
    screen = EntropyPadScreen(EntropyPadView("Dice rolls", 6, 50))
    screen.entered = "3615224616325"
    return screen


def _words() -> Screen:
    return WordsScreen(WordsView("Words", tuple(ABANDON_WORDS)))


def _qr() -> Screen:
    text = "UR:CRYPTO-PSBT/12-40/LPBSCSDEAOCYBNHSZEBNHDDKTLJSTDMYAOTAAVGRBDMTBNQZMNVLNSHNK"
    return QRScreen(QRView("Signed PSBT", lambda: text, caption="UR · medium"))


def _scan() -> Screen:
    progress = Progress(Format.BBQR, 9, 14, missing=(3, 7, 8, 12, 13), estimated_remaining=5)
    preview = Image.linear_gradient("L").resize((320, 240))
    return ScanScreen("Scan", lambda: ScanState(preview, progress, fps=18.0))


SCREENS: dict[str, Callable[[], Screen]] = {
    "home": _home,
    "home-testnet-dev": _home_testnet,
    "settings": _settings,
    "airgap": _airgap,
    "caution": _caution,
    "output-external": _output_external,
    "address-ours": _address_ours,
    "address-not-ours": _address_not_ours,
    "word": _word,
    "dice": _dice,
    "words": _words,
    "qr": _qr,
    "scan": _scan,
}


# Screens drawn with other device status than CHROME: a test network, the developer flag.
CHROMES = {"home-testnet-dev": Chrome("73c5da0a", "test", network_override=True)}


def render(name: str, size: tuple[int, int]) -> Image.Image:
    return SCREENS[name]().render(size, CHROMES.get(name, CHROME))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/gallery")
    out.mkdir(parents=True, exist_ok=True)
    for name in SCREENS:
        for size in SIZES:
            render(name, size).save(out / f"{name}-{size[0]}x{size[1]}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
