"""The fast QR renderer: fixed version per animation, quiet zone, integer module scaling,
and symbols that two independent readers (zxing-cpp, zbar) read back."""

import numpy as np
import pytest

from signer.errors import PayloadTooLarge, UsageError
from signer.transport.encoders import encode_frames
from signer.transport.types import Format
from ui.qr.render import (
    QUIET_ZONE,
    QRRenderer,
    largest_version,
    modules_for_version,
    qr_modules,
    scale_to_fit,
    symbol_version,
)
from ui.scan.decoders import DECODERS, get_decoder

PSBT = b"psbt\xff" + bytes(range(256)) * 6


@pytest.mark.parametrize("version", [1, 6, 10, 15, 20, 40])
def test_fixed_version_gives_that_size(version: int) -> None:
    modules = np.asarray(qr_modules("UR:BYTES/HELLO", version=version)) == 0  # True = dark
    assert modules.shape == (modules_for_version(version),) * 2
    assert symbol_version(qr_modules("UR:BYTES/HELLO", version=version)) == version
    # finder pattern: a 7x7 dark ring in the top-left corner
    assert modules[0, :7].all() and modules[:7, 0].all() and not modules[1, 1:6].any()


def test_smallest_version_and_too_large() -> None:
    assert symbol_version(qr_modules("A")) == 1
    with pytest.raises(PayloadTooLarge):
        qr_modules("A" * 200, version=2)
    with pytest.raises(UsageError):
        qr_modules("A", version=41)
    with pytest.raises(UsageError):
        qr_modules("A", ec_level="X")


def test_integer_scaling_and_quiet_zone() -> None:
    symbol_image = qr_modules("UR:BYTES/HELLO", version=10)  # 57 modules, 65 with quiet zones
    modules = np.asarray(symbol_image) == 0
    image = np.asarray(scale_to_fit(symbol_image, 240))
    assert image.shape == (240, 240) and image.dtype == np.uint8
    scale = 240 // (57 + 2 * QUIET_ZONE)
    offset = (240 - 57 * scale) // 2
    assert scale == 3
    assert (image[:offset] == 255).all() and (image[:, :offset] == 255).all()
    symbol = image[offset : offset + 57 * scale, offset : offset + 57 * scale]
    # every module is a uniform scale x scale block equal to the matrix
    np.testing.assert_array_equal(symbol[::scale, ::scale] == 0, modules)
    np.testing.assert_array_equal(np.repeat(np.repeat(symbol[::scale, ::scale], scale, 0),
                                            scale, 1), symbol)
    with pytest.raises(PayloadTooLarge, match="lower QR density"):
        scale_to_fit(qr_modules("A", version=40), 180)


@pytest.mark.parametrize("fmt", [Format.UR, Format.BBQR, Format.PMOFN])
def test_animation_frames_share_one_version_and_read_back(fmt: Format) -> None:
    frames = encode_frames(PSBT, fmt, density="high")
    renderer = QRRenderer(480, version=frames.qr_version)
    texts = list(frames.frames)
    assert largest_version(texts) <= frames.qr_version
    for text in texts:
        image = renderer.render(text)
        assert symbol_version(renderer.modules(text)) == frames.qr_version
        for name in DECODERS:
            assert get_decoder(name).decode(image) == [text], name


def test_non_ascii_text_is_utf8() -> None:
    image = QRRenderer(300).render("Überweisung ✓")
    for name in DECODERS:
        assert get_decoder(name).decode(image) == ["Überweisung ✓"]
