"""SeedQR (SeedSigner): a BIP-39 English mnemonic as a QR.

Standard: each word's 0-based wordlist index as 4 digits (numeric-mode QR).
Compact: the raw entropy bytes, checksum bits dropped (byte-mode QR): 16 or 32 bytes.
Binary QR content is often handed over as text (latin-1, Shift-JIS, UTF-8) by QR readers; `decode`
recovers the raw bytes from either, and refuses anything that is not exactly 16 or 32 bytes.
"""

import contextlib

from embit import bip39
from embit.wordlists.bip39 import WORDLIST

from signer.errors import InvalidMnemonic, TransportError

STANDARD_LENGTHS = {48: 12, 96: 24}  # digits -> words
COMPACT_LENGTHS = {16: 12, 32: 24}  # bytes -> words
_WORD_INDEX = {word: index for index, word in enumerate(WORDLIST)}


def _indices(words: list[str]) -> list[int]:
    indices = []
    for position, word in enumerate(words):
        if word not in _WORD_INDEX:
            raise InvalidMnemonic(f"word {position + 1} is not a BIP-39 English word", position)
        indices.append(_WORD_INDEX[word])
    return indices


def _check_words(words: list[str]) -> None:
    if len(words) not in COMPACT_LENGTHS.values():
        raise InvalidMnemonic(f"a SeedQR holds 12 or 24 words, not {len(words)}")
    _indices(words)
    if not bip39.mnemonic_is_valid(" ".join(words)):
        raise InvalidMnemonic("the BIP-39 checksum does not match", len(words) - 1)


def encode_standard(words: list[str]) -> str:
    _check_words(words)
    return "".join(f"{index:04d}" for index in _indices(words))


def encode_compact(words: list[str]) -> bytes:
    _check_words(words)
    return bytes(bip39.mnemonic_to_bytes(" ".join(words)))


def is_standard(text: str) -> bool:
    return len(text) in STANDARD_LENGTHS and text.isascii() and text.isdigit()


def compact_bytes(data: str | bytes) -> bytes | None:
    """The 16 or 32 entropy bytes of a compact SeedQR however the reader passed them on, else
    None. Readers hand binary content over raw, or as text after guessing a charset: zbar
    picks latin-1 or Shift-JIS and returns UTF-8 of that; each of these is undone here."""
    candidates: list[bytes] = []
    if isinstance(data, bytes):
        candidates.append(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
    else:
        text = data
    for charset in ("latin-1", "shift_jis", "utf-8") if text else ():
        with contextlib.suppress(UnicodeEncodeError):  # text this charset cannot have produced
            candidates.append(text.encode(charset))
    return next((raw for raw in candidates if len(raw) in COMPACT_LENGTHS), None)


def decode(data: str | bytes) -> list[str]:
    """Words of a standard (digits) or compact (raw bytes) SeedQR, checksum verified."""
    if isinstance(data, bytes) and len(data.strip()) in STANDARD_LENGTHS and data.strip().isdigit():
        data = data.decode("ascii")  # a numeric-mode QR as a reader's bytes
    if isinstance(data, str) and data.strip().isascii() and data.strip().isdigit():
        digits = data.strip()
        if len(digits) not in STANDARD_LENGTHS:
            raise TransportError(
                f"a standard SeedQR has 48 or 96 digits, this one has {len(digits)}"
            )
        indices = [int(digits[i : i + 4]) for i in range(0, len(digits), 4)]
        for position, index in enumerate(indices):
            if index >= len(WORDLIST):
                raise InvalidMnemonic(
                    f"SeedQR word {position + 1}: {index} is not below 2048", position
                )
        words = [WORDLIST[index] for index in indices]
        _check_words(words)
        return words
    raw = compact_bytes(data)
    if raw is None:
        length = len(data)
        raise TransportError(
            f"a compact SeedQR holds 16 or 32 bytes, this QR has {length} "
            "(the QR reader may have altered binary data)"
        )
    return bip39.mnemonic_from_bytes(raw).split()
