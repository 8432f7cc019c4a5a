"""Uniform Resources (BCR-2020-005): "ur:<type>/<bytewords>" and animated multi-part URs.

A UR is a type name plus a CBOR body. A single-part UR is the minimal bytewords of the body;
a multi-part UR is a stream of "ur:<type>/<seqNum>-<seqLen>/<bytewords of a fountain part>".
Strings are produced lowercase; callers uppercase them for QR alphanumeric mode. Parsing is
case-insensitive.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import qrcode.constants
import qrcode.util

from signer.errors import PayloadTooLarge, SequenceMismatch, TransportError
from signer.transport import bytewords
from signer.transport.fountain import (
    MAX_FRAGMENTS,
    MAX_MESSAGE_LEN,
    FountainDecoder,
    FountainEncoder,
    FountainPart,
)
from signer.transport.types import Format, Progress

_TYPE_RE = re.compile(r"[a-z0-9-]+")
_SEQ_RE = re.compile(r"([0-9]{1,10})-([0-9]{1,10})")


@dataclass(frozen=True)
class UR:
    type: str  # e.g. "crypto-psbt"
    cbor: bytes  # the CBOR body (untagged at the top level)

    def __post_init__(self) -> None:
        if not _TYPE_RE.fullmatch(self.type):
            raise TransportError(f"UR type {self.type!r} is not lowercase letters, digits, '-'")


def encode_single(ur: UR) -> str:
    """The whole UR in one string: ur:<type>/<minimal bytewords>."""
    return f"ur:{ur.type}/{bytewords.encode(ur.cbor)}"


def _encode_part(ur_type: str, part: FountainPart) -> str:
    return f"ur:{ur_type}/{part.seq_num}-{part.seq_len}/{bytewords.encode(part.to_cbor())}"


@dataclass(frozen=True)
class _ParsedPart:
    type: str
    sequence: tuple[int, int] | None  # (seq_num, seq_len) of a multi-part UR
    body: str


def _parse(text: str) -> _ParsedPart:
    lowered = text.strip().lower()
    if not lowered.startswith("ur:"):
        raise TransportError("not a UR: it does not start with 'ur:'")
    components = lowered[3:].split("/")
    if len(components) not in (2, 3):
        raise TransportError("UR: expected ur:type/body or ur:type/seq-len/body")
    ur_type, body = components[0], components[-1]
    if not _TYPE_RE.fullmatch(ur_type):
        raise TransportError(f"UR: invalid type {ur_type!r}")
    if not body:
        raise TransportError("UR: empty body (truncated?)")
    if len(components) == 2:
        return _ParsedPart(ur_type, None, body)
    match = _SEQ_RE.fullmatch(components[1])
    if not match:
        raise TransportError(f"UR: invalid sequence {components[1]!r}")
    seq_num, seq_len = int(match[1]), int(match[2])
    if seq_num < 1 or seq_len < 1 or seq_num > 0xFFFFFFFF:
        raise TransportError(f"UR: invalid sequence {components[1]!r}")
    return _ParsedPart(ur_type, (seq_num, seq_len), body)


def decode_single(text: str) -> UR:
    """A single-part UR string back to a UR (TransportError if it is a part of many)."""
    parsed = _parse(text)
    if parsed.sequence is not None:
        raise TransportError("UR: this is one part of an animated QR, not a whole UR")
    return UR(parsed.type, bytewords.decode(parsed.body))


class UREncoder:
    """Parts for an animated display: pure parts first, then mixed parts forever."""

    def __init__(self, ur: UR, max_fragment_len: int, min_fragment_len: int = 10,
                 first_seq_num: int = 0):
        self.ur = ur
        self._fountain = FountainEncoder(ur.cbor, max_fragment_len, min_fragment_len,
                                         first_seq_num)

    @property
    def fragment_count(self) -> int:
        return self._fountain.seq_len

    @property
    def is_single_part(self) -> bool:
        return self.fragment_count == 1

    def next_part(self) -> str:
        if self.is_single_part:
            return encode_single(self.ur)
        return _encode_part(self.ur.type, self._fountain.next_part())


class URDecoder:
    """Collects the parts of one UR, single- or multi-part, in any order, with losses."""

    def __init__(self, max_message_len: int = MAX_MESSAGE_LEN,
                 max_fragments: int = MAX_FRAGMENTS):
        self._max_message_len = max_message_len
        self._max_fragments = max_fragments
        self._fountain = FountainDecoder(max_message_len, max_fragments)
        self._type: str | None = None
        self._result: UR | None = None

    @property
    def is_complete(self) -> bool:
        return self._result is not None

    @property
    def ur_type(self) -> str | None:
        """The type of the UR being collected, once a part has been accepted."""
        return self._type if self._fountain.started or self._result else None

    def result(self) -> UR:
        if self._result is None:
            raise TransportError("the animated QR is not complete yet")
        return self._result

    def progress(self) -> Progress:
        total = self._fountain.seq_len
        if self._result is not None:
            total = total or 1
            return Progress(Format.UR, total, total, estimated_remaining=0)
        received = self._fountain.rank
        return Progress(Format.UR, received, total, estimated_remaining=total - received)

    def _check_type(self, ur_type: str) -> None:
        # Only a started animation binds the type (a failed checksum restarts the scan).
        if self._fountain.started and ur_type != self._type:
            raise SequenceMismatch(f"this QR is a ur:{ur_type}, but a ur:{self._type} animation "
                                   "is being scanned")

    def receive(self, part: str) -> bool:
        """Add one scanned string; True if it was new and useful.

        TransportError for a garbled part (bad checksum, malformed), SequenceMismatch for a part
        of another UR, PayloadTooLarge for an absurd size; none of them loses what was collected.
        Only a reassembled message that fails its own checksum restarts the scan.
        """
        parsed = _parse(part)
        if self._result is not None:
            return False
        self._check_type(parsed.type)
        if parsed.sequence is None:
            if self._fountain.started:
                raise SequenceMismatch("this QR is a whole single-part UR, but an animated "
                                       f"ur:{self._type} is being scanned")
            if len(parsed.body) // 2 > self._max_message_len + 4:
                raise PayloadTooLarge(f"a UR of {len(parsed.body) // 2} bytes; the limit is "
                                      f"{self._max_message_len}")
            self._result = UR(parsed.type, bytewords.decode(parsed.body))
            self._type = parsed.type
            return True
        seq_num, seq_len = parsed.sequence
        if seq_len > self._max_fragments:
            raise PayloadTooLarge(f"animated QR claims {seq_len} fragments; the limit is "
                                  f"{self._max_fragments}")
        fountain_part = FountainPart.from_cbor(bytewords.decode(parsed.body))
        if (fountain_part.seq_num, fountain_part.seq_len) != (seq_num, seq_len):
            raise TransportError("UR: the part's header and its contents disagree")
        self._type = parsed.type
        useful = self._fountain.receive(fountain_part)
        if self._fountain.is_complete:
            self._result = UR(parsed.type, self._fountain.message())
        return useful


# A fountain part's CBOR around its fragment, at most: array head 1, seqNum 5, seqLen 3,
# messageLen 5, checksum 5, byte-string head 3; then the 4-byte bytewords CRC.
_PART_OVERHEAD_BYTES = 22 + 4
_ERROR_CORRECTION = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
                     "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}


@lru_cache(maxsize=256)
def alphanumeric_capacity(qr_version: int, error_correction: str = "L") -> int:
    """How many alphanumeric-mode characters fit in one QR code of this version."""
    if not 1 <= qr_version <= 40 or error_correction not in _ERROR_CORRECTION:
        raise ValueError("QR version is 1..40 and error correction one of L, M, Q, H")
    data_bits = qrcode.util.BIT_LIMIT_TABLE[_ERROR_CORRECTION[error_correction]][qr_version]
    free = data_bits - 4 - qrcode.util.length_in_bits(qrcode.util.MODE_ALPHA_NUM, qr_version)
    return free // 11 * 2 + (1 if free % 11 >= 6 else 0)


def fragment_length_for(qr_version: int, ur_type: str = "crypto-psbt",
                        error_correction: str = "L") -> int:
    """Largest fragment length whose every part fits a QR of this version (uppercase UR)."""
    prefix = len(f"ur:{ur_type}/") + len("4294967295-32768/")
    body_chars = alphanumeric_capacity(qr_version, error_correction) - prefix
    fragment_len = body_chars // 2 - _PART_OVERHEAD_BYTES
    if fragment_len < 10:
        raise ValueError(f"QR version {qr_version} is too small for an animated ur:{ur_type}")
    return fragment_len
