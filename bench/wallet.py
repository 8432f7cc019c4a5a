"""Address verification speed for a 2-of-3 P2WSH wallet: a hit at index 0, at 500, and a miss
over the default gap of 1000 (both chains, so 2000 addresses); and what registering it costs
(the search of this seed's ~1,200 account keys among the cosigners). Median of a few runs."""

import statistics
import time

from signer.network import Network
from signer.wallet.formats import load_wallet
from signer.wallet.model import Wallet
from signer.wallet.registry import DEFAULT_GAP, WalletRegistry
from tests.independent.cosigners import multisig_descriptor, root

RUNS = 5
PI_ZERO_FACTOR = 8  # a Pi Zero 2 W core against this machine's, as bench.attacks assumes


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
    # Cosigners 0, 1, 2 on mainnet; the outsider wallet leaves out our seed (cosigner 0).
    ours = load_wallet(multisig_descriptor((0, 1, 2), network=Network.MAIN), "bench 2-of-3")
    outsider = load_wallet(multisig_descriptor((1, 2, 3), network=Network.MAIN), "outsider")
    records: list[dict] = []
    registry = WalletRegistry(records, Network.MAIN)
    registry.add(ours, root(0))
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
    register = _median_registration(ours)
    print(f"\nRegistration checks, 2-of-3 P2WSH: {register:.3f} s here, about "
          f"{register * PI_ZERO_FACTOR:.1f} s on a Pi Zero 2 W")


def _median_registration(wallet: Wallet) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        WalletRegistry([], Network.MAIN).check(wallet, root(0))
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


if __name__ == "__main__":
    main()
