"""Base43: Electrum's QR alphabet for transactions and PSBTs (all QR alphanumeric-mode chars).

Big-endian positional base 43 like base58: each leading zero byte is one leading '0' digit.
For data without leading zero bytes (every PSBT and transaction) this matches Electrum exactly.
"""

from signer.errors import TransportError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-./:"
_DIGIT_VALUE = {char: value for value, char in enumerate(ALPHABET)}
# Converting 10 digits at a time keeps the big-int work ~10x smaller than digit by digit.
_CHUNK_DIGITS = 10
_CHUNK_BASE = 43**_CHUNK_DIGITS
# One QR holds at most 4296 alphanumeric chars; anything far longer is not an Electrum QR and
# would only cost quadratic big-int time.
MAX_TEXT_LENGTH = 20_000


def is_base43(text: str) -> bool:
    return 0 < len(text) <= MAX_TEXT_LENGTH and all(char in _DIGIT_VALUE for char in text)


def encode(data: bytes) -> str:
    zeros = len(data) - len(data.lstrip(b"\x00"))
    value = int.from_bytes(data, "big")
    chunks: list[str] = []
    while value:
        value, chunk = divmod(value, _CHUNK_BASE)
        digits = []
        for _ in range(_CHUNK_DIGITS):
            chunk, digit = divmod(chunk, 43)
            digits.append(ALPHABET[digit])
        chunks.append("".join(reversed(digits)))
    body = "".join(reversed(chunks)).lstrip("0")
    return "0" * zeros + body


def decode(text: str) -> bytes:
    if text and not is_base43(text):
        raise TransportError("not base43 text (Electrum QR alphabet 0-9 A-Z $*+-./:)")
    zeros = len(text) - len(text.lstrip("0"))
    value = 0
    head = len(text) % _CHUNK_DIGITS
    pieces = [text[:head]] if head else []
    pieces += [text[i : i + _CHUNK_DIGITS] for i in range(head, len(text), _CHUNK_DIGITS)]
    for piece in pieces:
        chunk = 0
        for char in piece:
            chunk = chunk * 43 + _DIGIT_VALUE[char]
        value = value * 43 ** len(piece) + chunk
    body = value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""
    return b"\x00" * zeros + body
