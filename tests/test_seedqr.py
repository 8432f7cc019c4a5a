"""SeedQR against SeedSigner's published vectors, and through two real QR readers."""

import pytest
import qrcode
import zxingcpp
from conftest import VECTORS, load_vectors
from pyzbar import pyzbar

from signer.errors import InvalidMnemonic, TransportError
from signer.transport import seedqr

SEEDQR = load_vectors("seedqr/seedqr_vectors.json")
VECTOR_IDS = [vector["name"] for vector in SEEDQR["vectors"]]
ENGLISH = (VECTORS / "bip39" / "english.txt").read_text().split()


@pytest.mark.parametrize("vector", SEEDQR["vectors"], ids=VECTOR_IDS)
def test_encode_matches_published_vectors(vector):
    words = vector["mnemonic"].split()
    assert seedqr.encode_standard(words) == vector["standard_seedqr_digits"]
    assert seedqr.encode_compact(words).hex() == vector["compact_seedqr_hex"]
    # The published bit string is the same entropy, written out bit by bit.
    bits = "".join(f"{byte:08b}" for byte in seedqr.encode_compact(words))
    assert bits == vector["compact_seedqr_bits"]


@pytest.mark.parametrize("vector", SEEDQR["vectors"], ids=VECTOR_IDS)
def test_decode_both_forms_and_reader_mangling(vector):
    words = vector["mnemonic"].split()
    raw = bytes.fromhex(vector["compact_seedqr_hex"])
    assert seedqr.decode(vector["standard_seedqr_digits"]) == words
    assert seedqr.decode(raw) == words
    assert seedqr.decode(raw.decode("latin-1")) == words  # reader gave latin-1 text
    assert seedqr.decode(raw.decode("latin-1").encode("utf-8")) == words  # zbar's UTF-8


def test_worked_example_uses_zero_based_indices():
    example = SEEDQR["worked_example_from_spec"]
    words = [ENGLISH[index] for index in example["indices"]]
    assert " ".join(words) == example["mnemonic_from_indices"]
    assert seedqr.encode_standard(words) == example["standard_seedqr_digits"]
    assert seedqr.decode(example["standard_seedqr_digits"]) == words


def _qr_image(content: str | bytes):
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, box_size=4, border=4)
    code.add_data(content)
    code.make(fit=True)
    return code.make_image().get_image().convert("L")


@pytest.mark.parametrize("vector", SEEDQR["vectors"], ids=VECTOR_IDS)
def test_compact_seedqr_read_back_by_zxing_and_zbar(vector):
    words = vector["mnemonic"].split()
    image = _qr_image(seedqr.encode_compact(words))
    assert seedqr.decode(zxingcpp.read_barcodes(image)[0].bytes) == words
    assert seedqr.decode(pyzbar.decode(image)[0].data) == words


def test_standard_seedqr_read_back_by_zbar_and_zxing():
    vector = SEEDQR["vectors"][3]
    image = _qr_image(vector["standard_seedqr_digits"])
    assert seedqr.decode(pyzbar.decode(image)[0].data) == vector["mnemonic"].split()
    assert seedqr.decode(zxingcpp.read_barcodes(image)[0].text) == vector["mnemonic"].split()


def test_bad_input_errors():
    digits = SEEDQR["vectors"][3]["standard_seedqr_digits"]
    with pytest.raises(TransportError, match="48 or 96 digits"):
        seedqr.decode(digits[:-4])
    with pytest.raises(InvalidMnemonic, match="not below 2048") as caught:
        seedqr.decode("2048" + digits[4:])
    assert caught.value.word_index == 0
    swapped = digits[4:8] + digits[:4] + digits[8:]
    with pytest.raises(InvalidMnemonic, match="checksum"):
        seedqr.decode(swapped)
    with pytest.raises(TransportError, match="16 or 32 bytes"):
        seedqr.decode("\u0660" * 48)  # Arabic-Indic digits are not SeedQR digits
    raw = bytes.fromhex(SEEDQR["vectors"][1]["compact_seedqr_hex"])
    cut_at_nul = raw[: raw.index(0)]  # what a reader that stops at NUL hands over
    with pytest.raises(TransportError, match="16 or 32 bytes"):
        seedqr.decode(cut_at_nul)
    with pytest.raises(InvalidMnemonic, match="12 or 24 words"):
        seedqr.encode_standard(ENGLISH[:15])
    with pytest.raises(InvalidMnemonic, match="word 2") as caught:
        seedqr.encode_compact(["abandon", "bitcoinz"] + ["abandon"] * 10)
    assert caught.value.word_index == 1
