"""QR image decoders behind one interface: grayscale frame in, payloads of the QR codes out.

Both decoders hand back the raw bytes of the symbol, classified the same way
(`classify_content`): text (UTF-8 without control characters) as str, anything else
(compact SeedQR, raw PSBT bytes) as bytes. Raw bytes matter because libzbar otherwise
"guesses" a character set for byte-mode data (ISO-8859-1 or Shift-JIS, re-encoded as UTF-8)
and mangles binary content.

The default is both (`CombinedDecoder`): zxing-cpp on every frame (several times faster than
zbar, and it reads blurred, warped and low-contrast frames that zbar misses), and zbar on the
frames where zxing-cpp found a QR code but could not read it (zbar reads over-exposed frames
of two codes blended by a screen refresh that zxing-cpp cannot), within a CPU budget.
Numbers: docs/camera.md, `python -m bench.qr`.
"""

import math
import re
import time
from ctypes import c_void_p, cast, string_at
from typing import Any, Protocol

import zxingcpp
from PIL import Image

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


def as_gray(frame: Image.Image | Any) -> Image.Image:
    """The luminance plane as an 8-bit image (QR decoding needs nothing else); a PIL image or
    an OpenCV-style array."""
    return to_gray(frame)


class QRDecoder(Protocol):
    name: str

    def decode(self, gray: Image.Image) -> list[str | bytes]:
        """Payloads of every QR code found in the frame (empty list when none)."""
        ...


class ZxingDecoder:
    """zxing-cpp (`zxingcpp.read_barcodes`), restricted to QR codes."""

    name = "zxing"

    def decode(self, gray: Image.Image) -> list[str | bytes]:
        return [classify_content(symbol.bytes) for symbol in self.symbols(as_gray(gray))
                if symbol.valid]

    @staticmethod
    def symbols(pixels: Image.Image) -> list[Any]:
        """Every QR code zxing-cpp finds, read or not (`.valid`; `.position`, `.extra`)."""
        return list(zxingcpp.read_barcodes(pixels, formats=zxingcpp.BarcodeFormat.QRCode,
                                           return_errors=True))


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

    def decode(self, gray: Image.Image) -> list[str | bytes]:
        zbar = self._zbar
        pixels = as_gray(gray)
        width, height = pixels.size
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


ZBAR_CPU_SHARE = 0.25  # zbar time that reads nothing: at most this much per zxing-cpp second
_ZBAR_MIN_PIXELS_PER_MODULE = 2.5  # zbar reads a code downscaled as far as this, not further


class CombinedDecoder:
    """zxing-cpp on every frame; zbar on frames where zxing-cpp saw a QR code it could not read.

    zbar costs 5-8x zxing-cpp per frame, so it runs on a frame downscaled as far as the code's
    module size allows (zxing-cpp reports the corners and version of a code it cannot read;
    after a downscaled frame zbar could not read, the next one goes in at full size), and
    within a budget: zbar time on frames it cannot read either stays under ZBAR_CPU_SHARE of
    zxing-cpp's time, so where zbar adds nothing the pipeline costs at most ~1.3x zxing-cpp
    alone; time in which zbar reads codes zxing-cpp could not is not limited (a scan where
    only zbar reads must keep going). Frames without a code cost no zbar time, frames
    zxing-cpp reads none. Without libzbar this is zxing-cpp alone.
    """

    name = "zxing+zbar"

    def __init__(self) -> None:
        self._zxing = ZxingDecoder()
        try:
            self._zbar: ZbarDecoder | None = ZbarDecoder()
        except UsageError:
            self._zbar = None
        self._downscaled_failed = False  # then the next zbar run gets the full frame
        self.frames = 0
        self.zxing_seconds = 0.0  # CPU time of this thread in zxing-cpp
        self.zbar_seconds = 0.0  # ... in zbar
        self.zbar_wasted_seconds = 0.0  # ... in zbar runs that read nothing
        self.zbar_frames = 0  # frames handed to zbar
        self.zbar_reads = 0  # ... on which zbar read what zxing-cpp could not

    def decode(self, gray: Image.Image) -> list[str | bytes]:
        pixels = as_gray(gray)
        started = time.thread_time()
        symbols = self._zxing.symbols(pixels)
        self.zxing_seconds += time.thread_time() - started
        self.frames += 1
        found = [classify_content(symbol.bytes) for symbol in symbols if symbol.valid]
        unread = [symbol for symbol in symbols if not symbol.valid]
        if unread and not found and self._zbar is not None and self._zbar_affordable():
            started = time.thread_time()
            factor = 1 if self._downscaled_failed else _zbar_scale(unread)
            found = self._zbar.decode(downscale(pixels, factor))
            self._downscaled_failed = factor > 1 and not found
            spent = time.thread_time() - started
            self.zbar_seconds += spent
            self.zbar_frames += 1
            if found:
                self.zbar_reads += 1
            else:
                self.zbar_wasted_seconds += spent
        return found

    def _zbar_affordable(self) -> bool:
        """Whether one more zbar run keeps the wasted zbar time within its share (a run is
        assumed to cost what the runs so far did; five zxing-cpp frames before the first)."""
        expected = (self.zbar_seconds / self.zbar_frames if self.zbar_frames
                    else 5 * self.zxing_seconds / self.frames)
        return self.zbar_wasted_seconds + expected <= ZBAR_CPU_SHARE * self.zxing_seconds


def _zbar_scale(unread: list[Any]) -> int:
    """The integer factor by which a frame can shrink with the codes zxing-cpp could not read
    keeping _ZBAR_MIN_PIXELS_PER_MODULE pixels per module (1 when no version is known; Micro
    and rectangular QR versions, which zxing-cpp also reports, are not ours)."""
    factors = []
    for symbol in unread:
        version = str((symbol.extra or {}).get("Version", ""))
        if not version.isdigit():
            continue
        corners = symbol.position
        top_left = (corners.top_left.x, corners.top_left.y)
        side = min(math.dist(top_left, (corners.top_right.x, corners.top_right.y)),
                   math.dist(top_left, (corners.bottom_left.x, corners.bottom_left.y)))
        factors.append(int(side / (4 * int(version) + 17) / _ZBAR_MIN_PIXELS_PER_MODULE))
    return max(1, min(factors, default=1))


def downscale(pixels: Image.Image, factor: int) -> Image.Image:
    """The frame shrunk by an integer factor, each output pixel the mean of a block."""
    if factor <= 1:
        return pixels
    return pixels.reduce(factor)


DECODERS: dict[str, type[ZxingDecoder] | type[ZbarDecoder] | type[CombinedDecoder]] = {
    ZxingDecoder.name: ZxingDecoder,
    ZbarDecoder.name: ZbarDecoder,
    CombinedDecoder.name: CombinedDecoder,
}
DEFAULT_DECODER = CombinedDecoder.name


def get_decoder(name: str = DEFAULT_DECODER) -> QRDecoder:
    """A decoder by name ("zxing+zbar", "zxing" or "pyzbar"; "zbar" is accepted for the
    latter)."""
    key = "pyzbar" if name == "zbar" else name
    if key not in DECODERS:
        raise UsageError(f"unknown QR decoder {name!r}: choose {' or '.join(DECODERS)}")
    return DECODERS[key]()
