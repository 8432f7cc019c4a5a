"""Display encoders: QR sizes checked against the qrcode library and BBQr.md, frames read back
with zxing-cpp, replies in the format the request came in."""

import base64
import itertools
import math
import random

import pytest
import qrcode
import zxingcpp
from conftest import VECTORS, load_vectors
from embit.psbt import PSBT as EmbitPSBT
from independent.coordinator import Pay, Spend, build_psbt, external_script, make_wallet, root
from qrcode.exceptions import DataOverflowError

from signer.errors import PayloadTooLarge, UsageError
from signer.network import Network
from signer.psbt import load_psbt, serialize_psbt
from signer.review import review_psbt
from signer.settings import Settings
from signer.sign import sign_psbt
from signer.transport import bbqr
from signer.transport.assembler import Assembler
from signer.transport.encoders import (
    DENSITY_MAX_QR_VERSION,
    capacity,
    encode_frames,
    qr_version_for,
    reply_frames,
)
from signer.transport.types import Format, Payload, PayloadKind

BIP174_VALID = load_vectors("psbt/bip174_vectors.json")["valid"]
PSBT_SMALL = bytes.fromhex(BIP174_VALID[1]["hex"])  # 342 bytes
PSBT_20_OUT = (VECTORS / "bbqr/test_data/1in20out.psbt").read_bytes()
PSBT_100_OUT = (VECTORS / "bbqr/test_data/1in100out.psbt").read_bytes()
SEEDQR = load_vectors("seedqr/seedqr_vectors.json")["vectors"]
L = qrcode.constants.ERROR_CORRECT_L

# BBQr.md capacity table: version -> alphanumeric characters at error correction L
BBQR_MD_CHARS = {
    1: 25,
    11: 468,
    23: 1588,
    24: 1704,
    25: 1853,
    26: 1990,
    27: 2132,
    28: 2223,
    29: 2369,
    30: 2520,
    31: 2677,
    32: 2840,
    33: 3009,
    34: 3183,
    35: 3351,
    36: 3537,
    37: 3729,
    38: 3927,
    39: 4087,
    40: 4296,
}


def test_alphanumeric_capacity_matches_the_bbqr_table():
    for version, chars in BBQR_MD_CHARS.items():
        assert capacity("alphanumeric", version) == chars


def _qrcode_best_version(content: str | bytes) -> int:
    code = qrcode.QRCode(error_correction=L)
    code.add_data(content, optimize=0)
    return code.best_fit()


@pytest.mark.parametrize("length", [1, 17, 41, 48, 96, 154, 400, 1000, 2000, 4000])
def test_version_choice_agrees_with_the_qrcode_library(length):
    samples = [
        "7" * length,
        "A$" * (length // 2) + "B" * (length % 2),
        "p" * length,
        bytes(range(256)) * (length // 256) + b"\x80" * (length % 256),
    ]
    for sample in samples:
        if len(sample) <= 2900:
            assert qr_version_for(sample) == _qrcode_best_version(sample), sample[:10]


def _fits(frame: str | bytes, version: int) -> bool:
    code = qrcode.QRCode(error_correction=L)
    code.add_data(frame, optimize=0)
    try:  # the library's own bit packing for that version, without drawing the code
        qrcode.util.create_data(version, L, code.data_list)
    except DataOverflowError:
        return False
    return True


@pytest.mark.parametrize("density", DENSITY_MAX_QR_VERSION)
@pytest.mark.parametrize("fmt", [Format.UR, Format.BBQR, Format.PMOFN])
def test_every_frame_fits_the_reported_version_within_the_density(fmt, density):
    sequence = encode_frames(PSBT_100_OUT, fmt, density=density)
    assert sequence.qr_version <= DENSITY_MAX_QR_VERSION[density] <= 15
    later = [sequence.next_frame() for _ in range(2 * len(sequence.frames))]
    frames = list(sequence.frames) + later
    assert all(_fits(frame, sequence.qr_version) for frame in frames)
    if fmt is not Format.UR:  # the version is the smallest that holds the longest frame
        assert not _fits(max(frames, key=len), sequence.qr_version - 1)


def _image(frame: str | bytes, version: int):
    code = qrcode.QRCode(version=version, error_correction=L, box_size=3, border=4)
    code.add_data(frame, optimize=0)
    code.make(fit=False)
    return code.make_image().get_image().convert("L")


@pytest.mark.parametrize("fmt", [Format.UR, Format.BBQR, Format.PMOFN, Format.SINGLE])
def test_frames_read_back_by_zxing_reassemble(fmt):
    psbt = PSBT_SMALL if fmt is Format.SINGLE else PSBT_20_OUT
    sequence = encode_frames(psbt, fmt, density="high" if fmt is Format.SINGLE else "medium")
    assembler = Assembler()
    for frame in sequence.frames:
        read = zxingcpp.read_barcodes(_image(frame, sequence.qr_version))
        assert len(read) == 1
        assembler.receive(read[0].text)
    assert assembler.result().data == psbt


def test_seedqr_frames_have_the_published_sizes():
    twelve = next(v for v in SEEDQR if v["words"] == 12)["mnemonic"]
    twenty_four = next(v for v in SEEDQR if v["words"] == 24)["mnemonic"]
    sizes = {}
    for words in (twelve, twenty_four):
        payload = Payload(PayloadKind.SEEDQR, words, Format.SINGLE)
        for form in ("standard", "compact"):
            sequence = encode_frames(payload, Format.SINGLE, density="low", encoding=form)
            sizes[(len(words.split()), form)] = sequence.qr_version
    assert sizes == {
        (12, "standard"): 2,
        (12, "compact"): 1,
        (24, "standard"): 3,
        (24, "compact"): 2,
    }


def test_bbqr_picks_z_when_smaller_and_base32_when_not():
    assert encode_frames(PSBT_100_OUT, Format.BBQR).encoding == "Z"
    noise = b"psbt\xff" + random.Random(1).randbytes(3000)
    assert encode_frames(noise, Format.BBQR).encoding == "2"
    assert encode_frames(PSBT_100_OUT, Format.BBQR, encoding="H").frames[0][:3] == "B$H"


def test_bbqr_uses_the_fewest_parts_the_density_allows():
    for density, limit in DENSITY_MAX_QR_VERSION.items():
        sequence = encode_frames(PSBT_100_OUT, Format.BBQR, density=density)
        body = bbqr.encode_body("Z", PSBT_100_OUT)
        largest = (capacity("alphanumeric", limit) - 8) // 8 * 8
        assert len(sequence.frames) == math.ceil(len(body) / largest)


def test_ur_shows_pure_parts_then_mixed_parts_forever():
    sequence = encode_frames(PSBT_100_OUT, Format.UR, density="medium")
    count = len(sequence.frames)
    shown = [sequence.next_frame() for _ in range(count + 5)]
    assert shown[:count] == list(sequence.frames)
    assert [frame.split("/")[1] for frame in shown[count : count + 2]] == [
        f"{count + 1}-{count}",
        f"{count + 2}-{count}",
    ]
    assert all(frame == frame.upper() for frame in shown)  # alphanumeric mode


def test_finite_sequences_loop():
    sequence = encode_frames(PSBT_100_OUT, Format.BBQR, density="low")
    count = len(sequence.frames)
    assert [sequence.next_frame() for _ in range(2 * count)] == list(sequence.frames) * 2
    assert list(itertools.islice(sequence, count)) == list(sequence.frames)  # iterating loops too


@pytest.mark.parametrize(
    ("came_as", "expected_format", "expected_encoding"),
    [
        (Payload(PayloadKind.PSBT, b"", Format.UR, "crypto-psbt"), Format.UR, "crypto-psbt"),
        (Payload(PayloadKind.PSBT, b"", Format.UR, "psbt"), Format.UR, "psbt"),
        (Payload(PayloadKind.PSBT, b"", Format.BBQR, "H"), Format.BBQR, "H"),
        (Payload(PayloadKind.PSBT, b"", Format.BBQR, "2"), Format.BBQR, "2"),
        (Payload(PayloadKind.PSBT, b"", Format.BBQR, "Z"), Format.BBQR, "Z"),
        (Payload(PayloadKind.PSBT, b"", Format.PMOFN, "base64"), Format.PMOFN, "base64"),
        (Payload(PayloadKind.PSBT, b"", Format.SINGLE, "base64"), Format.SINGLE, "base64"),
        (Payload(PayloadKind.PSBT, b"", Format.SINGLE, "hex"), Format.SINGLE, "hex"),
        (Payload(PayloadKind.PSBT, b"", Format.SINGLE, "base43"), Format.SINGLE, "base43"),
    ],
)
def test_reply_goes_back_the_way_it_came(came_as, expected_format, expected_encoding):
    sequence = reply_frames(PSBT_SMALL, came_as, "high")
    assert (sequence.format, sequence.encoding, sequence.note) == (
        expected_format,
        expected_encoding,
        "",
    )
    assembler = Assembler()
    for frame in sequence.frames:
        assembler.receive(frame)
    assert assembler.result().data == PSBT_SMALL


def test_reply_that_outgrew_one_qr_falls_back_to_ur_and_says_so():
    came_as = Payload(PayloadKind.PSBT, b"", Format.SINGLE, "base64")
    sequence = reply_frames(PSBT_100_OUT, came_as, "medium")
    assert (sequence.format, sequence.encoding) == (Format.UR, "crypto-psbt")
    assert "animated UR" in sequence.note


def _signed_by_cosigner_0(inputs: int) -> tuple[bytes, bytes]:
    """(unsigned, signed) 2-of-3 P2WSH PSBT from the independent coordinator, with the full
    previous transactions (as Sparrow and Core send them)."""
    vault = make_wallet()
    spends = [Spend(vault, False, index, 50_000 + index) for index in range(inputs)]
    unsigned = build_psbt(spends, [Pay(30_000, external_script()),
                                   Pay(10_000, wallet=vault, index=3)]).serialize()
    settings = Settings(network=Network.TEST)
    psbt = load_psbt(unsigned)
    review = review_psbt(psbt, root=root(0), wallets=[vault.wallet], settings=settings,
                         network=Network.TEST)
    return unsigned, serialize_psbt(sign_psbt(psbt, review, root=root(0),
                                              wallets=[vault.wallet]).psbt)


@pytest.mark.parametrize("encoding", ["base43", "base64", "hex"])
@pytest.mark.parametrize("density", ["low", "medium"])
def test_one_qr_request_gets_one_qr_of_signatures_when_the_psbt_outgrew_it(encoding, density):
    unsigned, signed = _signed_by_cosigner_0(1)
    with pytest.raises(PayloadTooLarge):  # the whole signed PSBT cannot go as one QR
        encode_frames(signed, Format.SINGLE, density=density, encoding=encoding)
    came_as = Payload(PayloadKind.PSBT, unsigned, Format.SINGLE, encoding)
    reply = reply_frames(signed, came_as, density)
    assert (reply.format, reply.encoding, len(reply.frames)) == (Format.SINGLE, encoding, 1)
    assert reply.signatures_only and "only our signatures" in reply.note
    assert reply.qr_version <= 15
    assembler = Assembler()
    assembler.receive(reply.frames[0])
    sent = EmbitPSBT.parse(assembler.result().data)  # embit's parser, not ours
    full = EmbitPSBT.parse(signed)
    assert sent.tx.serialize() == full.tx.serialize()
    assert sent.inputs[0].partial_sigs == full.inputs[0].partial_sigs != {}
    assert sent.inputs[0].witness_utxo is None and sent.inputs[0].non_witness_utxo is None


def test_single_frame_forms_decode_independently():
    for encoding, decode in [("base64", base64.b64decode), ("hex", bytes.fromhex)]:
        frame = encode_frames(PSBT_SMALL, Format.SINGLE, density="high", encoding=encoding)
        assert decode(frame.frames[0]) == PSBT_SMALL


def test_bad_requests():
    with pytest.raises(UsageError, match="density"):
        encode_frames(PSBT_SMALL, Format.BBQR, density="huge")
    with pytest.raises(UsageError, match="unknown BBQr encoding"):
        encode_frames(PSBT_SMALL, Format.BBQR, encoding="base64")
    with pytest.raises(UsageError, match="unknown single-QR encoding"):
        encode_frames(PSBT_SMALL, Format.SINGLE, density="high", encoding="base58")
    with pytest.raises(UsageError, match="ur:crypto-psbt or ur:psbt"):
        encode_frames(PSBT_SMALL, Format.UR, encoding="bytes")
    with pytest.raises(PayloadTooLarge, match="density allows up to version 6"):
        encode_frames(PSBT_100_OUT[:400], Format.SINGLE, density="low")


def test_a_small_ur_is_one_whole_qr():
    sequence = encode_frames(PSBT_SMALL, Format.UR, density="high")
    assert len(sequence.frames) == 1 and sequence.frames[0].startswith("UR:CRYPTO-PSBT/")
    assert "/1-" not in sequence.frames[0]  # a single-part UR has no sequence component
    assert [sequence.next_frame() for _ in range(3)] == list(sequence.frames) * 3
    assert _fits(sequence.frames[0], sequence.qr_version)


@pytest.mark.parametrize("fmt", [Format.UR, Format.BBQR, Format.PMOFN])
def test_never_more_parts_than_a_receiver_accepts(fmt):
    huge = b"psbt\xff" + random.Random(5).randbytes(2_000_000)
    with pytest.raises(PayloadTooLarge, match="at most|allows"):
        encode_frames(huge, fmt, density="low")
