"""The Assembler: every format through encode_frames and back, order, repeats, damage, limits."""

import base64
import contextlib
import json
import os
import random
import tracemalloc

import pytest
import qrcode
from conftest import VECTORS, load_vectors
from embit.bip32 import HDKey
from embit.descriptor import Descriptor
from hypothesis import given, settings
from hypothesis import strategies as st
from qrcode.exceptions import DataOverflowError

from signer.errors import AirsignError, PayloadTooLarge, SequenceMismatch, TransportError
from signer.transport import bbqr, pmofn, ur, urtypes
from signer.transport.assembler import Assembler
from signer.transport.encoders import encode_frames
from signer.transport.single import classify
from signer.transport.types import Format, PayloadKind

SMALL_PSBTS = [bytes.fromhex(v["hex"]) for v in load_vectors("psbt/bip174_vectors.json")["valid"]]
PSBT_100_OUT = (VECTORS / "bbqr/test_data/1in100out.psbt").read_bytes()
PSBT_1000_OUT = (VECTORS / "bbqr/test_data/1in1000out.psbt").read_bytes()
ANIMATED = (Format.UR, Format.BBQR, Format.PMOFN)


def _frames(psbt: bytes, fmt: Format, density: str = "medium") -> list:
    sequence = encode_frames(psbt, fmt, density=density)
    return list(sequence.frames)


def _receive_all(frames, assembler: Assembler | None = None) -> Assembler:
    assembler = assembler or Assembler()
    for frame in frames:
        assembler.receive(frame)
    return assembler


@pytest.mark.parametrize("fmt", [*ANIMATED, Format.SINGLE])
@pytest.mark.parametrize("index", range(len(SMALL_PSBTS)))
def test_bip174_psbts_round_trip_in_every_format(fmt, index):
    psbt = SMALL_PSBTS[index]
    density = "high" if fmt is Format.SINGLE else "low"
    try:
        frames = _frames(psbt, fmt, density)
    except PayloadTooLarge:  # only when qrcode agrees the base64 misses a version 15 QR
        code = qrcode.QRCode(version=15, error_correction=qrcode.constants.ERROR_CORRECT_L)
        code.add_data(base64.b64encode(psbt))
        with pytest.raises(DataOverflowError):
            code.make(fit=False)
        assert fmt is Format.SINGLE
        return
    payload = _receive_all(frames).result()
    assert (payload.kind, payload.data, payload.format) == (PayloadKind.PSBT, psbt, fmt)


@pytest.mark.parametrize("fmt", ANIMATED)
@pytest.mark.parametrize("psbt", [PSBT_100_OUT, PSBT_1000_OUT], ids=["4KB", "35KB"])
def test_shuffled_and_repeated_parts(fmt, psbt):
    frames = _frames(psbt, fmt, "high")
    shuffled = frames * 2
    random.Random(7).shuffle(shuffled)
    assembler = Assembler()
    for frame in shuffled:
        assembler.receive(frame)
        if assembler.is_complete:
            break
    assert assembler.result().data == psbt


def test_ur_completes_from_mixed_parts_alone():
    sequence = encode_frames(PSBT_100_OUT, Format.UR, density="high")
    pure = len(sequence.frames)
    assert [sequence.next_frame() for _ in range(pure)] == list(sequence.frames)
    assembler = Assembler()
    for _ in range(10 * pure):
        assembler.receive(sequence.next_frame())  # only mixed parts from here on
        if assembler.is_complete:
            break
    assert assembler.result().data == PSBT_100_OUT


def test_progress_reports_missing_parts_for_bbqr_and_an_estimate_for_ur():
    frames = _frames(PSBT_1000_OUT, Format.BBQR, "medium")
    assembler = Assembler()
    progress = assembler.receive(frames[1])
    for frame in frames[4:]:
        progress = assembler.receive(frame)
    assert progress.missing == (1, 3, 4)
    assert progress.parts_total == len(frames) and progress.estimated_remaining == 3
    ur_frames = _frames(PSBT_1000_OUT, Format.UR, "medium")
    ur_assembler = Assembler()
    progress = ur_assembler.receive(ur_frames[0])
    assert progress.parts_total == len(ur_frames)
    assert progress.estimated_remaining == len(ur_frames) - 1 and progress.missing == ()


@pytest.mark.parametrize("fmt", ANIMATED)
def test_interleaved_parts_of_two_psbts(fmt):
    first = _frames(PSBT_100_OUT, fmt, "medium")
    second = _frames(PSBT_1000_OUT, fmt, "medium")
    assembler = Assembler()
    assembler.receive(first[0])
    with pytest.raises(SequenceMismatch) as caught:
        assembler.receive(second[1])
    assert "\n" not in str(caught.value)
    _receive_all(first[1:], assembler)
    assert assembler.result().data == PSBT_100_OUT
    assembler.reset()
    assert _receive_all(second, assembler).result().data == PSBT_1000_OUT


def _damage(frame: str, position: int) -> str:
    replacement = "2" if frame[position] != "2" else "3"
    return frame[:position] + replacement + frame[position + 1 :]


def test_corrupted_and_truncated_ur_parts_are_refused_without_losing_progress():
    frames = _frames(PSBT_100_OUT, Format.UR, "medium")
    assembler = Assembler()
    assembler.receive(frames[0])
    for bad in (_damage(frames[1], 30), frames[1][:-10], frames[1][: len(frames[1]) // 2]):
        with pytest.raises(TransportError):
            assembler.receive(bad)
    assert assembler.progress().parts_received == 1
    assert _receive_all(frames[1:], assembler).result().data == PSBT_100_OUT


def test_corrupted_bbqr_data_is_never_returned():
    frames = _frames(PSBT_100_OUT, Format.BBQR, "medium")
    assert frames[0][2] == "Z"  # a PSBT compresses, so the encoder chose Z
    damaged = [_damage(frames[0], 20), *frames[1:]]
    with pytest.raises(TransportError):
        _receive_all(damaged)
    truncated = frames[1][: len(frames[1]) - 8]  # still whole base32 groups, one short
    with pytest.raises(SequenceMismatch, match="not the size"):
        _receive_all([frames[0], truncated])


def test_pmofn_with_a_damaged_magic_is_not_taken_for_a_psbt():
    frames = _frames(PSBT_100_OUT, Format.PMOFN, "medium")
    assert frames[0].startswith("p1of")
    frames[0] = frames[0].replace(" cHNidP", " cHNibP", 1)  # no longer base64 of "psbt"
    assert _receive_all(frames).result().kind is PayloadKind.TEXT


@pytest.mark.parametrize("fmt", [*ANIMATED, Format.SINGLE])
def test_oversized_input_is_refused(fmt):
    frames = (
        _frames(PSBT_100_OUT, fmt, "high")
        if fmt is not Format.SINGLE
        else [base64.b64encode(PSBT_100_OUT).decode()]
    )
    with pytest.raises(PayloadTooLarge) as caught:
        _receive_all(frames, Assembler(max_bytes=2000))
    assert "\n" not in str(caught.value)


def _big_psbt(size: int) -> bytes:
    return b"psbt\xff" + random.Random(size).randbytes(size - 5)


@pytest.mark.parametrize("fmt", ANIMATED)
def test_two_megabyte_psbt_is_accepted(fmt):
    psbt = _big_psbt(2_000_000)
    if fmt is Format.BBQR:
        frames = bbqr.split(bbqr.encode_body("2", psbt), "2", "P", bbqr.MAX_PARTS)
    elif fmt is Format.PMOFN:
        frames = pmofn.split(base64.b64encode(psbt).decode(), 1000)
    else:
        encoder = ur.UREncoder(urtypes.psbt_to_ur(psbt), 2500)
        frames = [encoder.next_part() for _ in range(encoder.fragment_count)]
    payload = _receive_all(frames).result()
    assert payload.kind is PayloadKind.PSBT and payload.data == psbt


@pytest.mark.parametrize("fmt", ANIMATED)
def test_memory_stays_a_small_multiple_of_the_payload(fmt):
    psbt = _big_psbt(200_000)
    frames = _frames(psbt, fmt, "high")
    tracemalloc.start()
    try:
        payload = _receive_all(frames).result()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert payload.data == psbt
    assert peak < 6 * len(psbt)  # parts, the joined text and the result: no per-part copies


def test_payload_claiming_psbt_without_magic_is_refused():
    frames = bbqr.split(bbqr.encode_body("Z", b"\0" * 1000), "Z", "P", 2)
    with pytest.raises(TransportError, match="not a PSBT"):
        _receive_all(frames)
    resource = ur.UR("crypto-psbt", bytes([0x44]) + b"abcd")  # CBOR byte string, no magic
    with pytest.raises(AirsignError, match="not a PSBT"):
        Assembler().receive(ur.encode_single(resource).upper())


def test_single_frame_then_a_different_one_needs_a_reset():
    text = base64.b64encode(SMALL_PSBTS[0]).decode()
    assembler = Assembler()
    assembler.receive(text)
    assembler.receive(text)  # the same QR again: ignored
    with pytest.raises(SequenceMismatch, match="reset"):
        assembler.receive("bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")
    assembler.reset()
    assert assembler.receive("hello").parts_total == 1
    assert assembler.result().kind is PayloadKind.TEXT


def test_result_before_completion_is_an_error():
    assembler = Assembler()
    with pytest.raises(TransportError, match="not complete"):
        assembler.result()
    assembler.receive(_frames(PSBT_100_OUT, Format.BBQR)[0])
    with pytest.raises(TransportError, match="not complete"):
        assembler.result()


@pytest.mark.parametrize(
    "first",
    [
        "B$",
        "B$ZP",
        "B$ZP0500",
        "B$XX0100AA",
        "ur:",
        "UR:CRYPTO-PSBT/",
        "ur:crypto-psbt/1-2/",
        "ur:crypto-psbt/0-2/lpad",
        "ur:bad type/abc",
        "p0of2 abc",
        "p3of2 abc",
        "cHNidP8BA",
        "bitcoin:bc1qnotanaddress",
    ],
)
def test_garbage_first_parts_give_one_line_errors(first):
    assembler = Assembler()
    with pytest.raises(AirsignError) as caught:
        assembler.receive(first)
    assert str(caught.value) and "\n" not in str(caught.value)
    assert not assembler.is_complete and assembler.progress().parts_total == 0


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_any_single_qr_content_is_classified_or_refused_cleanly(data):
    try:
        payload = classify(data)
    except AirsignError as error:
        assert str(error) and "\n" not in str(error)
    else:
        assert payload.format is Format.SINGLE


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["B$ZP0200", "B$ZP0201", "p1of2 ", "p2of2 ", "ur:bytes/"]),
        min_size=1,
        max_size=4,
    ),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", max_size=40),
)
def test_any_part_sequence_is_collected_or_refused_cleanly(prefixes, body):
    assembler = Assembler()
    for prefix in prefixes:
        try:
            assembler.receive(prefix + body)
        except AirsignError as error:
            assert str(error) and "\n" not in str(error)


def test_random_binary_frames_never_escape_as_other_exceptions():
    assembler = Assembler()
    for _ in range(200):
        assembler.reset()
        with contextlib.suppress(AirsignError):
            assembler.receive(os.urandom(random.randint(1, 64)))


# BIP-383's sortedmulti vector wrapped in wsh(): public keys only.
DESCRIPTOR = (
    "wsh("
    + next(
        v["descriptor"]
        for v in load_vectors("descriptors/descriptor_vectors.json")["vectors"]
        if v["kind"] == "descriptor"
        and v["valid"]
        and v["descriptor"].startswith("sortedmulti(2,xpub")
    )
    + ")"
)


def _scripts(descriptor: str) -> list[bytes]:
    parsed = Descriptor.from_string(descriptor)
    return [parsed.derive(index).script_pubkey().data for index in range(3)]


@pytest.mark.parametrize(
    ("fmt", "encoding"),
    [(Format.BBQR, ""), (Format.PMOFN, ""), (Format.SINGLE, ""), (Format.UR, "")],
)
def test_descriptor_text_round_trips(fmt, encoding):
    payload = classify(DESCRIPTOR)
    assert payload.kind is PayloadKind.DESCRIPTOR
    sequence = encode_frames(payload, fmt, density="high", encoding=encoding)
    back = _receive_all(sequence.frames).result()
    assert (back.kind, back.data, back.format) == (PayloadKind.DESCRIPTOR, DESCRIPTOR, fmt)


def _key_with_origin(vector: dict) -> str:
    chain = vector["chains"][1]  # the first child: depth 1, known parent
    master = HDKey.from_seed(bytes.fromhex(vector["seed_hex"]))
    return f"[{master.my_fingerprint.hex()}{chain['path'][1:]}]{chain['ext_pub']}/0/*"


BIP32_VALID = load_vectors("bip32/bip32_vectors.json")["valid"]
WITH_ORIGINS = f"wsh(sortedmulti(2,{','.join(_key_with_origin(v) for v in BIP32_VALID[:3])}))"


@pytest.mark.parametrize("ur_type", ["crypto-output", "output-descriptor"])
def test_descriptor_as_ur_output_keeps_the_same_scripts(ur_type):
    sequence = encode_frames(classify(WITH_ORIGINS), Format.UR, density="high", encoding=ur_type)
    back = _receive_all(sequence.frames).result()
    assert (back.kind, back.encoding) == (PayloadKind.DESCRIPTOR, ur_type)
    assert _scripts(back.data) == _scripts(WITH_ORIGINS)


def test_descriptor_without_origins_as_ur_output_keeps_the_same_scripts():
    sequence = encode_frames(
        classify(DESCRIPTOR), Format.UR, density="high", encoding="crypto-output"
    )
    assert _scripts(_receive_all(sequence.frames).result().data) == _scripts(DESCRIPTOR)


def test_wallet_json_goes_as_bbqr_type_j_and_comes_back_a_wallet_file():
    wallet = json.dumps({"label": "Vault", "blockheight": 0, "descriptor": DESCRIPTOR})
    sequence = encode_frames(classify(wallet), Format.BBQR, density="medium")
    assert sequence.frames[0][3] == "J"
    back = _receive_all(sequence.frames).result()
    assert (back.kind, back.data, back.meta["file_type"]) == (PayloadKind.WALLET_FILE, wallet, "J")


@pytest.mark.parametrize("fmt", ANIMATED)
def test_frames_handed_over_as_bytes_like_pyzbar_does(fmt):
    frames = [frame.encode("ascii") for frame in _frames(PSBT_100_OUT, fmt, "high")]
    assert _receive_all(frames).result().data == PSBT_100_OUT


def test_a_refused_first_part_leaves_the_assembler_empty():
    assembler = Assembler(max_bytes=1_000)
    too_big = "B$HP" + "ZZ" + "00" + "AB" * 100  # 1295 parts of 100 bytes claimed
    with pytest.raises(PayloadTooLarge):
        assembler.receive(too_big)
    assert assembler.progress().parts_total == 0
    text = base64.b64encode(SMALL_PSBTS[8]).decode()  # the next scan starts afresh
    assert assembler.receive(text).parts_received == 1
    assert assembler.result().data == SMALL_PSBTS[8]


FUZZ_FRAMES = {fmt: _frames(PSBT_100_OUT, fmt, "medium") for fmt in ANIMATED}


@settings(max_examples=200, deadline=None)
@given(fmt=st.sampled_from(ANIMATED), data=st.data())
def test_damaged_real_frames_give_a_psbt_or_a_one_line_error(fmt, data):
    frames = list(FUZZ_FRAMES[fmt])
    which = data.draw(st.integers(0, len(frames) - 1))
    frame = frames[which]
    position = data.draw(st.integers(0, len(frame) - 1))
    replacement = data.draw(st.sampled_from("AZ27/:-+ $%*.pof019xq\n"))
    frames[which] = frame[:position] + replacement + frame[position + 1 :]
    if data.draw(st.booleans()):
        frames[which] = frames[which][: data.draw(st.integers(0, len(frames[which])))]
    assembler = Assembler()
    try:
        for frame in frames:
            assembler.receive(frame)
    except AirsignError as error:
        assert str(error) and "\n" not in str(error)
        return
    if assembler.is_complete:  # damage can slip past formats without checksums, not the magic
        assert assembler.result().kind is not PayloadKind.PSBT or assembler.result().data[:5] == (
            b"psbt\xff"
        )


def test_default_limit_is_the_psbt_loaders() -> None:
    """A series announcing more than the PSBT loader accepts (2 MiB) is refused at its first
    part, not scanned to the end and refused then."""
    from signer.errors import PayloadTooLarge
    from signer.psbt import DEFAULT_MAX_SIZE

    first = "B$HPZZ00" + "00" * 2000  # hex, 1,295 parts ("ZZ") of 2,000 bytes: 2.59 MB
    assert DEFAULT_MAX_SIZE < 1295 * 2000 < 4_000_000  # over the loader's, under the old one
    with pytest.raises(PayloadTooLarge):
        Assembler().receive(first)
