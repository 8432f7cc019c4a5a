"""The CBOR subset against RFC 8949 Appendix A examples (encoding is the preferred,
deterministic one there) and Appendix F malformed items."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signer.errors import TransportError
from signer.transport import cbor
from signer.transport.cbor import Tagged

# (value, hex) from RFC 8949 Appendix A, "Examples of Encoded CBOR Data Items".
RFC8949_EXAMPLES = [
    (0, "00"), (1, "01"), (10, "0a"), (23, "17"), (24, "1818"), (25, "1819"),
    (100, "1864"), (1000, "1903e8"), (1000000, "1a000f4240"),
    (1000000000000, "1b000000e8d4a51000"), (18446744073709551615, "1bffffffffffffffff"),
    (-18446744073709551616, "3bffffffffffffffff"),
    (-1, "20"), (-10, "29"), (-100, "3863"), (-1000, "3903e7"),
    (False, "f4"), (True, "f5"), (None, "f6"),
    (Tagged(1, 1363896240), "c11a514b67b0"),
    (Tagged(23, bytes.fromhex("01020304")), "d74401020304"),
    (Tagged(24, bytes.fromhex("6449455446")), "d818456449455446"),
    (Tagged(32, "http://www.example.com"), "d82076687474703a2f2f7777772e6578616d706c652e636f6d"),
    (b"", "40"), (bytes.fromhex("01020304"), "4401020304"),
    ("", "60"), ("a", "6161"), ("IETF", "6449455446"), ('"\\', "62225c"), ("\u00fc", "62c3bc"),
    ("\u6c34", "63e6b0b4"), ("\U00010151", "64f0908591"),
    ([], "80"), ([1, 2, 3], "83010203"), ([1, [2, 3], [4, 5]], "8301820203820405"),
    (list(range(1, 26)), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
    ({}, "a0"), ({1: 2, 3: 4}, "a201020304"), ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (["a", {"b": "c"}], "826161a161626163"),
    ({"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"},
     "a56161614161626142616361436164614461656145"),
]


@pytest.mark.parametrize(("value", "encoded"), RFC8949_EXAMPLES, ids=lambda x: str(x)[:20])
def test_rfc8949_examples(value: cbor.CborValue, encoded: str) -> None:
    assert cbor.dumps(value).hex() == encoded
    decoded = cbor.loads(bytes.fromhex(encoded))
    assert decoded == value and type(decoded) is type(value)


def test_map_keys_are_written_in_deterministic_order() -> None:
    # RFC 8949 4.2.1: keys sorted by their encoded bytes, whatever the insertion order.
    assert cbor.dumps({3: 4, 1: 2}).hex() == "a201020304"
    assert cbor.dumps({"b": 1, 10: 2}).hex() == "a20a02616201"


@pytest.mark.parametrize("encoded", [
    "18",  # RFC 8949 F.1: end of input in a head
    "1901", "1a0102", "1b01020304050607",
    "38", "58", "78", "98", "9a01ff00", "b8", "d8",
    "4201", "636161", "8201", "a2010203",  # F.1: definite-length strings/containers cut short
    "1c", "1d", "1e", "3c", "5c", "7c", "9c", "bc", "dc", "fc",  # F.1: reserved info 28-30
    "5f4100ff", "7f6100ff", "9fff", "bfff",  # indefinite lengths (not supported here)
    "fa3f800000", "f97c00",  # floats (not supported here)
    "a1010101",  # trailing byte
    "a201020103",  # duplicate key
    "a1810102",  # array as map key
    "62c328",  # invalid UTF-8 in a text string
    "9b7fffffffffffffff",  # array length far beyond the data
    "5b0000000100000000",  # byte string length beyond the data
], ids=str)
def test_malformed_input_is_refused(encoded: str) -> None:
    with pytest.raises(TransportError):
        cbor.loads(bytes.fromhex(encoded))


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(TransportError):
        cbor.loads(bytes([0x81] * 100 + [0x00]))


_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**64), 2**64 - 1) | st.binary(max_size=40)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.integers(0, 1000) | st.text(max_size=5), children, max_size=5)
    | st.builds(Tagged, st.integers(0, 2**32), children),
    max_leaves=20,
)


@given(_values)
def test_round_trip(value: cbor.CborValue) -> None:
    encoded = cbor.dumps(value)
    assert cbor.loads(encoded) == value
    assert cbor.dumps(cbor.loads(encoded)) == encoded
