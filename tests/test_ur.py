"""UR strings and the UR encoder/decoder: reference vectors, then the ways a scan goes wrong
(lost, repeated, reordered, corrupted, truncated, foreign and hostile parts)."""

import random

import pytest
import qrcode
import qrcode.exceptions
import qrcode.util
from conftest import load_vectors
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fountain_primitives import make_message

from signer.errors import PayloadTooLarge, SequenceMismatch, TransportError
from signer.transport import bytewords, cbor
from signer.transport.fountain import FountainPart
from signer.transport.types import Format
from signer.transport.ur import (
    UR,
    URDecoder,
    UREncoder,
    decode_single,
    encode_single,
    fragment_length_for,
)

VECTORS = load_vectors("ur/bc_ur_vectors.json")


def make_message_ur(length: int) -> UR:
    return UR("bytes", cbor.dumps(make_message(length)))


def _feed_until_complete(decoder: URDecoder, parts: list[str]) -> int:
    for count, part in enumerate(parts, 1):
        decoder.receive(part)
        if decoder.is_complete:
            return count
    raise AssertionError("decoder did not complete")


def test_single_part_ur_vector() -> None:
    case = VECTORS["single_part_ur"]
    ur = make_message_ur(case["message_len"])
    assert encode_single(ur) == case["expected"]
    assert decode_single(case["expected"]) == ur
    assert decode_single(case["expected"].upper()) == ur
    encoder = UREncoder(ur, max_fragment_len=1000)
    assert encoder.fragment_count == 1
    assert encoder.next_part() == case["expected"] == encoder.next_part()


def test_multipart_ur_vector() -> None:
    case = VECTORS["multipart_ur"]
    encoder = UREncoder(make_message_ur(case["message_len"]), case["max_fragment_len"])
    assert [encoder.next_part() for _ in case["expected_parts"]] == case["expected_parts"]


def test_decode_reference_parts_in_order() -> None:
    decoder = URDecoder()
    parts = VECTORS["multipart_ur"]["expected_parts"]
    assert _feed_until_complete(decoder, parts) == 9
    assert decoder.result() == make_message_ur(VECTORS["multipart_ur"]["message_len"])
    progress = decoder.progress()
    assert (progress.format, progress.parts_received, progress.parts_total,
            progress.estimated_remaining) == (Format.UR, 9, 9, 0)


def test_decode_from_mixed_parts_only() -> None:
    # Parts 10.. of the vector are all mixed: the GF(2) decoder needs no pure part.
    case = VECTORS["multipart_ur"]
    encoder = UREncoder(make_message_ur(case["message_len"]), case["max_fragment_len"],
                        first_seq_num=9)
    parts = [encoder.next_part() for _ in range(40)]
    assert parts[:11] == case["expected_parts"][9:]
    decoder = URDecoder()
    _feed_until_complete(decoder, parts)
    assert decoder.result() == make_message_ur(case["message_len"])


def test_foundation_short_crc_part_is_accepted() -> None:
    case = VECTORS["foundation_ur_py_extra"]
    decoder = URDecoder()
    assert decoder.receive(case["fragment"]) is case["expect_receive_part"]
    assert decoder.progress().parts_total == 29
    assert decoder.ur_type == "crypto-psbt"


def test_reference_round_trip_32767_bytes() -> None:
    ur = make_message_ur(32767)
    encoder = UREncoder(ur, 1000, first_seq_num=100)
    decoder = URDecoder()
    while not decoder.is_complete:
        decoder.receive(encoder.next_part())
    assert decoder.result() == ur


@pytest.mark.parametrize("size", [1_000, 10_000, 100_000])
def test_round_trip_random_data_with_loss_and_shuffling(size: int) -> None:
    rng = random.Random(size)
    ur = UR("bytes", cbor.dumps(rng.randbytes(size)))
    encoder = UREncoder(ur, 200)
    parts = [encoder.next_part() for _ in range(encoder.fragment_count * 2 + 10)]
    kept = [part for part in parts if rng.random() > 0.2]
    rng.shuffle(kept)
    decoder = URDecoder()
    _feed_until_complete(decoder, kept)
    assert decoder.result() == ur


def test_duplicates_are_not_useful_and_uppercase_parts_work() -> None:
    encoder = UREncoder(make_message_ur(500), 50)
    decoder = URDecoder()
    first = encoder.next_part().upper()
    assert decoder.receive(first) is True
    assert decoder.receive(first) is False
    assert decoder.receive(first.lower()) is False
    assert decoder.progress().parts_received == 1


def test_part_after_completion_is_ignored() -> None:
    parts = VECTORS["multipart_ur"]["expected_parts"]
    decoder = URDecoder()
    _feed_until_complete(decoder, parts)
    assert decoder.receive(parts[-1]) is False


def _corrupt(part: str, position: int) -> str:
    letter = "b" if part[position] != "b" else "d"
    return part[:position] + letter + part[position + 1:]


def test_corrupted_part_is_rejected_and_loses_nothing() -> None:
    parts = VECTORS["multipart_ur"]["expected_parts"]
    decoder = URDecoder()
    decoder.receive(parts[0])
    with pytest.raises(TransportError, match="checksum"):
        decoder.receive(_corrupt(parts[1], len(parts[1]) - 20))
    assert decoder.progress().parts_received == 1
    _feed_until_complete(decoder, parts[1:])
    assert decoder.result() == make_message_ur(256)


@pytest.mark.parametrize("cut", [1, 2, 9, 40])
def test_truncated_part_is_rejected(cut: int) -> None:
    part = VECTORS["multipart_ur"]["expected_parts"][0]
    with pytest.raises(TransportError):
        URDecoder().receive(part[:-cut])


@pytest.mark.parametrize("text", [
    "", "ur:", "ur:bytes", "ur:bytes/", "UR:BYTES/1-9", "hello", "ur:by tes/aeadaolazmjendeoti",
    "ur:bytes/0-9/lpadascfadaxcywenbpljkhdcahkadaemejtswhhylkepmykhhtsytsnoyoyaxaedsuttydmmh",
    "ur:bytes/1-x/aeadaolazmjendeoti", "ur:bytes/1-2-3/aeadaolazmjendeoti",
    "ur:bytes/a/b/c/d",
])
def test_garbled_strings_are_transport_errors(text: str) -> None:
    with pytest.raises(TransportError):
        URDecoder().receive(text)


def test_header_that_disagrees_with_the_part_is_rejected() -> None:
    part = VECTORS["multipart_ur"]["expected_parts"][0]
    with pytest.raises(TransportError, match="disagree"):
        URDecoder().receive(part.replace("/1-9/", "/2-9/"))


def test_interleaved_sequences_raise_sequence_mismatch_and_keep_progress() -> None:
    first = UREncoder(make_message_ur(600), 60)
    other_data = UREncoder(UR("bytes", cbor.dumps(make_message(600, "Other"))), 60)
    other_type = UREncoder(UR("crypto-psbt", cbor.dumps(make_message(600))), 60)
    decoder = URDecoder()
    decoder.receive(first.next_part())
    with pytest.raises(SequenceMismatch, match="another animation"):
        decoder.receive(other_data.next_part())
    with pytest.raises(SequenceMismatch, match="ur:crypto-psbt.*ur:bytes"):
        decoder.receive(other_type.next_part())
    with pytest.raises(SequenceMismatch, match="single-part"):
        decoder.receive(encode_single(make_message_ur(20)))
    assert decoder.progress().parts_received == 1
    while not decoder.is_complete:
        decoder.receive(first.next_part())
    assert decoder.result() == make_message_ur(600)


def _hostile_part(seq_num: int, seq_len: int, message_len: int, data: bytes,
                  ur_type: str = "bytes") -> str:
    part = FountainPart(seq_num, seq_len, message_len, 0x01020304, data)
    return f"ur:{ur_type}/{seq_num}-{seq_len}/{bytewords.encode(part.to_cbor())}"


def test_hostile_fragment_count_is_refused() -> None:
    with pytest.raises(PayloadTooLarge):
        URDecoder().receive(_hostile_part(1, 4_000_000_000, 4_000_000_000, b"x"))
    with pytest.raises(PayloadTooLarge):  # plausible size, absurd fragment count
        URDecoder().receive(_hostile_part(5, 2_000_000, 2_000_000, b"x"))


def test_message_over_the_cap_is_refused_but_two_megabytes_is_accepted() -> None:
    with pytest.raises(PayloadTooLarge):
        URDecoder().receive(_hostile_part(1, 5000, 5_000_000, bytes(1000)))
    decoder = URDecoder()
    assert decoder.receive(_hostile_part(1, 2048, 2 * 1024 * 1024, bytes(1024))) is True
    assert decoder.progress().parts_total == 2048


def test_single_part_over_the_cap_is_refused() -> None:
    text = encode_single(UR("bytes", cbor.dumps(bytes(3000))))
    with pytest.raises(PayloadTooLarge):
        URDecoder(max_message_len=2000).receive(text)
    assert URDecoder(max_message_len=3010).receive(text) is True


def test_inconsistent_lengths_are_refused() -> None:
    with pytest.raises(TransportError, match="does not match"):
        URDecoder().receive(_hostile_part(1, 3, 100, bytes(10)))


def test_message_failing_its_checksum_is_never_returned() -> None:
    # Well-formed parts whose message does not match the checksum they all claim.
    decoder = URDecoder()
    decoder.receive(_hostile_part(1, 2, 20, bytes(10)))
    with pytest.raises(TransportError, match="checksum"):
        decoder.receive(_hostile_part(2, 2, 20, bytes(10)))
    assert not decoder.is_complete
    with pytest.raises(TransportError):
        decoder.result()
    # The scan starts over: any animation, of any type, can now be collected.
    assert decoder.progress().parts_received == 0 and decoder.ur_type is None
    parts = VECTORS["multipart_ur"]["expected_parts"]
    _feed_until_complete(decoder, [part.replace("ur:bytes/", "ur:crypto-psbt/")
                                   for part in parts])
    assert decoder.result() == UR("crypto-psbt", make_message_ur(256).cbor)


def _longest_part(fragment_len: int) -> str:
    # A body of exactly 40 fragments, sequence numbers near 2^32: the longest parts there are.
    body = random.Random(fragment_len).randbytes(fragment_len * 40)
    encoder = UREncoder(UR("crypto-psbt", body), fragment_len, first_seq_num=4_294_967_000)
    assert encoder.fragment_count == 40
    return max((encoder.next_part().upper() for _ in range(50)), key=len)


def _fits(text: str, version: int) -> bool:
    code = qrcode.QRCode(version=version, error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(qrcode.util.QRData(text, mode=qrcode.util.MODE_ALPHA_NUM))
    try:
        code.make(fit=False)
    except qrcode.exceptions.DataOverflowError:
        return False
    return True


@pytest.mark.parametrize("version", [5, 10, 15, 20, 25, 30, 40])
def test_fragment_length_for_fits_the_qr_version(version: int) -> None:
    fragment_len = fragment_length_for(version)
    # qrcode (an independent encoder) must fit the longest uppercase part in that version...
    assert _fits(_longest_part(fragment_len), version)
    # ...and the size must not waste the code: 10 bytes more no longer fit.
    assert not _fits(_longest_part(fragment_len + 10), version)


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=1, max_size=1500), st.integers(10, 200),
       st.randoms(use_true_random=False))
def test_corrupted_parts_never_produce_a_wrong_result(payload: bytes, fragment_len: int,
                                                      rnd: random.Random) -> None:
    ur = UR("bytes", cbor.dumps(payload))
    assert decode_single(encode_single(ur)) == ur
    encoder = UREncoder(ur, fragment_len)
    decoder = URDecoder()
    for count in range(4 * encoder.fragment_count + 20):
        part = encoder.next_part()
        if count % 3 == 1:  # garble one letter of the body of every third part
            position = rnd.randrange(part.rindex("/") + 1, len(part))
            part = part[:position] + rnd.choice("abcdefghijklmnopqrstuvwxyz") + part[position + 1:]
        try:
            decoder.receive(part)
        except TransportError:
            continue
        if decoder.is_complete:
            break
    assert decoder.is_complete
    assert decoder.result() == ur
