"""Damaged PSBTs: the loader and the review fail only with a one-line AirsignError."""

import json

from conftest import VECTORS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from independent.coordinator import Pay, Spend, build_psbt, external_script, make_wallet, root

from signer.errors import AirsignError, InvalidPSBT
from signer.network import Network
from signer.psbt import load_psbt
from signer.review import review_psbt
from signer.settings import Settings

VAULT = make_wallet()
SEEDS = [
    bytes.fromhex(v["hex"])
    for name in ("bip370_vectors.json", "bip371_vectors.json")
    for v in json.loads((VECTORS / "psbt" / name).read_text())["vectors"]
    if v["expect"] == "valid"
] + [
    build_psbt([Spend(VAULT, False, 0, 100_000, full_tx=True)],
               [Pay(90_000, external_script()),
                Pay(9_000, wallet=VAULT, change=True, index=1)]).serialize(),
]


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "cut", "delete", "insert"]))
        if action == "flip" and position < len(data):
            data[position] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[position:]
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 8))]
        else:
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_psbt_fails_cleanly(data: bytes) -> None:
    try:
        psbt = load_psbt(data)
    except InvalidPSBT as refused:
        assert str(refused) and "\n" not in str(refused)
        return
    try:
        review_psbt(psbt, root=root(0), wallets=[VAULT.wallet],
                    settings=Settings(network=Network.TEST), network=Network.TEST)
    except AirsignError as refused:
        assert str(refused) and "\n" not in str(refused)
