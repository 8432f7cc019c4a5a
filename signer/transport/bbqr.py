"""BBQr (Coinkite's "Better Bitcoin QR"): parse, join and split parts.

Every part is `B$` + encoding + file type + total (2 base-36 digits) + zero-based index
(2 base-36 digits) + body. Encodings: H (hex), 2 (RFC 4648 base32 without padding), Z (raw
DEFLATE with a 1 KiB window, then base32). Parts are equal length except the last, and each
decodes to whole bytes on its own, so every part is checked the moment it arrives.
"""

import base64
import math
import zlib
from dataclasses import dataclass

from signer.errors import PayloadTooLarge, TransportError

PREFIX = "B$"
HEADER_LEN = 8
MAX_PARTS = 36 * 36 - 1  # "ZZ"
ENCODINGS = ("H", "2", "Z")
FILE_TYPES = {
    "P": "PSBT",
    "T": "transaction",
    "J": "JSON",
    "C": "CBOR",
    "U": "UTF-8 text",
    "B": "binary",
    "X": "executable",
    # In Coinkite's reference code (Coldcard Key Teleport), not in the BBQr.md table.
    "R": "Key Teleport receive",
    "S": "Key Teleport send",
    "E": "Key Teleport PSBT",
}
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DEFLATE_WBITS = -10  # raw DEFLATE (no zlib header), 2**10 byte window


@dataclass(frozen=True)
class BBQrHeader:
    encoding: str  # H, 2 or Z
    file_type: str  # P, T, J, U, ...
    total: int  # number of parts, 1..1295
    index: int  # zero-based

    @property
    def series(self) -> str:
        """The first 6 header characters: the same in every part of one series."""
        return f"{PREFIX}{self.encoding}{self.file_type}{to_base36(self.total)}"


@dataclass(frozen=True)
class BBQrPart:
    header: BBQrHeader
    data: bytes  # this part's bytes after hex/base32 decoding (still deflated for Z)


def to_base36(number: int) -> str:
    if not 0 <= number <= MAX_PARTS:
        raise PayloadTooLarge(f"BBQr allows at most {MAX_PARTS} parts, not {number}")
    high, low = divmod(number, 36)
    return _BASE36[high] + _BASE36[low]


def _from_base36(text: str, what: str) -> int:
    if len(text) != 2 or any(char not in _BASE36 for char in text):
        raise TransportError(f"bad BBQr header: {what} {text!r} is not 2 base-36 digits")
    return _BASE36.index(text[0]) * 36 + _BASE36.index(text[1])


def is_bbqr(text: str) -> bool:
    return text.startswith(PREFIX)


def parse_header(text: str) -> BBQrHeader:
    if len(text) < HEADER_LEN or not is_bbqr(text):
        raise TransportError("not a BBQr part: too short for the 8-character B$ header")
    encoding, file_type = text[2], text[3]
    if encoding not in ENCODINGS:
        raise TransportError(f"unknown BBQr encoding {encoding!r}: expected H, 2 or Z")
    if file_type not in FILE_TYPES:
        raise TransportError(f"unknown BBQr file type {file_type!r}")
    total = _from_base36(text[4:6], "part count")
    index = _from_base36(text[6:8], "part index")
    if total == 0:
        raise TransportError("bad BBQr header: the part count is 0")
    if index >= total:
        raise TransportError(f"bad BBQr header: part index {index} is not below total {total}")
    return BBQrHeader(encoding, file_type, total, index)


def parse_part(text: str) -> BBQrPart:
    """One scanned BBQr QR: header checked, body decoded to bytes."""
    header = parse_header(text)
    body = text[HEADER_LEN:]
    try:
        data = decode_body(header.encoding, body)
    except TransportError as error:
        raise TransportError(f"BBQr part {header.index + 1} of {header.total}: {error}") from None
    return BBQrPart(header, data)


def decode_body(encoding: str, body: str) -> bytes:
    if encoding == "H":
        if len(body) % 2:
            raise TransportError("odd number of hex digits")
        try:
            return bytes.fromhex(body)
        except ValueError:
            raise TransportError("bad hex data") from None
    padding = "=" * (-len(body) % 8)
    try:
        return base64.b32decode(body + padding)
    except ValueError:  # binascii.Error, or a non-ASCII character in the body
        raise TransportError("bad base32 data") from None


def encode_body(encoding: str, data: bytes) -> str:
    """The whole file as body text (before splitting); Z deflates first."""
    if encoding == "H":
        return data.hex().upper()
    if encoding == "Z":
        data = deflate(data)
    elif encoding != "2":
        raise TransportError(f"unknown BBQr encoding {encoding!r}: expected H, 2 or Z")
    return base64.b32encode(data).decode("ascii").rstrip("=")


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, _DEFLATE_WBITS)
    return compressor.compress(data) + compressor.flush()


def inflate(data: bytes, max_bytes: int) -> bytes:
    """Undo Z's DEFLATE, refusing output over max_bytes before it is produced (zip bombs)."""
    decompressor = zlib.decompressobj(_DEFLATE_WBITS)
    try:
        output = decompressor.decompress(data, max_bytes + 1)
    except zlib.error:
        raise TransportError("BBQr Z data is not valid DEFLATE: a corrupted part?") from None
    if len(output) > max_bytes:
        raise PayloadTooLarge(f"BBQr Z data inflates to more than {max_bytes} bytes: refused")
    if not decompressor.eof:
        raise TransportError("BBQr Z data is truncated: the compressed stream does not end")
    if decompressor.unused_data:
        raise TransportError("BBQr Z data has bytes after the end of the compressed stream")
    return output


def best_encoding(data: bytes) -> tuple[str, str]:
    """(encoding, body): Z when deflating makes the body shorter, else plain base32."""
    plain = encode_body("2", data)
    zipped = encode_body("Z", data)
    return ("Z", zipped) if len(zipped) < len(plain) else ("2", plain)


def split_modulus(encoding: str) -> int:
    """Non-final parts must decode to whole bytes: 2 hex digits or 8 base32 chars."""
    return 2 if encoding == "H" else 8


def body_chars_per_part(encoding: str, qr_chars: int) -> int:
    """The largest body a QR of qr_chars alphanumeric characters can carry in one part."""
    modulus = split_modulus(encoding)
    return (qr_chars - HEADER_LEN) // modulus * modulus


def count_parts(body_length: int, encoding: str, qr_chars: int) -> int:
    per_part = body_chars_per_part(encoding, qr_chars)
    if per_part <= 0:
        return MAX_PARTS + 1
    return max(1, math.ceil(body_length / per_part))


def split(body: str, encoding: str, file_type: str, parts: int) -> list[str]:
    """Cut body into `parts` QR texts of near-equal length (the last may be shorter)."""
    if file_type not in FILE_TYPES:
        raise TransportError(f"unknown BBQr file type {file_type!r}")
    modulus = split_modulus(encoding)
    per_part = max(modulus, math.ceil(math.ceil(len(body) / parts) / modulus) * modulus)
    chunks = [body[start : start + per_part] for start in range(0, len(body), per_part)] or [""]
    total = to_base36(len(chunks))
    prefix = f"{PREFIX}{encoding}{file_type}{total}"
    return [prefix + to_base36(index) + chunk for index, chunk in enumerate(chunks)]
