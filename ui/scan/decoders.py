"""QR image decoders behind one interface: grayscale frame in, payloads of the QR codes out.

Both decoders hand back the raw bytes of the symbol, classified the same way
(`classify_content`): text (UTF-8 without control characters) as str, anything else
(compact SeedQR, raw PSBT bytes) as bytes. Raw bytes matter because libzbar otherwise
"guesses" a character set for byte-mode data (ISO-8859-1 or Shift-JIS, re-encoded as UTF-8)
and mangles binary content.

zxing-cpp is the default: several times faster than zbar and reads blurred, warped and
low-contrast frames that zbar misses (numbers: docs/camera.md, `python -m bench.qr`).
"""

import re
from ctypes import c_void_p, cast, string_at
from typing import Any, Protocol

import numpy as np
import zxingcpp

from signer.errors import UsageError
from ui.backends.frames import to_gray

_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def classify_content(raw: bytes) -> str | bytes:
    """str for text content, the bytes themselves for binary content."""
    if _CONTROL_BYTES.search(raw):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def as_gray(frame: np.ndarray) -> np.ndarray:
    """The luminance plane as a contiguous uint8 array (QR decoding needs nothing else)."""
    return np.ascontiguousarray(to_gray(frame), dtype=np.uint8)


class QRDecoder(Protocol):
    name: str

    def decode(self, gray: np.ndarray) -> list[str | bytes]:
        """Payloads of every QR code found in the frame (empty list when none)."""
        ...


class ZxingDecoder:
    """zxing-cpp (`zxingcpp.read_barcodes`), restricted to QR codes."""

    name = "zxing"

    def decode(self, gray: np.ndarray) -> list[str | bytes]:
        found = zxingcpp.read_barcodes(as_gray(gray), formats=zxingcpp.BarcodeFormat.QRCode)
        return [classify_content(symbol.bytes) for symbol in found if symbol.valid]


# zbar's zbar_config_e: ENABLE=0, ADD_CHECK, EMIT_CHECK, ASCII, BINARY=4. pyzbar 0.1.9
# predates BINARY (its enum stops at CFG_NUM=4), so it is named here. With it set, zbar
# returns a QR code's bytes as they are instead of converting a guessed charset to UTF-8.
_ZBAR_CFG_BINARY = 4
_ZBAR_GRAY = int.from_bytes(b"Y800", "little")  # fourcc of 8-bit grayscale


class ZbarDecoder:
    """libzbar through pyzbar's ctypes wrapper, QR only, in binary mode.

    pyzbar loads libzbar when imported, so it is imported here: a device without zbar still
    scans with zxing-cpp.
    """

    name = "pyzbar"

    def __init__(self) -> None:
        try:
            from pyzbar import wrapper
            from pyzbar.pyzbar import ZBarSymbol
        except ImportError as exc:
            raise UsageError("the pyzbar decoder needs libzbar0 and pyzbar: use zxing") from exc
        self._qrcode = ZBarSymbol.QRCODE
        self._zbar: Any = wrapper

    def decode(self, gray: np.ndarray) -> list[str | bytes]:
        zbar = self._zbar
        pixels = as_gray(gray)
        height, width = pixels.shape
        buffer = pixels.tobytes()
        scanner = zbar.zbar_image_scanner_create()
        try:
            zbar.zbar_image_scanner_set_config(scanner, 0, zbar.ZBarConfig.CFG_ENABLE, 0)
            zbar.zbar_image_scanner_set_config(
                scanner, self._qrcode, zbar.ZBarConfig.CFG_ENABLE, 1
            )
            zbar.zbar_image_scanner_set_config(scanner, self._qrcode, _ZBAR_CFG_BINARY, 1)
            image = zbar.zbar_image_create()
            try:
                zbar.zbar_image_set_format(image, _ZBAR_GRAY)
                zbar.zbar_image_set_size(image, width, height)
                zbar.zbar_image_set_data(image, cast(buffer, c_void_p), len(buffer), None)
                zbar.zbar_scan_image(scanner, image)
                return self._symbols(image)
            finally:
                zbar.zbar_image_destroy(image)
        finally:
            zbar.zbar_image_scanner_destroy(scanner)

    def _symbols(self, image: object) -> list[str | bytes]:
        zbar = self._zbar
        found: list[str | bytes] = []
        symbol = zbar.zbar_image_first_symbol(image)
        while symbol:
            raw = string_at(
                zbar.zbar_symbol_get_data(symbol), zbar.zbar_symbol_get_data_length(symbol)
            )
            found.append(classify_content(raw))
            symbol = zbar.zbar_symbol_next(symbol)
        return found


DECODERS: dict[str, type[ZxingDecoder] | type[ZbarDecoder]] = {
    ZxingDecoder.name: ZxingDecoder,
    ZbarDecoder.name: ZbarDecoder,
}
DEFAULT_DECODER = ZxingDecoder.name


def get_decoder(name: str = DEFAULT_DECODER) -> QRDecoder:
    """A decoder by name ("zxing" or "pyzbar"; "zbar" is accepted for the latter)."""
    key = "pyzbar" if name == "zbar" else name
    if key not in DECODERS:
        raise UsageError(f"unknown QR decoder {name!r}: choose {' or '.join(DECODERS)}")
    return DECODERS[key]()
