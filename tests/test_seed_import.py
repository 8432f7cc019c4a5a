"""Seeds from scans: SeedQR vectors through the transport classifier, plain words, Coldcard's
4-letter abbreviations; non-seed payloads refused."""

import pytest
from conftest import load_vectors

from signer.errors import InvalidMnemonic
from signer.seed.importing import words_from_payload
from signer.transport.single import classify
from signer.transport.types import Format, Payload, PayloadKind

SEEDQR = load_vectors("seedqr/seedqr_vectors.json")["vectors"]


@pytest.mark.parametrize("vector", SEEDQR, ids=lambda v: v["name"])
def test_seedqr_scans(vector: dict) -> None:
    words = vector["mnemonic"].split()
    assert words_from_payload(classify(vector["standard_seedqr_digits"])) == words
    assert words_from_payload(classify(bytes.fromhex(vector["compact_seedqr_hex"]))) == words


def test_words_and_abbreviations() -> None:
    words = SEEDQR[0]["mnemonic"].split()
    assert words_from_payload(classify(" ".join(words))) == words
    abbreviated = Payload(PayloadKind.TEXT, " ".join(w[:4] for w in words), Format.SINGLE)
    assert words_from_payload(abbreviated) == words


def test_non_seeds_refused() -> None:
    with pytest.raises(InvalidMnemonic, match="not a seed"):
        words_from_payload(Payload(PayloadKind.PSBT, b"psbt\xff", Format.SINGLE))
    with pytest.raises(InvalidMnemonic, match="not a seed"):
        words_from_payload(Payload(PayloadKind.TEXT, "hello there", Format.SINGLE))
    words = SEEDQR[0]["mnemonic"].split()
    words[0], words[1] = words[1], words[0]
    with pytest.raises(InvalidMnemonic, match="checksum"):
        words_from_payload(Payload(PayloadKind.TEXT, " ".join(words), Format.SINGLE))
