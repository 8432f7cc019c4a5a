"""Hostile QR sequences and wallet files are refused with one line, quickly and with bounded
memory: tracemalloc's peak while the device handles each one stays under a fixed bound."""

import tracemalloc
from collections.abc import Callable

import pytest
from hostile_payloads import CASES, PayloadCase
from wallet_kit import root

from signer.errors import AirsignError, InvalidPSBT
from signer.network import Network
from signer.psbt import DEFAULT_MAX_SIZE, MAGIC, load_psbt
from signer.transport.assembler import Assembler
from signer.wallet.formats import load_wallet
from signer.wallet.registry import WalletRegistry

# At most 3x the assembler's default 4 MB payload limit, whatever the input claims; the worst
# case, the zip bomb, peaks at about 8 MB (4 MB of inflated output and its join).
MEMORY_BOUND = 12 * 1024 * 1024
BY_KIND = {kind: [case for case in CASES if case.kind == kind] for kind in ("qr", "wallet")}


def _peak(action: Callable[[], object]) -> tuple[AirsignError | None, int]:
    """The AirsignError the action raised (None if it returned) and its peak allocation."""
    tracemalloc.start()
    try:
        action()
    except AirsignError as error:
        return error, tracemalloc.get_traced_memory()[1]
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return None, peak


def _scan(frames: list[str]) -> None:
    assembler = Assembler()
    for frame in frames:
        assembler.receive(frame)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_committed_file_is_what_the_generator_builds(case: PayloadCase) -> None:
    assert case.path.read_text() == case.build() + "\n", f"regenerate {case.path.name}"


@pytest.mark.parametrize("case", BY_KIND["qr"], ids=[case.name for case in BY_KIND["qr"]])
def test_hostile_qr_sequence(case: PayloadCase) -> None:
    frames = case.path.read_text().splitlines()
    error, peak = _peak(lambda: _scan(frames))
    assert isinstance(error, case.refused), f"not refused: {error!r}"
    assert case.match in str(error) and "\n" not in str(error)
    assert peak < MEMORY_BOUND


@pytest.mark.parametrize("case", BY_KIND["wallet"], ids=[case.name for case in BY_KIND["wallet"]])
def test_hostile_wallet_file(case: PayloadCase) -> None:
    registry = WalletRegistry([], Network.TEST)

    def register() -> None:
        wallet = load_wallet(case.path.read_text(), network_hint=Network.TEST)
        registry.add(wallet, root(0))

    error, peak = _peak(register)
    assert isinstance(error, case.refused), f"not refused: {error!r}"
    assert case.match in str(error) and "\n" not in str(error)
    assert registry.wallets() == []
    assert peak < MEMORY_BOUND


def test_oversized_psbt_is_refused_before_decoding() -> None:
    # 9 MB of one proprietary global field: over the 2 MiB limit, in binary and in base64.
    raw = MAGIC + b"\x02\xfc\x00" + b"\xfe" + (9 * 1024 * 1024).to_bytes(4, "little")
    raw += bytes(9 * 1024 * 1024) + b"\x00"
    assert len(raw) > DEFAULT_MAX_SIZE
    error, peak = _peak(lambda: load_psbt(raw))
    assert isinstance(error, InvalidPSBT) and "too large" in str(error)
    assert peak < 1024 * 1024  # refused by its length: not a byte copied


def test_huge_field_below_the_limit_costs_about_its_size() -> None:
    # A proprietary field just under the 2 MiB limit in an otherwise empty v2 PSBT: parsed,
    # kept, no blow-up.
    field = bytes(DEFAULT_MAX_SIZE - 100)
    raw = (MAGIC + b"\x01\x02" + b"\x04" + (2).to_bytes(4, "little")
           + b"\x01\x04\x01\x00" + b"\x01\x05\x01\x00" + b"\x01\xfb\x04" + (2).to_bytes(4, "little")
           + b"\x02\xfc\x00" + b"\xfe" + len(field).to_bytes(4, "little") + field + b"\x00")
    error, peak = _peak(lambda: load_psbt(raw))
    assert error is None
    assert peak < 4 * len(field)
