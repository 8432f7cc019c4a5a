"""Xoshiro256**, the alias sampler, shuffle, partition, degree and fragment choice and the
fountain encoder, against the bc-ur reference test vectors (bc_ur_vectors.json)."""

import zlib

import pytest
from conftest import load_vectors

from signer.errors import TransportError
from signer.transport.fountain import (
    FountainEncoder,
    FountainPart,
    RandomSampler,
    choose_degree,
    choose_fragments,
    find_nominal_fragment_length,
    partition,
    shuffled,
)
from signer.transport.xoshiro import Xoshiro256

VECTORS = load_vectors("ur/bc_ur_vectors.json")


def make_message(length: int, seed: str = "Wolf") -> bytes:
    """The reference's make_message (vectors' top-level note)."""
    return Xoshiro256.from_string(seed).next_data(length)


def _rng(seed: dict) -> Xoshiro256:
    if "string" in seed:
        return Xoshiro256.from_string(seed["string"])
    assert zlib.crc32(seed["uint32_from_crc32_of_string"].encode()) == seed["uint32"]
    return Xoshiro256.from_uint32(seed["uint32"])


@pytest.mark.parametrize("case", VECTORS["xoshiro256"]["vectors"], ids=lambda c: c["op"])
def test_xoshiro_sequences(case: dict) -> None:
    rng = _rng(case["seed"])
    if case["op"] == "next() % 100":
        got = [rng.next() % 100 for _ in range(case["count"])]
    else:
        assert case["op"] == "next_int(1, 10)"
        got = [rng.next_int(1, 10) for _ in range(case["count"])]
    assert got == case["expected"]


def test_xoshiro_next_data() -> None:
    case = VECTORS["xoshiro256"]["next_data_vectors"][0]
    rng = _rng(case["seed"])
    assert [rng.next_data(10).hex() for _ in range(2)] == case["expected_hex"]
    first = make_message(20)
    assert first.hex() == VECTORS["make_message_first_bytes_check"]["make_message(20,'Wolf') hex"]


@pytest.mark.parametrize("case", VECTORS["find_nominal_fragment_length"]["vectors"],
                         ids=lambda c: str(c["args"]))
def test_find_nominal_fragment_length(case: dict) -> None:
    assert find_nominal_fragment_length(*case["args"]) == case["expected"]


def test_random_sampler() -> None:
    case = VECTORS["random_sampler"]
    sampler = RandomSampler(case["probs"])
    rng = _rng(case["seed"])
    assert [sampler.next(rng.next_double) for _ in range(case["count"])] == case["expected"]


def test_shuffle() -> None:
    case = VECTORS["shuffle"]
    rng = _rng(case["seed"])
    assert [shuffled(case["input"], rng) for _ in case["expected"]] == case["expected"]


def test_partial_shuffle_is_a_prefix_of_the_full_shuffle() -> None:
    full = shuffled(range(50), Xoshiro256.from_string("prefix"))
    assert shuffled(range(50), Xoshiro256.from_string("prefix"), 7) == full[:7]


def test_partition() -> None:
    case = VECTORS["partition"]
    message = make_message(case["message_len"])
    length = find_nominal_fragment_length(len(message), case["min_fragment_len"],
                                          case["max_fragment_len"])
    assert [f.hex() for f in partition(message, length)] == case["expected_fragments_hex"]


def test_choose_degree() -> None:
    case = VECTORS["choose_degree"]
    got = [choose_degree(case["seq_len"], Xoshiro256.from_string(f"Wolf-{nonce}"))
           for nonce in range(1, len(case["expected"]) + 1)]
    assert got == case["expected"]


def test_choose_fragments() -> None:
    case = VECTORS["choose_fragments"]
    checksum = zlib.crc32(make_message(1024))
    got = [sorted(choose_fragments(seq_num, 11, checksum))
           for seq_num in range(1, len(case["expected"]) + 1)]
    assert got == case["expected"]


def test_fountain_encoder_parts() -> None:
    case = VECTORS["fountain_encoder"]
    encoder = FountainEncoder(make_message(case["message_len"]), case["max_fragment_len"])
    for expected, expected_cbor in zip(case["parts"], case["parts_cbor_hex"], strict=True):
        part = encoder.next_part()
        assert (part.seq_num, part.seq_len, part.message_len, part.checksum, part.data.hex()) == (
            expected["seqNum"], expected["seqLen"], expected["messageLen"],
            expected["checksum"], expected["data_hex"])
        assert part.to_cbor().hex() == expected_cbor
        assert FountainPart.from_cbor(bytes.fromhex(expected_cbor)) == part


def test_fountain_encoder_is_complete_after_seq_len_parts() -> None:
    encoder = FountainEncoder(make_message(256), 30)
    sent = 0
    while not encoder.is_complete:
        encoder.next_part()
        sent += 1
    assert sent == encoder.seq_len == 9


def test_part_cbor_round_trip() -> None:
    part = FountainPart(12, 8, 100, 0x12345678, bytes([1, 5, 3, 3, 5]))
    assert FountainPart.from_cbor(part.to_cbor()).to_cbor() == part.to_cbor()


@pytest.mark.parametrize("encoded", [
    "8401091901001a0167aa07",  # four items
    "85010919010044deadbeef",  # checksum is bytes, data missing
    "8500091901001a0167aa074101",  # seqNum 0
    "8501091901001a0167aa0740",  # empty fragment
    "850109190100f54101",  # checksum true
], ids=["short", "types", "zero-seq", "empty", "bool"])
def test_malformed_part_cbor(encoded: str) -> None:
    with pytest.raises(TransportError):
        FountainPart.from_cbor(bytes.fromhex(encoded))


def test_sequence_number_wraps_to_one_not_zero() -> None:
    encoder = FountainEncoder(make_message(256), 30, first_seq_num=2**32 - 2)
    assert [encoder.next_part().seq_num for _ in range(3)] == [2**32 - 1, 1, 2]
