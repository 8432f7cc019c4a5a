"""Fuzz the PSBT path end to end: load -> review -> sign (every override given) -> serialise.

Seeds: the hostile corpus (tests/attacks/corpus/psbt, the small files), the valid BIP-174,
BIP-370 and BIP-371 vectors. Only AirsignError subclasses may come out.
"""

import json
from pathlib import Path

from conftest import VECTORS
from fuzzing import FUZZ, check_clean, mutated
from hypothesis import given
from hypothesis import strategies as st
from independent.coordinator import make_wallet, root
from independent.sighash import read_maps_in_order, write_maps

from signer.errors import AirsignError
from signer.network import Network
from signer.psbt import load_psbt, serialize_psbt
from signer.review import WARNING_CODES, review_psbt
from signer.scripts import ScriptType
from signer.settings import Settings
from signer.sign import sign_psbt

HOSTILE = Path(__file__).resolve().parents[1] / "attacks" / "corpus" / "psbt"
SEEDS = [path.read_bytes() for path in sorted(HOSTILE.glob("*.psbt"))
         if path.stat().st_size < 20_000]
SEEDS += [bytes.fromhex(vector["hex"]) for vector in
          json.loads((VECTORS / "psbt" / "bip174_vectors.json").read_text())["valid"]]
SEEDS += [bytes.fromhex(vector["hex"])
          for name in ("bip370_vectors.json", "bip371_vectors.json")
          for vector in json.loads((VECTORS / "psbt" / name).read_text())["vectors"]
          if vector["expect"] == "valid"]


def _has_readable_maps(seed: bytes) -> bool:
    try:
        read_maps_in_order(seed)
    except (AssertionError, IndexError, ValueError):  # the independent reader's refusals
        return False
    return True


MAP_SEEDS = [seed for seed in SEEDS if _has_readable_maps(seed)]  # for field-level edits
WALLETS = [make_wallet().wallet, make_wallet(ScriptType.P2SH_P2WSH, name="savings").wallet]
SETTINGS = Settings(network=Network.TEST)


@st.composite
def remapped(draw: st.DrawFn) -> bytes:
    """Structure-aware mutation: edit whole fields of the key-value maps of a seed, so the
    result still parses as maps and reaches the review and the signer (byte edits rarely do)."""
    global_map, inputs, outputs = read_maps_in_order(draw(st.sampled_from(MAP_SEEDS)))
    maps = [global_map, *inputs, *outputs]
    for _ in range(draw(st.integers(1, 3))):
        target = maps[draw(st.integers(0, len(maps) - 1))]
        action = draw(st.sampled_from(["value", "key", "drop", "copy", "swap"]))
        if not target:
            continue
        position = draw(st.integers(0, len(target) - 1))
        key, value = target[position]
        if action == "value":
            target[position] = (key, draw(mutated([value or b"\x00"], max_edits=2)))
        elif action == "key":
            target[position] = (draw(mutated([key], max_edits=1)) or key, value)
        elif action == "drop":
            del target[position]
        elif action == "copy":
            maps[draw(st.integers(0, len(maps) - 1))].append((key, value))
        else:
            other = maps[draw(st.integers(0, len(maps) - 1))]
            if other:
                spot = draw(st.integers(0, len(other) - 1))
                other[spot], target[position] = (other[spot][0], value), (key, other[spot][1])
    return write_maps(global_map, inputs, outputs)


def sign_anything(data: bytes) -> None:
    """The device's whole PSBT path, every danger overridden so signing is reached."""
    try:
        psbt = load_psbt(data)
        review = review_psbt(psbt, root=root(0), wallets=WALLETS, settings=SETTINGS,
                             network=Network.TEST)
        result = sign_psbt(psbt, review, root=root(0), wallets=WALLETS, allow=WARNING_CODES)
        load_psbt(serialize_psbt(result.psbt))
    except AirsignError as error:
        check_clean(error)


@FUZZ
@given(mutated(SEEDS))
def test_fuzz_psbt_load_review_sign(data: bytes) -> None:
    sign_anything(data)


@FUZZ
@given(remapped())
def test_fuzz_psbt_fields(data: bytes) -> None:
    sign_anything(data)
