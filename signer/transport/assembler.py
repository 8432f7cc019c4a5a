"""Turn scanned QR payloads, in any order and with repeats, into one checked Payload.

The first part decides the format by structure: `ur:` (any case) -> UR, `B$` -> BBQr,
`p<M>of<N> ` -> Specter pMofN, anything else -> one single-frame QR. Later parts must belong
to the same sequence; a part of another one raises SequenceMismatch and the caller resets.
Bookkeeping is set-based so each part costs about the same however many have arrived.
"""

import math
from dataclasses import replace
from typing import Generic, Protocol, TypeVar

from signer.errors import PayloadTooLarge, SequenceMismatch, TransportError
from signer.psbt import DEFAULT_MAX_SIZE
from signer.psbt import MAGIC as PSBT_MAGIC
from signer.transport import bbqr, pmofn, single, ur, urtypes
from signer.transport.types import Format, Payload, PayloadKind, Progress

MISSING_SHOWN = 100  # Progress.missing lists at most this many (the lowest) part numbers

Part = TypeVar("Part")


class _PartBook(Generic[Part]):
    """Numbered parts 1..total of a fixed-size series, and the lowest still missing.

    `_shown` holds the lowest missing numbers (up to MISSING_SHOWN); every missing number below
    `_scan` is in it, so adding a part never rescans what came before.
    """

    def __init__(self, total: int):
        self.total = total
        self.parts: dict[int, Part] = {}
        self._shown: list[int] = []
        self._scan = 1
        self._refill()

    def _refill(self) -> None:
        while len(self._shown) < MISSING_SHOWN and self._scan <= self.total:
            if self._scan not in self.parts:
                self._shown.append(self._scan)
            self._scan += 1

    def add(self, number: int, part: Part) -> None:
        self.parts[number] = part
        if number in self._shown:
            self._shown.remove(number)
            self._refill()

    @property
    def is_complete(self) -> bool:
        return len(self.parts) == self.total

    def progress(self, fmt: Format) -> Progress:
        remaining = self.total - len(self.parts)
        return Progress(fmt, len(self.parts), self.total, tuple(self._shown), remaining)

    def in_order(self) -> list[Part]:
        return [self.parts[number] for number in range(1, self.total + 1)]


class _Collector(Protocol):
    def add(self, data: str | bytes) -> None: ...
    def progress(self) -> Progress: ...
    @property
    def is_complete(self) -> bool: ...
    def result(self) -> Payload: ...


def _as_text(data: str | bytes) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("ascii")
    except UnicodeDecodeError:
        raise SequenceMismatch("a binary QR in the middle of an animated scan") from None


class _BBQrCollector:
    def __init__(self, first: bbqr.BBQrPart, max_bytes: int):
        self._series = first.header.series
        self._encoding = first.header.encoding
        self._file_type = first.header.file_type
        self._max_bytes = max_bytes
        self._book: _PartBook[bytes] = _PartBook(first.header.total)
        self._part_size = 0  # bytes in every non-final part, once one has arrived

    def add(self, data: str | bytes) -> None:
        text = _as_text(data).strip()
        if not bbqr.is_bbqr(text):
            raise SequenceMismatch("a QR that is not BBQr in the middle of a BBQr scan")
        series = text[: bbqr.HEADER_LEN - 2]
        if series != self._series:
            raise SequenceMismatch(
                f"a part of another BBQr series ({series!r}) while collecting {self._series}"
            )
        part = bbqr.parse_part(text)
        number = part.header.index + 1
        known = self._book.parts.get(number)
        if known is not None:
            if known != part.data:
                raise SequenceMismatch(
                    f"BBQr part {number} arrived twice with different content: two series?"
                )
            return  # the usual repeat of an animated loop
        self._check_size(part)
        self._book.add(number, part.data)

    def _check_size(self, part: bbqr.BBQrPart) -> None:
        size = len(part.data)
        last = part.header.index == part.header.total - 1
        if not last:
            if size == 0:
                raise TransportError(f"BBQr part {part.header.index + 1} is empty")
            if self._part_size and size != self._part_size:
                raise SequenceMismatch(
                    f"BBQr part {part.header.index + 1} is not the size of the others: two series?"
                )
            self._part_size = size
            claimed = size * (part.header.total - 1)
            if claimed > self._max_bytes:
                raise PayloadTooLarge(
                    f"this BBQr series holds over {claimed} bytes; the limit is {self._max_bytes}"
                )
        if self._part_size and (size > self._part_size or (last and size == 0)):
            raise SequenceMismatch("the last BBQr part does not fit the others: two series?")

    def progress(self) -> Progress:
        return self._book.progress(Format.BBQR)

    @property
    def is_complete(self) -> bool:
        return self._book.is_complete

    def result(self) -> Payload:
        data = b"".join(self._book.in_order())
        if self._encoding == "Z":
            data = bbqr.inflate(data, self._max_bytes)
        meta = {"file_type": self._file_type}
        if self._file_type == "P":
            if not data.startswith(PSBT_MAGIC):
                raise TransportError("the BBQr series says PSBT but its data is not a PSBT")
            return Payload(PayloadKind.PSBT, data, Format.BBQR, self._encoding, meta)
        if self._file_type == "T":
            return Payload(PayloadKind.TRANSACTION, data, Format.BBQR, self._encoding, meta)
        if self._file_type in ("U", "J"):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise TransportError("the BBQr series says text but is not UTF-8") from None
            payload = single.classify_text(text)
            return replace(payload, format=Format.BBQR, encoding=self._encoding, meta=meta)
        return Payload(PayloadKind.BYTES, data, Format.BBQR, self._encoding, meta)


class _PMofNCollector:
    def __init__(self, first: pmofn.PMofNPart, max_bytes: int):
        if first.total > pmofn.MAX_PARTS:
            raise PayloadTooLarge(
                f"a Specter QR series of {first.total} parts: at most {pmofn.MAX_PARTS} accepted"
            )
        # The joined text is base64 (4 chars per 3 bytes) for PSBTs; allow that much text.
        self._max_chars = math.ceil(max_bytes / 3) * 4
        self._book: _PartBook[str] = _PartBook(first.total)
        self._chars = 0
        self._chunk_size = 0

    def add(self, data: str | bytes) -> None:
        text = _as_text(data).strip()
        if not pmofn.is_pmofn(text):
            raise SequenceMismatch("a QR that is not a Specter pMofN part in the middle of a scan")
        part = pmofn.parse_part(text)
        if part.total != self._book.total:
            raise SequenceMismatch(
                f"a part of a {part.total}-part series while collecting {self._book.total} parts"
            )
        known = self._book.parts.get(part.index)
        if known is not None:
            if known != part.chunk:
                raise SequenceMismatch(
                    f"Specter part {part.index} arrived twice with different content: two series?"
                )
            return
        if part.index < part.total:
            self._chunk_size = max(self._chunk_size, len(part.chunk))
        self._chars += len(part.chunk)
        claimed = max(self._chars, self._chunk_size * (part.total - 1))
        if claimed > self._max_chars:
            raise PayloadTooLarge(
                f"this Specter QR series holds over {claimed} characters; "
                f"the limit is {self._max_chars}"
            )
        self._book.add(part.index, part.chunk)

    def progress(self) -> Progress:
        return self._book.progress(Format.PMOFN)

    @property
    def is_complete(self) -> bool:
        return self._book.is_complete

    def result(self) -> Payload:
        payload = single.classify_text("".join(self._book.in_order()))
        return replace(payload, format=Format.PMOFN)


class _URCollector:
    """UR parts go to the fountain decoder, which checks each part's CRC and the message's."""

    def __init__(self, max_bytes: int):
        self._decoder = ur.URDecoder(max_message_len=max_bytes)

    def add(self, data: str | bytes) -> None:
        text = _as_text(data).strip()
        if not _is_ur(text):
            raise SequenceMismatch("a QR that is not a UR in the middle of a UR scan")
        self._decoder.receive(text)

    def progress(self) -> Progress:
        return self._decoder.progress()

    @property
    def is_complete(self) -> bool:
        return self._decoder.is_complete

    def result(self) -> Payload:
        resource = self._decoder.result()
        if resource.type in urtypes.PSBT_TYPES:
            psbt = urtypes.ur_to_psbt(resource)
            return Payload(PayloadKind.PSBT, psbt, Format.UR, resource.type)
        if resource.type in urtypes.OUTPUT_TYPES:
            descriptor = urtypes.ur_to_descriptor(resource)
            return Payload(PayloadKind.DESCRIPTOR, descriptor, Format.UR, resource.type)
        if resource.type == "crypto-account":
            urtypes.ur_to_account(resource)  # only ever hand over an account that parses
            return Payload(PayloadKind.ACCOUNT, resource.cbor, Format.UR, resource.type)
        if resource.type == "bytes":
            payload = single.classify(urtypes.ur_to_bytes(resource))
            return replace(payload, format=Format.UR, encoding="bytes")
        raise TransportError(f"ur:{resource.type} is not a type airsign reads")


class _SingleCollector:
    def __init__(self, data: str | bytes, max_bytes: int):
        if len(data) > max_bytes:
            raise PayloadTooLarge(f"a QR of {len(data)} bytes; the limit is {max_bytes}")
        self._data = data
        self._payload = single.classify(data)

    def add(self, data: str | bytes) -> None:
        if data != self._data:
            raise SequenceMismatch("already holding a complete QR: reset to scan another")

    def progress(self) -> Progress:
        return Progress(Format.SINGLE, 1, 1)

    @property
    def is_complete(self) -> bool:
        return True

    def result(self) -> Payload:
        return self._payload


def _is_ur(text: str) -> bool:
    return text[:3].lower() == "ur:"


def _start(data: str | bytes, max_bytes: int) -> _Collector:
    head = (data[:32].decode("latin-1") if isinstance(data, bytes) else data[:32]).lstrip()
    if _is_ur(head):
        return _URCollector(max_bytes)
    if bbqr.is_bbqr(head):
        return _BBQrCollector(bbqr.parse_part(_as_text(data).strip()), max_bytes)
    if pmofn.is_pmofn(head):
        return _PMofNCollector(pmofn.parse_part(_as_text(data).strip()), max_bytes)
    return _SingleCollector(data, max_bytes)


# The largest payload worth collecting: a PSBT at the loader's limit, plus its UR/CBOR
# wrapping. A larger series is refused from its first part, not scanned to the end.
MAX_PAYLOAD = DEFAULT_MAX_SIZE + 64


class Assembler:
    """Collects one payload from its QR parts. Not thread-safe; one per scan."""

    def __init__(self, max_bytes: int = MAX_PAYLOAD):
        self._max_bytes = max_bytes
        self._collector: _Collector | None = None
        self._result: Payload | None = None

    def reset(self) -> None:
        self._collector = None
        self._result = None

    def receive(self, data: str | bytes) -> Progress:
        """Add one decoded QR payload (text, or bytes as a reader returns them); repeats are
        ignored. Refusals are AirsignError subclasses with a one-line message: TransportError,
        SequenceMismatch and PayloadTooLarge, or the payload's own (InvalidMnemonic, ...)."""
        collector = self._collector or _start(data, self._max_bytes)
        collector.add(data)  # a refused first part leaves the assembler empty
        self._collector = collector
        if self._result is None and self._collector.is_complete:
            self._result = self._collector.result()
        return self._collector.progress()

    @property
    def is_complete(self) -> bool:
        return self._result is not None

    def result(self) -> Payload:
        if self._result is None:
            raise TransportError("the scan is not complete yet")
        return self._result

    def progress(self) -> Progress:
        if self._collector is None:
            return Progress(Format.SINGLE, 0, 0)
        return self._collector.progress()
