"""BBQr against Coinkite's test data and independent base32/DEFLATE implementations."""

import base64
import hashlib
import random
import zlib

import pytest
from conftest import VECTORS, load_vectors
from hypothesis import given, settings
from hypothesis import strategies as st

from signer.errors import PayloadTooLarge, SequenceMismatch, TransportError
from signer.transport import bbqr
from signer.transport.assembler import Assembler
from signer.transport.types import Format, PayloadKind

INDEX = load_vectors("bbqr/test_data_index.json")
DATA_FILES = [entry for entry in INDEX["files"] if entry["file"] != "test_data/real-scan.txt"]


def _collect(parts: list[str], max_bytes: int = 4_000_000) -> Assembler:
    assembler = Assembler(max_bytes)
    for part in parts:
        assembler.receive(part)
    return assembler


def test_real_scan_joins_to_the_published_text():
    entry = next(e for e in INDEX["files"] if e["file"] == "test_data/real-scan.txt")
    lines = (VECTORS / "bbqr" / entry["file"]).read_text().split()
    assembler = _collect(lines)  # 26 scans of 8 parts: repeats, starting at part 2
    payload = assembler.result()
    assert payload.format is Format.BBQR and payload.encoding == "Z"
    assert payload.meta["file_type"] == entry["bbqr_file_type"] == "U"
    text = payload.data.encode("utf-8")
    assert len(text) == entry["decoded_len"]
    assert hashlib.sha256(text).hexdigest() == entry["decoded_sha256"]
    assert b"Zlib compressed" in text and b"PSBT" in text


@pytest.mark.parametrize("entry", DATA_FILES, ids=lambda e: e["file"])
@pytest.mark.parametrize("encoding", bbqr.ENCODINGS)
def test_test_data_round_trips_in_every_encoding(entry, encoding):
    data = (VECTORS / "bbqr" / entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    body = bbqr.encode_body(encoding, data)
    parts = bbqr.split(body, encoding, entry["bbqr_file_type"], 7)
    assembler = _collect(list(reversed(parts)))
    payload = assembler.result()
    assert payload.data == data
    assert payload.encoding == encoding
    expected = PayloadKind.PSBT if entry["bbqr_file_type"] == "P" else PayloadKind.TRANSACTION
    assert payload.kind is expected


@pytest.mark.parametrize("entry", DATA_FILES, ids=lambda e: e["file"])
def test_bodies_match_independent_base32_and_deflate(entry):
    data = (VECTORS / "bbqr" / entry["file"]).read_bytes()
    assert bbqr.encode_body("2", data) == base64.b32encode(data).decode().rstrip("=")
    assert bbqr.encode_body("H", data) == data.hex().upper()
    zipped = bbqr.encode_body("Z", data)
    raw = base64.b32decode(zipped + "=" * (-len(zipped) % 8))
    assert zlib.decompressobj(wbits=-10).decompress(raw) == data
    # Same algorithm and settings as BBQr.md's table; zlib versions may differ by a byte.
    assert abs(len(raw) - entry["zlib_raw_deflate_wbits_-10_level9_len"]) <= 8


def test_split_parts_are_even_and_decode_to_whole_bytes():
    data = (VECTORS / "bbqr/test_data/1in100out.psbt").read_bytes()
    for encoding in bbqr.ENCODINGS:
        parts = bbqr.split(bbqr.encode_body(encoding, data), encoding, "P", 5)
        bodies = [part[bbqr.HEADER_LEN :] for part in parts]
        assert len({len(body) for body in bodies[:-1]}) == 1
        assert len(bodies[-1]) <= len(bodies[0])
        assert all(len(body) % bbqr.split_modulus(encoding) == 0 for body in bodies[:-1])
        assert [part[:8] for part in parts] == [
            f"B${encoding}P05{index:02d}" for index in range(len(parts))
        ]


def test_header_example_from_the_spec():
    header = bbqr.parse_header("B$HP0302" + "00")
    assert (header.encoding, header.file_type, header.total, header.index) == ("H", "P", 3, 2)
    assert bbqr.parse_header("B$2UZZ0A").total == 1295


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("B$HP03", "too short"),
        ("B$QP0300AA", "unknown BBQr encoding"),
        ("B$HQ0300AA", "unknown BBQr file type"),
        ("B$HP0g00AA", "base-36"),
        ("B$HP0000AA", "count is 0"),
        ("B$HP0303AA", "not below total"),
        ("B$HP0300ABC", "odd number of hex digits"),
        ("B$HP0300ZZ", "bad hex"),
        ("B$2P030011111111", "bad base32"),
        ("B$2P0300AAAAAAA\u00e9", "bad base32"),  # non-ASCII: ValueError inside base64
        ("B$HP0300AB\u00e9\u00e9", "bad hex"),
    ],
)
def test_bad_parts_raise_one_line_errors(text, needle):
    with pytest.raises(TransportError) as caught:
        bbqr.parse_part(text)
    assert needle in str(caught.value) and "\n" not in str(caught.value)


def test_zip_bomb_is_refused_before_it_is_inflated():
    compressor = zlib.compressobj(9, zlib.DEFLATED, -10)
    bomb = compressor.compress(b"\0" * 50_000_000) + compressor.flush()
    assert len(bomb) < 100_000
    body = base64.b32encode(bomb).decode().rstrip("=")
    parts = bbqr.split(body, "Z", "P", 40)
    assembler = Assembler(max_bytes=4_000_000)
    for part in parts[:-1]:
        assembler.receive(part)
    with pytest.raises(PayloadTooLarge, match="inflates to more than 4000000"):
        assembler.receive(parts[-1])


def test_corrupted_deflate_and_truncated_stream_are_refused():
    data = (VECTORS / "bbqr/test_data/1in20out.psbt").read_bytes()
    deflated = bbqr.deflate(data)
    with pytest.raises(TransportError, match="truncated"):
        bbqr.inflate(deflated[: len(deflated) // 2], 1_000_000)
    with pytest.raises(TransportError, match="after the end"):
        bbqr.inflate(deflated + b"junk", 1_000_000)
    garbled = bytes([deflated[0] ^ 0xFF]) + deflated[1:]
    with pytest.raises(TransportError):
        bbqr.inflate(garbled, 1_000_000)


def test_claimed_size_from_the_header_is_refused_early():
    # One 1000-byte part claiming 1295 parts: over 1 MB before anything else arrives.
    part = "B$HP" + "ZZ" + "00" + "AB" * 1000
    with pytest.raises(PayloadTooLarge, match="limit is 1000000"):
        Assembler(max_bytes=1_000_000).receive(part)


def test_file_type_psbt_that_is_not_a_psbt_is_refused():
    parts = bbqr.split(bbqr.encode_body("2", b"not a psbt at all"), "2", "P", 1)
    with pytest.raises(TransportError, match="not a PSBT"):
        _collect(parts)


def test_parts_of_two_series_are_told_apart():
    a = (VECTORS / "bbqr/test_data/1in10out.psbt").read_bytes()
    b = (VECTORS / "bbqr/test_data/1in20out.psbt").read_bytes()
    parts_a = bbqr.split(bbqr.encode_body("H", a), "H", "P", 3)
    parts_b = bbqr.split(bbqr.encode_body("H", b), "H", "P", 3)
    assembler = Assembler()
    assembler.receive(parts_a[0])
    with pytest.raises(SequenceMismatch, match="not the size of the others"):
        assembler.receive(parts_b[1])  # same header, other size
    with pytest.raises(SequenceMismatch, match="twice with different content"):
        assembler.receive(parts_b[0])
    parts_z = bbqr.split(bbqr.encode_body("Z", b), "Z", "P", 3)
    with pytest.raises(SequenceMismatch, match="another BBQr series"):
        assembler.receive(parts_z[1])
    for part in parts_a:  # what was collected survives the refusals
        assembler.receive(part)
    assert assembler.result().data == a


@settings(max_examples=150, deadline=None)
@given(
    data=st.binary(max_size=3000),
    encoding=st.sampled_from(bbqr.ENCODINGS),
    parts=st.integers(min_value=1, max_value=40),
    seed=st.integers(0, 2**32),
)
def test_any_data_split_any_way_round_trips_in_any_order(data, encoding, parts, seed):
    frames = bbqr.split(bbqr.encode_body(encoding, data), encoding, "B", parts)
    assert len(frames) <= parts
    random.Random(seed).shuffle(frames)
    payload = _collect(frames).result()
    assert (payload.kind, payload.data, payload.encoding) == (PayloadKind.BYTES, data, encoding)
