"""Bytewords and CRC-32 against the bc-ur reference test vectors."""

import pytest
from conftest import load_vectors
from hypothesis import given
from hypothesis import strategies as st

from signer.errors import TransportError
from signer.transport import bytewords
from signer.transport.bytewords import Style

VECTORS = load_vectors("ur/bc_ur_vectors.json")


@pytest.mark.parametrize("case", VECTORS["crc32"]["vectors"], ids=lambda c: c["input"])
def test_crc32(case: dict) -> None:
    assert bytewords.crc32_bytes(case["input"].encode()).hex() == case["expected_hex"]


def test_word_list_is_256_distinct_words_with_unique_minimal_pairs() -> None:
    assert len(set(bytewords.WORDS)) == 256
    assert len({word[0] + word[3] for word in bytewords.WORDS}) == 256
    assert bytewords.WORDS[0] == "able" and bytewords.WORDS[255] == "zoom"


# Only the styles each upstream vector gives (the long one has no uri form upstream).
_STYLE_CASES = [(case, style) for case in VECTORS["bytewords"]["vectors"] for style in Style
                if style.value in case]


@pytest.mark.parametrize(("case", "style"), _STYLE_CASES,
                         ids=lambda x: x.value if isinstance(x, Style) else x["input_hex"][:8])
def test_encode_and_decode_vectors(case: dict, style: Style) -> None:
    data = bytes.fromhex(case["input_hex"])
    assert bytewords.encode(data, style) == case[style.value]
    assert bytewords.decode(case[style.value], style) == data


@pytest.mark.parametrize("case", VECTORS["bytewords"]["decode_must_fail"],
                         ids=lambda c: f"{c['style']}-{c['reason']}-{c['input'][:8]}")
def test_decode_must_fail(case: dict) -> None:
    with pytest.raises(TransportError):
        bytewords.decode(case["input"], Style(case["style"]))


def test_decode_is_case_insensitive() -> None:
    case = VECTORS["bytewords"]["vectors"][0]
    assert bytewords.decode(case["minimal"].upper()) == bytes.fromhex(case["input_hex"])
    assert bytewords.decode(case["standard"].upper(), Style.STANDARD) == bytes(
        case["input_bytes"])


def test_single_changed_letter_is_rejected() -> None:
    minimal = VECTORS["bytewords"]["vectors"][1]["minimal"]
    for position in range(0, len(minimal), 7):
        replacement = "a" if minimal[position] != "a" else "b"
        garbled = minimal[:position] + replacement + minimal[position + 1:]
        with pytest.raises(TransportError):
            bytewords.decode(garbled)


def test_truncated_minimal_is_rejected() -> None:
    minimal = VECTORS["bytewords"]["vectors"][1]["minimal"]
    for cut in (1, 2, 3, 10):
        with pytest.raises(TransportError):
            bytewords.decode(minimal[:-cut])


def test_checksum_with_leading_zero_bytes_is_accepted() -> None:
    # foundation-ur-py issue #3: a CRC starting with zero bytes must not be mishandled.
    fragment = VECTORS["foundation_ur_py_extra"]["fragment"]
    body = fragment.rsplit("/", 1)[1]
    assert bytewords.decode(body)


@given(st.binary(min_size=1, max_size=300), st.sampled_from(list(Style)))
def test_round_trip(data: bytes, style: Style) -> None:
    assert bytewords.decode(bytewords.encode(data, style), style) == data
