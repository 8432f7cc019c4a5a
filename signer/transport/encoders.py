"""Payload -> the QR texts to display, in UR, BBQr, Specter pMofN or one plain QR.

Every frame of a sequence fits one QR version (reported as `qr_version`, error correction L)
so the renderer can draw them all at one size. The density setting caps that version;
on a 240x240 screen anything above version 15 (77 modules + quiet zone) gets too fine.
"""

import base64
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import qrcode.constants
import qrcode.util

from signer.errors import PayloadTooLarge, UsageError
from signer.psbt import MAGIC as PSBT_MAGIC
from signer.psbt import added_signatures_only
from signer.transport import base43, bbqr, pmofn, seedqr, ur, urtypes
from signer.transport.fountain import MAX_FRAGMENTS
from signer.transport.types import Format, Payload, PayloadKind

DENSITY_MAX_QR_VERSION = {"low": 6, "medium": 10, "high": 15}
ERROR_CORRECTION = "L"
MAX_QR_VERSION = 40
_QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
_BINARY_KINDS = (PayloadKind.PSBT, PayloadKind.TRANSACTION, PayloadKind.BYTES)
_SINGLE_ENCODINGS = ("base64", "hex", "base43", "binary")


@dataclass(eq=False)
class FrameSequence:
    """The frames of one display. `frames` is every frame for BBQr, pMofN and single QRs; for
    UR it is the pure parts, and next_frame() goes on with mixed fountain parts forever."""

    format: Format
    encoding: str  # base64/hex/base43/binary, BBQr H/2/Z, or the UR type
    frames: tuple[str | bytes, ...]
    qr_version: int  # every frame next_frame() can return fits this version
    error_correction: str = ERROR_CORRECTION
    note: str = ""  # set when a reply could not go back as it came in, saying what was sent
    signatures_only: bool = False  # the frames carry only the signatures (a reply that shrank)
    _ur_encoder: ur.UREncoder | None = field(default=None, repr=False)
    _shown: int = field(default=0, repr=False)

    def next_frame(self) -> str | bytes:
        if self._ur_encoder is not None:
            return self._ur_encoder.next_part().upper()
        frame = self.frames[self._shown % len(self.frames)]
        self._shown += 1
        return frame

    def __iter__(self) -> Iterator[str | bytes]:
        while True:
            yield self.next_frame()


def qr_mode(frame: str | bytes) -> str:
    """The QR mode a frame is drawn in: numeric, alphanumeric or byte."""
    if isinstance(frame, str) and frame.isascii() and frame.isdigit():
        return "numeric"
    if isinstance(frame, str) and frame and set(frame) <= _QR_ALPHANUMERIC:
        return "alphanumeric"
    return "byte"


def capacity(mode: str, version: int) -> int:
    """Characters (bytes in byte mode) one QR of this version holds at error correction L."""
    if mode == "alphanumeric":
        return ur.alphanumeric_capacity(version, ERROR_CORRECTION)
    qr_mode_bits = qrcode.util.MODE_NUMBER if mode == "numeric" else qrcode.util.MODE_8BIT_BYTE
    free = (
        qrcode.util.BIT_LIMIT_TABLE[qrcode.constants.ERROR_CORRECT_L][version]
        - 4
        - qrcode.util.length_in_bits(qr_mode_bits, version)
    )
    if mode == "numeric":  # 10 bits per 3 digits, 7 for a trailing pair, 4 for one digit
        rest = free % 10
        return free // 10 * 3 + (2 if rest >= 7 else 1 if rest >= 4 else 0)
    return free // 8


def _length(frame: str | bytes, mode: str) -> int:
    return len(frame.encode("utf-8") if isinstance(frame, str) and mode == "byte" else frame)


def fits(frame: str | bytes, version: int) -> bool:
    """Whether frame fits a QR of this version (error correction L)."""
    mode = qr_mode(frame)
    return capacity(mode, version) >= _length(frame, mode)


def qr_version_for(frame: str | bytes) -> int:
    """The smallest QR version (error correction L) that holds frame."""
    for version in range(1, MAX_QR_VERSION + 1):
        if fits(frame, version):
            return version
    length = _length(frame, qr_mode(frame))
    raise PayloadTooLarge(f"{length} characters do not fit even the largest QR code")


def max_version(density: str) -> int:
    if density not in DENSITY_MAX_QR_VERSION:
        raise UsageError(f"QR density must be one of {', '.join(DENSITY_MAX_QR_VERSION)}")
    return DENSITY_MAX_QR_VERSION[density]


def encode_frames(
    payload: Payload | bytes, fmt: Format, *, density: str = "medium", encoding: str = ""
) -> FrameSequence:
    """The frames showing payload in fmt; `encoding` picks the sub-format (UR type, BBQr
    H/2/Z, single-frame base64/hex/base43/binary or SeedQR standard/compact)."""
    if isinstance(payload, bytes):
        kind = PayloadKind.PSBT if payload.startswith(PSBT_MAGIC) else PayloadKind.BYTES
        payload = Payload(kind, payload, Format.SINGLE)
    limit = max_version(density)
    if fmt is Format.BBQR:
        return _bbqr_frames(payload, encoding, limit)
    if fmt is Format.PMOFN:
        return _pmofn_frames(payload, limit)
    if fmt is Format.UR:
        return _ur_frames(payload, encoding, limit)
    return _single_frame(payload, encoding, limit, density)


def reply_frames(signed_psbt: bytes, came_as: Payload, density: str) -> FrameSequence:
    """The signed PSBT back the way the unsigned one came: same format and sub-format.

    A one-QR request (Electrum's base43, a base64 or hex QR) gets a one-QR reply in its
    encoding: the signed PSBT if it fits at `density`, else only the signatures added to
    came_as.data (at `density`, then at high), which Electrum, bitcoinjs and scure merge. Only
    when neither fits does it go back as animated UR. Either change sets `note`."""
    signed = Payload(PayloadKind.PSBT, signed_psbt, came_as.format, came_as.encoding)
    if came_as.format is Format.UR:
        ur_type = came_as.encoding if came_as.encoding in urtypes.PSBT_TYPES else "crypto-psbt"
        return encode_frames(signed, Format.UR, density=density, encoding=ur_type)
    if came_as.format is Format.BBQR:
        bbqr_encoding = came_as.encoding if came_as.encoding in bbqr.ENCODINGS else ""
        return encode_frames(signed, Format.BBQR, density=density, encoding=bbqr_encoding)
    if came_as.format is Format.PMOFN:
        return encode_frames(signed, Format.PMOFN, density=density)
    single_encoding = came_as.encoding if came_as.encoding in _SINGLE_ENCODINGS else "base64"
    try:
        return encode_frames(signed, Format.SINGLE, density=density, encoding=single_encoding)
    except PayloadTooLarge:
        pass
    if isinstance(came_as.data, bytes) and came_as.data.startswith(PSBT_MAGIC):
        signatures = Payload(PayloadKind.PSBT, added_signatures_only(came_as.data, signed_psbt),
                             Format.SINGLE, single_encoding)
        for room in dict.fromkeys((density, "high")):
            try:
                frames = encode_frames(signatures, Format.SINGLE, density=room,
                                       encoding=single_encoding)
            except PayloadTooLarge:
                continue
            frames.signatures_only = True
            frames.note = (
                f"one {single_encoding} QR with only our signatures (the whole signed PSBT "
                f"does not fit one QR at {density} density): merge them into the "
                "coordinator's copy of the transaction"
            )
            return frames
    animated = encode_frames(signed, Format.UR, density=density, encoding="crypto-psbt")
    animated.note = (
        f"the signed PSBT no longer fits one QR at {density} density, nor do its signatures "
        "alone: shown as animated UR (crypto-psbt) instead"
    )
    return animated


def _as_bytes(payload: Payload) -> bytes:
    if isinstance(payload.data, bytes):
        return payload.data
    return payload.data.encode("utf-8")


def _as_text(payload: Payload) -> str:
    """Text for text-only transports: binary payloads as base64 (how Specter sends PSBTs)."""
    if isinstance(payload.data, bytes):
        return base64.b64encode(payload.data).decode("ascii")
    return payload.data


def _bbqr_file_type(payload: Payload) -> str:
    if payload.kind is PayloadKind.PSBT:
        return "P"
    if payload.kind is PayloadKind.TRANSACTION:
        return "T"
    if payload.kind is PayloadKind.BYTES:
        return "B"
    return "J" if payload.encoding == "json" else "U"


def _bbqr_frames(payload: Payload, encoding: str, limit: int) -> FrameSequence:
    data = _as_bytes(payload)
    if encoding and encoding not in bbqr.ENCODINGS:
        raise UsageError(f"unknown BBQr encoding {encoding!r}: use H, 2 or Z")
    if encoding:
        body = bbqr.encode_body(encoding, data)
    else:
        encoding, body = bbqr.best_encoding(data)
    # Fewest parts first, then the smallest QR version giving that many.
    parts, _ = min(
        (bbqr.count_parts(len(body), encoding, capacity("alphanumeric", version)), version)
        for version in range(1, limit + 1)
    )
    if parts > bbqr.MAX_PARTS:
        raise PayloadTooLarge(
            f"{len(data)} bytes need {parts} BBQr parts at this density; BBQr allows 1295"
        )
    frames = bbqr.split(body, encoding, _bbqr_file_type(payload), parts)
    return FrameSequence(Format.BBQR, encoding, tuple(frames), _common_version(frames))


def _pmofn_frames(payload: Payload, limit: int) -> FrameSequence:
    text = _as_text(payload)
    best = None
    for version in range(1, limit + 1):
        room = capacity("byte", version)
        digits = 1  # grow the part-number width until the count fits in it
        while True:
            per_part = room - len(f"p{'9' * digits}of{'9' * digits} ")
            if per_part <= 0:
                break
            parts = max(1, math.ceil(len(text) / per_part))
            if len(str(parts)) <= digits:
                best = min(best or (parts, version), (parts, version))
                break
            digits += 1
    if best is None or best[0] > pmofn.MAX_PARTS:
        raise PayloadTooLarge(
            f"too large for Specter parts at this density (at most {pmofn.MAX_PARTS} parts)"
        )
    frames = pmofn.split(text, best[0])
    return FrameSequence(
        Format.PMOFN,
        "base64" if isinstance(payload.data, bytes) else "text",
        tuple(frames),
        _common_version(frames),
    )


def _single_frame(payload: Payload, encoding: str, limit: int, density: str) -> FrameSequence:
    frame: str | bytes
    if payload.kind in (PayloadKind.SEEDQR, PayloadKind.MNEMONIC):
        words = str(payload.data).split()
        encoding = encoding or "standard"
        frame = (
            seedqr.encode_compact(words) if encoding == "compact" else seedqr.encode_standard(words)
        )
    elif payload.kind in _BINARY_KINDS:
        data = _as_bytes(payload)
        encoding = encoding or ("base64" if payload.kind is PayloadKind.PSBT else "hex")
        if encoding == "base64":
            frame = base64.b64encode(data).decode("ascii")
        elif encoding == "hex":
            frame = data.hex().upper()  # upper case fits the denser alphanumeric mode
        elif encoding == "base43":
            frame = base43.encode(data)
        elif encoding == "binary":
            frame = data
        else:
            raise UsageError(f"unknown single-QR encoding {encoding!r}")
    else:
        frame = str(payload.data)
        encoding = encoding or "text"
    if not fits(frame, limit):
        raise PayloadTooLarge(
            f"this payload does not fit one QR: {density} density allows up to version {limit}"
        )
    return FrameSequence(Format.SINGLE, encoding, (frame,), qr_version_for(frame))


def _ur_frames(payload: Payload, encoding: str, limit: int) -> FrameSequence:
    resource = _as_ur(payload, encoding)
    whole = ur.encode_single(resource).upper()
    if fits(whole, limit):  # one QR, without fountain-part overhead
        return FrameSequence(Format.UR, resource.type, (whole,), qr_version_for(whole))
    fragment_len = ur.fragment_length_for(limit, resource.type, ERROR_CORRECTION)
    pure = ur.UREncoder(resource, fragment_len)
    if pure.fragment_count > MAX_FRAGMENTS:  # more than a UR decoder like ours accepts
        raise PayloadTooLarge(
            f"{pure.fragment_count} UR fragments at this density; at most {MAX_FRAGMENTS}"
        )
    frames = tuple(pure.next_part().upper() for _ in range(pure.fragment_count))
    # Later mixed parts carry longer sequence numbers (up to 10 digits); size for those too.
    longest = max(len(frame) for frame in frames) + 9
    return FrameSequence(
        Format.UR,
        resource.type,
        frames,
        qr_version_for("A" * longest),
        _ur_encoder=ur.UREncoder(resource, fragment_len),
    )


def _as_ur(payload: Payload, encoding: str) -> ur.UR:
    if payload.kind is PayloadKind.PSBT:
        ur_type = encoding or "crypto-psbt"
        if ur_type not in urtypes.PSBT_TYPES:
            raise UsageError(f"a PSBT goes as ur:crypto-psbt or ur:psbt, not ur:{ur_type}")
        return urtypes.psbt_to_ur(_as_bytes(payload), legacy=ur_type == "crypto-psbt")
    if payload.kind is PayloadKind.DESCRIPTOR and encoding in urtypes.OUTPUT_TYPES:
        return urtypes.descriptor_to_ur(str(payload.data), legacy=encoding == "crypto-output")
    if payload.kind is PayloadKind.ACCOUNT:
        return ur.UR("crypto-account", _as_bytes(payload))
    return urtypes.bytes_ur(_as_bytes(payload))


def _common_version(frames: list[str] | tuple[str, ...]) -> int:
    return max(qr_version_for(frame) for frame in frames)
