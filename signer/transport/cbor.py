"""The small, strict CBOR (RFC 8949) subset UR types need.

Values map to Python as: int, bytes, str, list, dict, bool, None and `Tagged`. Only
definite lengths; no floats. Encoding is deterministic (shortest heads, map keys sorted by
their encoded bytes). Decoding never allocates more than the input can hold and refuses
anything malformed with TransportError.
"""

from dataclasses import dataclass
from typing import Union

from signer.errors import TransportError

CborValue = Union[int, bytes, str, list["CborValue"], dict, bool, None, "Tagged"]  # noqa: UP007

_MAX_DEPTH = 32

_UINT, _NEGINT, _BYTES, _TEXT, _ARRAY, _MAP, _TAG, _SIMPLE = range(8)
_FALSE, _TRUE, _NULL = 20, 21, 22


@dataclass(frozen=True)
class Tagged:
    tag: int
    value: CborValue


def _head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise ValueError(f"CBOR argument too large: {argument}")


def dumps(value: CborValue) -> bytes:
    """Deterministic CBOR encoding of value."""
    out = bytearray()
    _encode_into(out, value)
    return bytes(out)


def _encode_into(out: bytearray, value: CborValue) -> None:
    if value is None:
        out.append(_SIMPLE << 5 | _NULL)
    elif isinstance(value, bool):  # before int: bool is an int subclass
        out.append(_SIMPLE << 5 | (_TRUE if value else _FALSE))
    elif isinstance(value, int):
        if value >= 0:
            out += _head(_UINT, value)
        else:
            out += _head(_NEGINT, -1 - value)
    elif isinstance(value, bytes | bytearray):
        out += _head(_BYTES, len(value))
        out += value
    elif isinstance(value, str):
        encoded = value.encode("utf-8")
        out += _head(_TEXT, len(encoded))
        out += encoded
    elif isinstance(value, list | tuple):
        out += _head(_ARRAY, len(value))
        for item in value:
            _encode_into(out, item)
    elif isinstance(value, dict):
        out += _head(_MAP, len(value))
        for key_bytes, item in sorted((dumps(k), v) for k, v in value.items()):
            out += key_bytes
            _encode_into(out, item)
    elif isinstance(value, Tagged):
        out += _head(_TAG, value.tag)
        _encode_into(out, value.value)
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


def loads(data: bytes) -> CborValue:
    """Decode exactly one CBOR item that fills all of data."""
    reader = _Reader(data)
    value = reader.item(0)
    if reader.position != len(data):
        raise TransportError(f"CBOR: {len(data) - reader.position} unexpected trailing bytes")
    return value


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.position = 0

    def _take(self, count: int) -> bytes:
        end = self.position + count
        if end > len(self.data):
            raise TransportError("CBOR: data ends in the middle of an item (truncated?)")
        chunk = self.data[self.position : end]
        self.position = end
        return chunk

    def _head(self) -> tuple[int, int]:
        first = self._take(1)[0]
        major, info = first >> 5, first & 0x1F
        if info < 24:
            return major, info
        if info in (24, 25, 26, 27):
            return major, int.from_bytes(self._take(1 << (info - 24)), "big")
        if info == 31:
            raise TransportError("CBOR: indefinite lengths are not supported")
        raise TransportError(f"CBOR: reserved additional information {info}")

    def _count(self, count: int) -> int:
        # Every item takes at least one byte: a larger count cannot be genuine.
        if count > len(self.data) - self.position:
            raise TransportError("CBOR: length larger than the data (truncated or hostile)")
        return count

    def item(self, depth: int) -> CborValue:
        if depth > _MAX_DEPTH:
            raise TransportError("CBOR: nested too deeply")
        major, argument = self._head()
        if major == _UINT:
            return argument
        if major == _NEGINT:
            return -1 - argument
        if major == _BYTES:
            return self._take(self._count(argument))
        if major == _TEXT:
            try:
                return self._take(self._count(argument)).decode("utf-8")
            except UnicodeDecodeError:
                raise TransportError("CBOR: text string is not UTF-8") from None
        if major == _ARRAY:
            return [self.item(depth + 1) for _ in range(self._count(argument))]
        if major == _MAP:
            result: dict = {}
            for _ in range(self._count(argument)):
                key = self.item(depth + 1)
                if isinstance(key, list | dict | Tagged):
                    raise TransportError("CBOR: map key must be a number or a string")
                if key in result:
                    raise TransportError(f"CBOR: duplicate map key {key!r}")
                result[key] = self.item(depth + 1)
            return result
        if major == _TAG:
            return Tagged(argument, self.item(depth + 1))
        simple = {_FALSE: False, _TRUE: True, _NULL: None}
        if argument in simple:
            return simple[argument]
        raise TransportError("CBOR: floats and other simple values are not supported")
