"""What refusing (or reviewing) each hostile input costs: CPU time and peak memory.

Run as `.venv/bin/python -m bench.attacks`. One row per case of the hostile corpus
(tests/attacks/, docs/SECURITY.md): the device's whole path for it, from the committed file
to the refusal or the signature. Target: every case under 2 s of CPU on a Pi Zero 2 W
(about 8x this machine) and under 8 MB of peak allocation.
"""

import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from signer.errors import AirsignError
from signer.network import Network
from signer.psbt import load_psbt
from signer.review import review_psbt
from signer.settings import Settings
from signer.sign import sign_psbt
from signer.transport.assembler import Assembler
from signer.wallet.formats import load_wallet
from signer.wallet.registry import WalletRegistry
from tests.attacks.hostile_payloads import CASES as PAYLOAD_CASES
from tests.attacks.hostile_psbts import CASES as PSBT_CASES
from tests.attacks.hostile_psbts import registered
from tests.independent.coordinator import root

REPEATS = 3


def psbt_path(data: bytes, network: Network) -> str:
    try:
        psbt = load_psbt(data)
        wallets = [w.wallet for w in registered(network)]
        review = review_psbt(psbt, root=root(0), wallets=wallets,
                             settings=Settings(network=network), network=network)
        sign_psbt(psbt, review, root=root(0), wallets=wallets)
    except AirsignError as error:
        return type(error).__name__
    return "signed"


def scan_path(path: Path) -> str:
    assembler = Assembler()
    try:
        for frame in path.read_text().splitlines():
            assembler.receive(frame)
    except AirsignError as error:
        return type(error).__name__
    return "accepted"


def wallet_path(path: Path) -> str:
    try:
        wallet = load_wallet(path.read_text(), network_hint=Network.TEST)
        WalletRegistry([], Network.TEST).add(wallet, root(0))
    except AirsignError as error:
        return type(error).__name__
    return "registered"


def measure(action: Callable[[], str]) -> tuple[str, float, int]:
    """(outcome, best CPU seconds, peak bytes allocated)."""
    best = float("inf")
    outcome = ""
    for _ in range(REPEATS):
        start = time.process_time()
        outcome = action()
        best = min(best, time.process_time() - start)
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return outcome, best, peak


def main() -> None:
    root(0)  # derive the device's key once, outside the measurements
    rows = []
    for case in PSBT_CASES:
        data = case.path.read_bytes()
        rows.append((case.name, *measure(lambda d=data, n=case.network: psbt_path(d, n))))
    for case in PAYLOAD_CASES:
        action = scan_path if case.kind == "qr" else wallet_path
        rows.append((case.name, *measure(lambda a=action, p=case.path: a(p))))
    width = max(len(name) for name, *_ in rows)
    print(f"{'case':<{width}}  {'outcome':<16} {'CPU ms':>9} {'peak KiB':>9}")
    for name, outcome, seconds, peak in rows:
        print(f"{name:<{width}}  {outcome:<16} {seconds * 1000:9.1f} {peak / 1024:9.0f}")


if __name__ == "__main__":
    main()
