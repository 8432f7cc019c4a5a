"""Fast QR rendering: text or bytes -> module matrix -> integer-scaled grayscale image.

The encoder is zxing-cpp's `create_barcode` (about 1 ms for a version-15 symbol, against
20-90 ms for the pure-Python `qrcode` package), so frames are rendered on the fly while an
animation plays; nothing needs pre-rendering. Numbers: docs/camera.md, `python -m bench.qr`.

Mode choice is zxing-cpp's: it picks alphanumeric mode for uppercase UR and BBQr text
(about 1.45x denser than byte mode), numeric for SeedQR digits, byte mode for anything else.
Non-ASCII text is written as UTF-8 bytes, which is what every reader assumes without an ECI.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import zxingcpp
from PIL import Image

from signer.errors import PayloadTooLarge, UsageError

EC_LEVELS = ("L", "M", "Q", "H")
MIN_VERSION, MAX_VERSION = 1, 40
QUIET_ZONE = 4  # modules of light border the QR spec asks for
DARK, LIGHT = 0, 255


def modules_for_version(version: int) -> int:
    """Side length in modules of a QR symbol of this version (without quiet zone)."""
    return 17 + 4 * version


def qr_modules(data: str | bytes, version: int | None = None, ec_level: str = "L") -> Image.Image:
    """The QR symbol for `data` at one pixel per module (DARK or LIGHT), no quiet zone.

    `version` fixes the symbol size (so an animation does not jump in size); None picks the
    smallest that fits. Raises PayloadTooLarge if `data` does not fit the version.
    """
    if ec_level not in EC_LEVELS:
        raise UsageError(f"QR error correction level must be one of {', '.join(EC_LEVELS)}")
    if version is not None and not MIN_VERSION <= version <= MAX_VERSION:
        raise UsageError(f"QR version must be between {MIN_VERSION} and {MAX_VERSION}")
    content: str | bytes = data
    if isinstance(data, str) and not data.isascii():
        content = data.encode("utf-8")
    options: dict[str, object] = {"ec_level": ec_level}
    if version is not None:
        options["version"] = version
    try:
        symbol = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.QRCode, **options)
    except ValueError as exc:
        size = f"version {version}" if version is not None else "any QR version"
        raise PayloadTooLarge(f"{len(content)} characters do not fit {size}: {exc}") from exc
    pixels = symbol.to_image(scale=1, add_quiet_zones=False)
    height, width = pixels.shape
    image = Image.frombytes("L", (width, height), bytes(memoryview(pixels)))
    return image.point(lambda v: DARK if v < 128 else LIGHT)


def modules_image(matrix: Iterable[Iterable[bool]]) -> Image.Image:
    """A square module matrix (True = dark) from another encoder, as qr_modules draws it."""
    rows = [bytes(DARK if dark else LIGHT for dark in row) for row in matrix]
    return Image.frombytes("L", (len(rows[0]), len(rows)), b"".join(rows))


def symbol_version(modules: Image.Image) -> int:
    return (modules.width - 17) // 4


def scale_to_fit(modules: Image.Image, size: int, quiet_zone: int = QUIET_ZONE) -> Image.Image:
    """A `size` x `size` grayscale image with the symbol centred at the largest integer scale.

    Integer scaling keeps every module the same number of pixels, which cameras need; the
    light margin left over adds to the quiet zone.
    """
    span = modules.width + 2 * quiet_zone
    scale = size // span
    if scale < 1:
        raise PayloadTooLarge(
            f"a {modules.width}-module QR code does not fit {size} pixels; "
            "choose a lower QR density"
        )
    scaled = modules.resize((modules.width * scale, modules.height * scale),
                            Image.Resampling.NEAREST)
    image = Image.new("L", (size, size), LIGHT)
    offset = (size - scaled.width) // 2
    image.paste(scaled, (offset, offset))
    return image


def largest_version(texts: Iterable[str | bytes], ec_level: str = "L") -> int:
    """The smallest version that holds every one of `texts`: one size for a whole animation."""
    return max(symbol_version(qr_modules(text, None, ec_level)) for text in texts)


@dataclass(frozen=True)
class QRRenderer:
    """Renders frames of one animation at a fixed version, size and error-correction level."""

    size: int  # output image side, pixels
    version: int | None = None
    ec_level: str = "L"
    quiet_zone: int = QUIET_ZONE

    def modules(self, data: str | bytes) -> Image.Image:
        return qr_modules(data, self.version, self.ec_level)

    def render(self, data: str | bytes) -> Image.Image:
        """A size x size 8-bit grayscale image (0 dark, 255 light) of the QR code for `data`."""
        return scale_to_fit(self.modules(data), self.size, self.quiet_zone)
