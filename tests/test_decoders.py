"""Both QR decoders on codes drawn by our renderer and by an encoder that is not ours (the
`qrcode` package), including binary content that must come back as the same bytes."""

import numpy as np
import pytest
import qrcode
from conftest import load_vectors
from framegen import MILD, camera_frame

from signer.errors import UsageError
from ui.qr.render import QRRenderer
from ui.scan.decoders import DECODERS, classify_content, get_decoder

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
    gray = QRRenderer(300).render(BBQR_PART)
    bgr = np.repeat(gray[:, :, None], 3, axis=2)
    assert get_decoder().decode(bgr) == [BBQR_PART]


def test_classify_and_unknown_decoder() -> None:
    assert classify_content("Grüße".encode()) == "Grüße"
    assert classify_content(b"\xff\xfe") == b"\xff\xfe"  # not UTF-8
    assert classify_content(b"abc\x00") == b"abc\x00"  # control byte: binary
    assert get_decoder("zbar").name == "pyzbar"
    with pytest.raises(UsageError, match="unknown QR decoder"):
        get_decoder("opencv")
