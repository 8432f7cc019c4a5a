"""Specter pMofN parts: parsing, order, gaps and absurd claims."""

import base64
import random

import pytest
from conftest import load_vectors
from hypothesis import given, settings
from hypothesis import strategies as st

from signer.errors import PayloadTooLarge, SequenceMismatch, TransportError
from signer.transport import pmofn
from signer.transport.assembler import MISSING_SHOWN, Assembler
from signer.transport.types import Format, PayloadKind

PSBT = bytes.fromhex(load_vectors("psbt/bip174_vectors.json")["valid"][3]["hex"])
TEXT = base64.b64encode(PSBT).decode()


def test_split_is_consecutive_chunks_of_the_base64_text():
    parts = pmofn.split(TEXT, 4)
    assert [part.split(" ", 1)[0] for part in parts] == ["p1of4", "p2of4", "p3of4", "p4of4"]
    assert "".join(part.split(" ", 1)[1] for part in parts) == TEXT


def test_any_order_with_repeats_and_missing_parts_reported():
    parts = pmofn.split(TEXT, 5)
    assembler = Assembler()
    for part in (parts[3], parts[0], parts[3], parts[1]):
        progress = assembler.receive(part)
    assert progress.format is Format.PMOFN
    assert (progress.parts_received, progress.parts_total) == (3, 5)
    assert progress.missing == (3, 5) and progress.estimated_remaining == 2
    assert not assembler.is_complete
    assembler.receive(parts[4])
    progress = assembler.receive(parts[2])
    assert progress.missing == () and progress.fraction == 1.0
    payload = assembler.result()
    assert (payload.kind, payload.data, payload.format, payload.encoding) == (
        PayloadKind.PSBT,
        PSBT,
        Format.PMOFN,
        "base64",
    )


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("p0of3 abc", "bad Specter part number"),
        ("p4of3 abc", "bad Specter part number"),
        ("p1of0 abc", "bad Specter part number"),
        ("p1of3abc", "not a Specter pMofN part"),
    ],
)
def test_bad_part_numbers(text, needle):
    with pytest.raises(TransportError, match=needle):
        pmofn.parse_part(text)


def test_parts_of_another_series_are_refused_and_collection_survives():
    parts = pmofn.split(TEXT, 3)
    other = pmofn.split(TEXT[::-1], 3)
    assembler = Assembler()
    assembler.receive(parts[0])
    with pytest.raises(SequenceMismatch, match="different content"):
        assembler.receive(other[0])
    with pytest.raises(SequenceMismatch, match="4-part series"):
        assembler.receive(pmofn.split(TEXT, 4)[1])
    with pytest.raises(SequenceMismatch, match="not a Specter pMofN part"):
        assembler.receive("B$HP0100" + PSBT.hex())
    for part in parts[1:]:
        assembler.receive(part)
    assert assembler.result().data == PSBT


def test_ten_thousand_claimed_parts_are_refused_at_once():
    with pytest.raises(PayloadTooLarge, match="10000 parts"):
        Assembler().receive("p1of10000 cHNidP8B")


def test_claimed_size_from_the_part_length_is_refused_early():
    chunk = "A" * 2000
    with pytest.raises(PayloadTooLarge, match="limit is"):
        Assembler(max_bytes=1_000_000).receive(f"p1of999 {chunk}")


def test_a_long_series_lists_only_the_lowest_missing_parts():
    parts = pmofn.split("QUJD" * 5000, 5000)  # 4 chars each
    assembler = Assembler()
    for part in parts[1::2]:  # every even-numbered part
        progress = assembler.receive(part)
    assert progress.parts_received == 2500 and progress.estimated_remaining == 2500
    assert progress.missing == tuple(range(1, 2 * MISSING_SHOWN, 2))
    for part in parts[0:-2:2]:
        progress = assembler.receive(part)
    assert progress.missing == (4999,)
    assembler.receive(parts[-2])
    assert assembler.result().data == "QUJD" * 5000


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=3000), parts=st.integers(1, 60), seed=st.integers(0, 2**32))
def test_any_psbt_split_any_way_round_trips_in_any_order(body, parts, seed):
    psbt = b"psbt\xff" + body
    frames = pmofn.split(base64.b64encode(psbt).decode(), parts)
    assert len(frames) <= parts
    random.Random(seed).shuffle(frames)
    assembler = Assembler()
    for frame in frames:
        assembler.receive(frame)
    assert assembler.result().data == psbt
