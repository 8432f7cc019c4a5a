"""One example of every screen, for the reference-image tests, the docs gallery and the bench.

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
from ui.screens.facts import Fact, FactsScreen, FactsView
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


def _danger() -> Screen:
    return MessageScreen(MessageView(
        "Warning 1/2",
        "Output 2 claims to be change but its keys are not this wallet's. Signing may send "
        "0.50 000 000 BTC to an attacker.",
        (Button("Reject", "reject"), Button("Sign anyway", "accept")),
        tone="danger",
    ))


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


def _overview() -> Screen:
    return FactsScreen(FactsView("Review", (
        Fact("Wallet", "Family vault · 2 of 3"),
        Fact("Sending", "0.01 234 567 BTC", theme.ACCENT),
        Fact("To", "1 address, plus change", theme.TEXT),
        Fact("Fee", "1,420 sats · 10.1 sat/vB"),
        Fact("Inputs", "3, all from this wallet"),
    ), (Button("Reject", "reject"), Button("Review", "next"))))


def _output_external() -> Screen:
    return AddressScreen(AddressView(
        "Output 1/2", P2WSH_ADDRESS, "SEND", theme.OUTPUT_COLOURS["external"],
        amount="0.01 234 567 BTC",
    ))


def _output_change() -> Screen:
    return AddressScreen(AddressView(
        "Output 2/2", P2WPKH_ADDRESS, "CHANGE", theme.OUTPUT_COLOURS["change"],
        amount="98,765 sats", details=("Family vault · change #14",),
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


def _policy() -> Screen:
    return FactsScreen(FactsView("Register?", (
        Fact("Name", "Family vault"),
        Fact("Policy", "2 of 3 · native segwit (p2wsh)"),
        Fact("Cosigner 1", "73c5da0a  m/48h/0h/0h/2h", theme.SUCCESS, marker="YOU"),
        Fact("Cosigner 2", "f57ec65d  m/48h/0h/0h/2h"),
        Fact("Cosigner 3", "b7e2a23a  m/48h/0h/0h/2h"),
    ), (Button("Cancel", "cancel"), Button("Register", "register"))))


def _passphrase() -> Screen:
    screen = KeyboardScreen(KeyboardView("Unlock", "Passphrase", masked=True))
    screen.text = "correct horse"
    screen.cursor = (1, 3)
    return screen


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
    "danger": _danger,
    "airgap": _airgap,
    "caution": _caution,
    "overview": _overview,
    "output-external": _output_external,
    "output-change": _output_change,
    "address-ours": _address_ours,
    "address-not-ours": _address_not_ours,
    "policy": _policy,
    "passphrase": _passphrase,
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
