"""Both QR decoders on codes drawn by our renderer and by an encoder that is not ours (the
`qrcode` package), including binary content that must come back as the same bytes."""

import numpy as np
import pytest
import qrcode
from conftest import load_vectors
from framegen import (
    GLARE,
    HARSH,
    MILD,
    VIDEO,
    Degradation,
    ListSource,
    camera_frame,
    exposed_code,
    screen_capture,
)
from PIL import Image

from signer.errors import TransportError, UsageError
from signer.transport.encoders import encode_frames
from signer.transport.types import Format
from ui.qr.render import QRRenderer
from ui.scan.decoders import (
    DECODERS,
    ZBAR_CPU_SHARE,
    CombinedDecoder,
    classify_content,
    downscale,
    get_decoder,
)
from ui.scan.scanner import scan_frames

SEEDQR = load_vectors("seedqr/seedqr_vectors.json")["vectors"]
COMPACT = [bytes.fromhex(v["compact_seedqr_hex"]) for v in SEEDQR]
UR_PART = ("UR:CRYPTO-PSBT/1-3/LPADAXCFAXHLCYYNDRGRKGHDDPHKOSWPFZHSGSHDDYFWRLYAOXGTLFHEHDZ"
           "SETOTTLFTDVLSWNGRCWNBTEBZMSWPTDLTDSAPGWSNKKSBDWRFYPLNLGAOLPSB")
BBQR_PART = "B$ZP0200FMUE4KXZZ7EZTQV5MCL7CMV5NQYABHJAB2NSF4XSWTYMXV3LXJ6RRLQ5CDIK3O"


def qrcode_package_image(data: str | bytes, scale: int = 6) -> np.ndarray:
    """The QR code as drawn by python-qrcode: an independent encoder."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=4,
                         box_size=scale)
    code.add_data(data)
    code.make(fit=True)
    return np.asarray(code.make_image().get_image().convert("L"))


@pytest.mark.parametrize("decoder", sorted(DECODERS))
@pytest.mark.parametrize("data", [UR_PART, BBQR_PART, "p1of2 cHNidP8BAHECAAAAAQ==",
                                  SEEDQR[0]["standard_seedqr_digits"], "bitcoin:tb1qxyz?a=1"])
def test_text_from_both_encoders(decoder: str, data: str) -> None:
    reader = get_decoder(decoder)
    assert reader.decode(QRRenderer(400).render(data)) == [data]
    assert reader.decode(qrcode_package_image(data)) == [data]


@pytest.mark.parametrize("decoder", sorted(DECODERS))
@pytest.mark.parametrize("entropy", COMPACT, ids=[v["name"] for v in SEEDQR])
def test_compact_seedqr_bytes_come_back_as_bytes(decoder: str, entropy: bytes) -> None:
    reader = get_decoder(decoder)
    assert reader.decode(QRRenderer(300).render(entropy)) == [entropy]
    assert reader.decode(qrcode_package_image(entropy)) == [entropy]


@pytest.mark.parametrize("decoder", sorted(DECODERS))
def test_binary_psbt_bytes(decoder: str) -> None:
    raw = b"psbt\xff\x01\x00\x0a" + bytes(range(256))
    assert get_decoder(decoder).decode(qrcode_package_image(raw, scale=3)) == [raw]


def test_empty_frame_and_degraded_frame() -> None:
    blank = np.full((480, 640), 200, dtype=np.uint8)
    frame = camera_frame(QRRenderer(480, version=10).render(UR_PART), MILD, seed=3)
    for name in DECODERS:
        assert get_decoder(name).decode(blank) == []
    assert get_decoder("zxing").decode(frame) == [UR_PART]


def test_colour_frames_are_read_by_luminance() -> None:
    gray = np.asarray(QRRenderer(300).render(BBQR_PART))
    bgr = np.repeat(gray[:, :, None], 3, axis=2)
    assert get_decoder().decode(bgr) == [BBQR_PART]


def test_classify_and_unknown_decoder() -> None:
    assert classify_content("Grüße".encode()) == "Grüße"
    assert classify_content(b"\xff\xfe") == b"\xff\xfe"  # not UTF-8
    assert classify_content(b"abc\x00") == b"abc\x00"  # control byte: binary
    assert get_decoder("zbar").name == "pyzbar"
    with pytest.raises(UsageError, match="unknown QR decoder"):
        get_decoder("opencv")


def _animated_capture(parts: int, deg: Degradation, frames: int, **timing: float
                      ) -> tuple[bytes, list[np.ndarray]]:
    """A PSBT as an animated BBQr of `parts` parts, filmed off a screen (framegen)."""
    psbt = b"psbt\xff" + np.random.default_rng(parts).bytes(parts * 230)
    sequence = encode_frames(psbt, Format.BBQR, density="medium")
    renderer = QRRenderer(480, version=sequence.qr_version)
    codes = [renderer.render(text) for text in sequence.frames]
    return psbt, screen_capture(codes, deg, seed=2, frames=frames, **timing)


def _completes(decoder: str, psbt: bytes, shots: list[np.ndarray]) -> bool:
    with ListSource(shots) as source:
        try:
            payload, _ = scan_frames(source, get_decoder(decoder))
        except TransportError:
            return False
    return payload.data == psbt


# Every camera frame spans a screen refresh (camera and screen at the same rate): two
# consecutive parts blended, over-exposed, JPEG-compressed. zxing-cpp reads none of them.
BLENDED_GLARE = dict(camera_fps=5.0, screen_fps=5.0, shutter=1.0)
# Three camera frames per part, tilted 25 degrees, blurred, noisy, half contrast: zbar reads none.
HARSH_VIDEO = dict(camera_fps=15.0, screen_fps=5.0, shutter=0.5)


def test_combined_decoder_completes_what_only_zbar_reads() -> None:
    psbt, shots = _animated_capture(12, GLARE, frames=12 * 8, **BLENDED_GLARE)
    assert not _completes("zxing", psbt, shots)
    assert _completes("pyzbar", psbt, shots)
    assert _completes("zxing+zbar", psbt, shots)


def test_combined_decoder_completes_what_only_zxing_reads() -> None:
    psbt, shots = _animated_capture(12, HARSH, frames=12 * 3 * 2, **HARSH_VIDEO)
    assert not _completes("pyzbar", psbt, shots)
    assert _completes("zxing", psbt, shots)
    assert _completes("zxing+zbar", psbt, shots)


def test_combined_decoder_spends_no_zbar_time_on_frames_without_a_code_or_read_by_zxing(
) -> None:
    combined = CombinedDecoder()
    blank = np.full((480, 640), 200, dtype=np.uint8)
    readable = camera_frame(QRRenderer(480, version=10).render(UR_PART), MILD, seed=3)
    for _ in range(30):
        assert combined.decode(blank) == []
        assert combined.decode(readable) == [UR_PART]
    assert combined.zbar_frames == 0 and combined.zbar_seconds == 0.0


def test_combined_decoder_caps_zbar_time_on_frames_nobody_reads() -> None:
    # Two parts blended half and half: zxing-cpp finds a code, neither decoder reads it.
    codes = [QRRenderer(480, version=10).render(f"{UR_PART[:-2]}{n:02d}") for n in range(12)]
    shots = [camera_frame(exposed_code(codes, n + 0.5, 1.0, screen_fps=1.0), VIDEO, seed=n)
             for n in range(40)]
    combined = CombinedDecoder()
    for shot in shots:
        combined.decode(shot)
    assert combined.zbar_reads == 0
    assert 0 < combined.zbar_frames < len(shots)
    # Within its share, give or take the one run the budget let in last.
    last_run = combined.zbar_seconds / combined.zbar_frames
    assert combined.zbar_wasted_seconds <= ZBAR_CPU_SHARE * combined.zxing_seconds + last_run


def test_downscale_averages_blocks() -> None:
    pixels = Image.fromarray(np.array([[0, 255, 10, 10], [255, 0, 10, 10]], dtype=np.uint8))
    assert np.asarray(downscale(pixels, 2)).tolist() == [[128, 10]]
    assert downscale(pixels, 1) is pixels
