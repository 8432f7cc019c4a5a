"""Address verification speed for a 2-of-3 P2WSH wallet: a hit at index 0, at 500, and a miss
over the default gap of 1000 (both chains, so 2000 addresses). Median of a few runs."""

import statistics
import time

from embit import bip39
from embit.bip32 import HDKey

from signer.network import Network
from signer.scripts import ScriptType
from signer.wallet.formats import load_wallet
from signer.wallet.model import Wallet
from signer.wallet.registry import DEFAULT_GAP, WalletRegistry

RUNS = 5
# BIP-39 test-vector mnemonics: three cosigners, and one outsider for the miss.
MNEMONICS = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    "legal winner thank year wave sausage worth useful legal winner thank yellow",
    "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
    "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
)


def _roots() -> list[HDKey]:
    return [HDKey.from_seed(bip39.mnemonic_to_seed(words)) for words in MNEMONICS]


def _wallet(roots: list[HDKey], name: str) -> Wallet:
    path = ScriptType.P2WSH.account_path(Network.MAIN)
    keys = []
    for root in roots:
        xpub = root.derive(list(path)).to_public().to_base58()
        keys.append(f"[{root.my_fingerprint.hex()}/48h/0h/0h/2h]{xpub}/<0;1>/*")
    return load_wallet(f"wsh(sortedmulti(2,{','.join(keys)}))", name=name)


def _median_seconds(records: list[dict], address: str, expect_hit: bool) -> float:
    samples = []
    for _ in range(RUNS):
        # A fresh registry each run, so cached chain keys do not flatter later runs.
        registry = WalletRegistry(records, Network.MAIN)
        start = time.perf_counter()
        match = registry.find_address(address, DEFAULT_GAP)
        samples.append(time.perf_counter() - start)
        if (match is not None) != expect_hit:
            raise SystemExit(f"bench is broken: unexpected result for {address}")
    return statistics.median(samples)


def main() -> None:
    roots = _roots()
    ours = _wallet(roots[:3], "bench 2-of-3")
    outsider = _wallet(roots[1:], "outsider")
    records: list[dict] = []
    registry = WalletRegistry(records, Network.MAIN)
    registry.add(ours, roots[0])
    cases = [
        ("hit, receive index 0", ours.address(False, 0), True),
        ("hit, change index 500", ours.address(True, 500), True),
        (f"miss, gap {DEFAULT_GAP} (both chains)", outsider.address(False, 0), False),
    ]
    print(f"Address verification, 2-of-3 P2WSH, median of {RUNS} runs")
    header = f"{'case':<32} {'seconds':>8} {'addresses/s':>12}"
    print(header)
    print("-" * len(header))
    for label, address, expect_hit in cases:
        seconds = _median_seconds(records, address, expect_hit)
        match = registry.find_address(address)
        # Breadth-first: every index below the hit costs two addresses (receive, change).
        checked = 2 * match.index + 1 + match.change if match else 2 * DEFAULT_GAP
        print(f"{label:<32} {seconds:>8.3f} {checked / seconds:>12.0f}")


if __name__ == "__main__":
    main()
