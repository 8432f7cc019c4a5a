"""Fuzz the PSBT path end to end: load -> review -> sign (every override given) -> serialise.

Seeds: the hostile corpus (tests/attacks/corpus/psbt, the small files), the valid BIP-174,
BIP-370 and BIP-371 vectors; and PSBTs written from scratch with derivation paths and maps of
any length (key_path_heavy). Only AirsignError subclasses may come out.
"""

import hashlib
import json
from pathlib import Path

from conftest import VECTORS
from embit.ec import PrivateKey
from fuzzing import FUZZ, check_clean, mutated, scaled
from hypothesis import given
from hypothesis import strategies as st
from independent.coordinator import make_wallet, root
from independent.sighash import read_maps_in_order, varint, write_maps

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


# --- derivation paths and maps of any length --------------------------------------------------
HARDENED = 0x80000000
FUZZ_KEYS = [PrivateKey(hashlib.sha256(b"fuzz key %d" % n).digest()).sec() for n in range(300)]
VAULT = make_wallet()
OUR_ORIGIN = list(VAULT.wallet.keys[0].origin_path)  # cosigner 0 is the device
FINGERPRINTS = [bytes(4), VAULT.wallet.keys[0].fingerprint, VAULT.wallet.keys[1].fingerprint,
                b"\xde\xad\xbe\xef"]
MAP_SIZES = [0, 1, 2, 3, 15, 254, 255, 256, 300]
PATH_DEPTHS = [0, 1, 2, 3, 5, 6, 7, 254, 255, 256, 1_000]
STEP_BUDGET = 2_000  # path steps written per example, so one example stays fast


@st.composite
def key_path_heavy(draw: st.DrawFn) -> bytes:
    """A PSBTv0 whose input and output maps carry BIP-32 and taproot derivations (and output
    taproot trees) of drawn counts and path depths: zero, ours, a cosigner's or a stranger's
    fingerprint, under our wallet's origin or not; each path's steps from a drawn seed."""
    rng = draw(st.randoms(use_true_random=False))
    counts = draw(st.tuples(st.integers(1, 4), st.integers(1, 3)))
    scripts = [VAULT.derive(False, 0).script_pubkey().data, b"\x00\x20" + bytes(32),
               b"\x51\x20" + bytes(range(32))]
    budget = STEP_BUDGET

    def entries(type_byte: int, taproot: bool) -> list[tuple[bytes, bytes]]:
        nonlocal budget
        count, depth = draw(st.sampled_from(MAP_SIZES)), draw(st.sampled_from(PATH_DEPTHS))
        count = min(count, budget // max(depth, 1))
        budget -= count * depth
        fingerprint = draw(st.sampled_from(FINGERPRINTS))
        prefix = OUR_ORIGIN if draw(st.booleans()) else []
        found = []
        for number in range(count):
            tail = [rng.choice([number, number % 2, HARDENED + number % 3, rng.getrandbits(32)])
                    for _ in range(max(depth - len(prefix), 0))]
            path = fingerprint + b"".join(step.to_bytes(4, "little")
                                          for step in [*prefix, *tail][:depth])
            key = FUZZ_KEYS[number % len(FUZZ_KEYS)]
            if taproot:
                leaves = rng.choice([0, 1, 2])
                path = varint(leaves) + rng.randbytes(32 * leaves) + path
                key = key[1:]
            found.append((bytes([type_byte]) + key, path))
        return found

    def tap_tree() -> list[tuple[bytes, bytes]]:
        depths = draw(st.lists(st.integers(0, 130), max_size=8))
        return [(b"\x06", b"".join(bytes([d, 0xC0, 1, 0x51]) for d in depths))] if depths else []

    tx = (2).to_bytes(4, "little") + varint(counts[0])
    for number in range(counts[0]):
        tx += hashlib.sha256(b"fuzz coin %d" % number).digest() + bytes(4) + b"\x00" + b"\xff" * 4
    tx += varint(counts[1])
    outputs = [draw(st.sampled_from(scripts)) for _ in range(counts[1])]
    for script in outputs:
        tx += (10_000).to_bytes(8, "little") + varint(len(script)) + script
    tx += bytes(4)
    inputs = [[(b"\x01", (100_000).to_bytes(8, "little") + varint(len(script)) + script),
               *entries(0x06, False), *entries(0x16, True)]
              for script in (draw(st.sampled_from(scripts)) for _ in range(counts[0]))]
    output_maps = [[*entries(0x02, False), *entries(0x07, True), *tap_tree()]
                   for _ in range(counts[1])]
    return write_maps([(b"\x00", tx)], inputs, output_maps)


@scaled(100)
@given(key_path_heavy())
def test_fuzz_psbt_key_paths(data: bytes) -> None:
    sign_anything(data)
