"""The fountain decoder: it must use every mixed part (GF(2) elimination, not just peeling),
finish as soon as the parts determine the message, and stay efficient when a scan joins an
animation mid-way and misses frames."""

import random
import statistics
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signer.errors import SequenceMismatch
from signer.transport.fountain import (
    FountainDecoder,
    FountainEncoder,
    FountainPart,
    choose_fragments,
)


def _independent_rank(rows: list[int]) -> int:
    """Textbook GF(2) rank (a basis keyed by leading bit), written separately from the decoder."""
    basis: dict[int, int] = {}
    for row in rows:
        reduced = row
        while reduced:
            lead = reduced.bit_length() - 1
            if lead not in basis:
                basis[lead] = reduced
                break
            reduced ^= basis[lead]
    return len(basis)


def _mask(part: FountainPart) -> int:
    return sum(1 << i for i in set(choose_fragments(part.seq_num, part.seq_len, part.checksum)))


@pytest.mark.parametrize("seed", range(6))
def test_completes_exactly_when_the_parts_have_full_rank(seed: int) -> None:
    rng = random.Random(seed)
    message = rng.randbytes(rng.randrange(300, 3000))
    encoder = FountainEncoder(message, 100, first_seq_num=rng.randrange(0, 200))
    decoder = FountainDecoder()
    rows: list[int] = []
    while True:
        part = encoder.next_part()
        if rng.random() < 0.3:
            continue
        rows.append(_mask(part))
        decoder.receive(part)
        full_rank = _independent_rank(rows) == encoder.seq_len
        assert decoder.is_complete == full_rank
        assert decoder.rank == _independent_rank(rows)
        if full_rank:
            break
    assert decoder.message() == message


def _peeling_completes(rows: list[set[int]], seq_len: int) -> bool:
    """What a peeling-only decoder (the reference's) could solve from these parts."""
    solved: set[int] = set()
    progress = True
    while progress:
        progress = False
        for row in rows:
            unknown = row - solved
            if len(unknown) == 1:
                solved |= unknown
                progress = True
    return len(solved) == seq_len


def test_elimination_never_needs_more_parts_than_peeling_and_often_fewer() -> None:
    rng = random.Random(11)
    earlier = 0
    for trial in range(40):
        message = rng.randbytes(rng.randrange(200, 1200))
        encoder = FountainEncoder(message, 100, first_seq_num=rng.randrange(10, 10_000))
        decoder = FountainDecoder()
        rows: list[set[int]] = []
        while not _peeling_completes(rows, encoder.seq_len):
            part = encoder.next_part()
            rows.append(set(choose_fragments(part.seq_num, part.seq_len, part.checksum)))
            decoder.receive(part)
            if decoder.is_complete and not _peeling_completes(rows, encoder.seq_len):
                earlier += 1
                break
        assert decoder.is_complete, f"trial {trial}: peeling finished before elimination"
        assert decoder.message() == message
    assert earlier >= 10  # mixed-only streams: elimination usually finishes first


def _frames_needed(message: bytes, fragment_len: int, loss: float, rng: random.Random) -> float:
    encoder = FountainEncoder(message, fragment_len)
    # Join mid-animation: anywhere in the first three cycles of the display.
    encoder.seq_num = rng.randrange(0, 3 * encoder.seq_len)
    decoder = FountainDecoder()
    received = 0
    while not decoder.is_complete:
        part = encoder.next_part()
        if rng.random() < loss:
            continue
        received += 1
        decoder.receive(part)
    assert decoder.message() == message
    return received / encoder.seq_len


@pytest.mark.parametrize(("message_len", "fragment_len", "trials"),
                         [(10_000, 100, 41), (100_000, 200, 11)])
def test_median_frames_needed_joining_mid_stream_with_a_quarter_lost(
        message_len: int, fragment_len: int, trials: int) -> None:
    rng = random.Random(message_len)
    message = rng.randbytes(message_len)
    ratios = [_frames_needed(message, fragment_len, 0.25, rng) for _ in range(trials)]
    assert statistics.median(ratios) <= 1.10


def test_foreign_part_raises_and_keeps_state() -> None:
    encoder = FountainEncoder(b"a" * 300, 50)
    stranger = FountainEncoder(b"b" * 300, 50)
    decoder = FountainDecoder()
    decoder.receive(encoder.next_part())
    with pytest.raises(SequenceMismatch):
        decoder.receive(stranger.next_part())
    assert decoder.rank == 1


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=1, max_size=2000), st.integers(10, 120), st.integers(0, 2**32 - 1),
       st.randoms(use_true_random=False))
def test_any_order_and_losses_give_back_the_message(message: bytes, fragment_len: int,
                                                    first_seq: int, rnd: random.Random) -> None:
    encoder = FountainEncoder(message, fragment_len, first_seq_num=first_seq)
    parts = [encoder.next_part() for _ in range(3 * encoder.seq_len + 20)]
    rnd.shuffle(parts)
    decoder = FountainDecoder()
    rows = []
    for part in parts[: len(parts) * 3 // 4]:
        decoder.receive(part)
        rows.append(_mask(part))
        if decoder.is_complete:
            break
    if decoder.is_complete:
        assert decoder.message() == message
        assert zlib.crc32(decoder.message()) == encoder.checksum
    else:
        assert _independent_rank(rows) < encoder.seq_len
