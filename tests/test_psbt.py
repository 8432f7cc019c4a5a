"""PSBT loading against the public vectors: BIP-174, BIP-370, BIP-371 and Bitcoin Core's."""

import base64
from pathlib import Path

import pytest
from conftest import load_vectors

from signer.errors import InvalidPSBT
from signer.psbt import (
    computed_locktime,
    decode_psbt_text,
    encode_psbt,
    load_psbt,
    serialize_psbt,
)
from signer.review import script_problem

BIP174 = load_vectors("psbt/bip174_vectors.json")
BIP370 = load_vectors("psbt/bip370_vectors.json")["vectors"]
BIP371 = load_vectors("psbt/bip371_vectors.json")["vectors"]
CORE = load_vectors("psbt/rpc_psbt.json")


def _ids(vectors: list[dict]) -> list[str]:
    return [v["description"][:60] for v in vectors]


def _assert_refused(data: str) -> None:
    with pytest.raises(InvalidPSBT) as refused:
        load_psbt(data)
    message = str(refused.value)
    assert message and "\n" not in message


def _assert_round_trip(hex_text: str) -> None:
    raw = bytes.fromhex(hex_text)
    psbt = load_psbt(hex_text)
    assert serialize_psbt(psbt) == raw
    assert serialize_psbt(load_psbt(base64.b64encode(raw).decode())) == raw
    assert serialize_psbt(load_psbt(raw)) == raw


@pytest.mark.parametrize("vector", BIP174["invalid"], ids=_ids(BIP174["invalid"]))
def test_bip174_invalid_refused(vector: dict) -> None:
    _assert_refused(vector["hex"])
    _assert_refused(vector["base64"])


@pytest.mark.parametrize("vector", BIP174["valid"] + BIP174["fails_signer_checks"],
                         ids=_ids(BIP174["valid"] + BIP174["fails_signer_checks"]))
def test_bip174_valid_round_trip(vector: dict) -> None:
    _assert_round_trip(vector["hex"])
    assert load_psbt(vector["base64"]).inputs is not None


@pytest.mark.parametrize("vector", BIP370 + BIP371, ids=_ids(BIP370 + BIP371))
def test_bip370_bip371(vector: dict) -> None:
    if vector["expect"] == "invalid":
        _assert_refused(vector["hex"])
    else:
        _assert_round_trip(vector["hex"])


def test_bip370_versions_are_reported() -> None:
    valid = [v for v in BIP370 if v["expect"] == "valid"]
    assert valid and all(load_psbt(v["hex"]).version == 2 for v in valid)
    assert load_psbt(BIP174["valid"][0]["hex"]).version != 2


@pytest.mark.parametrize("vector", [v for v in BIP370 if "locktime_error" in v
                                    or "computed_locktime" in v], ids=str)
def test_bip370_locktime_determination(vector: dict) -> None:
    psbt = load_psbt(vector["hex"])
    if vector.get("locktime_error"):
        with pytest.raises(InvalidPSBT):
            computed_locktime(psbt)
    else:
        assert computed_locktime(psbt) == vector["computed_locktime"]


@pytest.mark.parametrize("data", CORE["invalid"])
def test_core_invalid_refused(data: str) -> None:
    _assert_refused(data)


@pytest.mark.parametrize(("data", "reason"), CORE["invalid_with_msg"],
                         ids=[reason for _, reason in CORE["invalid_with_msg"]])
def test_core_invalid_with_message_refused(data: str, reason: str) -> None:
    _assert_refused(data)


@pytest.mark.parametrize("data", CORE["valid"])
def test_core_valid_round_trip(data: str) -> None:
    _assert_round_trip(base64.b64decode(data).hex())


@pytest.mark.parametrize("vector", BIP174["fails_signer_checks"],
                         ids=_ids(BIP174["fails_signer_checks"]))
def test_bip174_signer_checks_detected(vector: dict) -> None:
    psbt = load_psbt(vector["hex"])
    problems = [script_problem(inp, inp.utxo.script_pubkey) for inp in psbt.inputs]
    assert any(problems), vector["description"]


def test_signer_checks_pass_on_consistent_inputs() -> None:
    # BIP-174 valid vector: P2SH-P2WSH and P2WSH inputs with matching scripts
    for vector in BIP174["valid"][4:6]:
        psbt = load_psbt(vector["hex"])
        assert all(script_problem(inp, inp.utxo.script_pubkey) is None
                   for inp in psbt.inputs)


# --- encodings -------------------------------------------------------------------------------
def test_encodings_detected_and_reproduced() -> None:
    raw = bytes.fromhex(BIP174["valid"][1]["hex"])
    forms = {"binary": raw, "hex": raw.hex().encode(), "base64": base64.b64encode(raw)}
    for name, data in forms.items():
        decoded, encoding = decode_psbt_text(data)
        assert (decoded, encoding) == (raw, name)
        assert encode_psbt(decoded, encoding) == data
    wrapped = b"  " + base64.b64encode(raw)[:40] + b"\n" + base64.b64encode(raw)[40:] + b"\n"
    assert decode_psbt_text(wrapped) == (raw, "base64")
    assert decode_psbt_text(raw.hex().upper()) == (raw, "hex")


@pytest.mark.parametrize("data", [b"", b"hello world", b"\x00\x01\x02", "cHNidP8=",
                                  "70736274ff01zz", b"\xff\xfe\xfd"])
def test_garbage_refused(data: bytes | str) -> None:
    _assert_refused(data)  # type: ignore[arg-type]


def test_size_limit() -> None:
    raw = bytes.fromhex(BIP174["valid"][1]["hex"])
    with pytest.raises(InvalidPSBT, match="too large"):
        load_psbt(raw, max_size=len(raw) - 1)
    assert serialize_psbt(load_psbt(raw, max_size=len(raw))) == raw


def test_trailing_bytes_refused() -> None:
    raw = bytes.fromhex(BIP174["valid"][1]["hex"])
    with pytest.raises(InvalidPSBT, match="unexpected bytes"):
        load_psbt(raw + b"\x00")


def test_huge_length_inside_a_previous_transaction_refused() -> None:
    """A NON_WITNESS_UTXO whose scriptSig length is 2^64 - 1: one line, not an OverflowError."""
    unsigned_tx = (b"\x02\x00\x00\x00" + b"\x01" + bytes(32) + bytes(4) + b"\x00" + b"\xff" * 4
                   + b"\x01" + (1000).to_bytes(8, "little") + b"\x16\x00\x14" + bytes(20)
                   + bytes(4))
    previous_tx = b"\x02\x00\x00\x00" + b"\x01" + bytes(32) + bytes(4) + b"\xff" + b"\xff" * 8
    raw = (b"psbt\xff" + b"\x01\x00" + bytes([len(unsigned_tx)]) + unsigned_tx + b"\x00"
           + b"\x01\x00" + bytes([len(previous_tx)]) + previous_tx + b"\x00"
           + b"\x00")
    with pytest.raises(InvalidPSBT, match="invalid PSBT field"):
        load_psbt(raw)


def test_refusals_number_inputs_as_the_screens_do() -> None:
    """A coin spent twice is named "input 2/2 ... input 1/2", as the device numbers inputs."""
    duplicate = (Path(__file__).parent / "attacks" / "corpus" / "psbt" / "duplicate-inputs.psbt")
    with pytest.raises(InvalidPSBT) as refused:
        load_psbt(duplicate.read_bytes())
    assert str(refused.value) == "input 2/2 spends the same coin as input 1/2"
