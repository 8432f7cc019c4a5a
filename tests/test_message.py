"""Message signing: BIP-322's published vectors, and our signatures checked by code that is not
ours (the virtual transactions built here byte by byte, sighashes from tests/independent,
ECDSA by OpenSSL, Schnorr and key recovery in plain integers)."""

import base64
import hashlib
import json

import pytest
from cli_kit import run_cli
from embit.ec import PrivateKey
from independent import bip340, sighash
from independent.cosigners import root
from independent.ecdsa import ecdsa_valid, recover_pubkey

from signer.errors import InvalidAddress, InvalidMessage, UsageError
from signer.message import (
    MessageFormat,
    find_key,
    key_at,
    parse_request,
    sign_message,
    sign_with,
    verify_message,
)
from signer.network import Network
from signer.scripts import ScriptType, parse_path

# BIP-322 "Test vectors" (bitcoin/bips bip-0322.mediawiki).
VECTOR_WIF = "L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k"
VECTOR_P2WPKH = "bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l"
VECTOR_SIGNATURES = {
    b"": ("AkcwRAIgM2gBAQqvZX15ZiysmKmQpDrG83avLIT492QBzLnQIxYCIBaTpOaD20qRlEylyxFSeEA2ba9YOixpX8z4"
          "6TSDtS40ASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=",
          "AkgwRQIhAPkJ1Q4oYS0htvyuSFHLxRQpFAY56b70UvE7Dxazen0ZAiAtZfFz1S6T6I23MWI2lK/pcNTWncuyL8UL"
          "+oMdydVgzAEhAsfxIAMZZEKUPYWI4BruhAQjzFT8FSFSajuFwrDL1Yhy"),
    b"Hello World": (
        "AkcwRAIgZRfIY3p7/DoVTty6YZbWS71bc5Vct9p9Fia83eRmw2QCICK/ENGfwLtptFluMGs2KsqoNSk89pO7F29z"
        "JLUx9a/sASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=",
        "AkgwRQIhAOzyynlqt93lOKJr+wmmxIens//zPzl9tqIOua93wO6MAiBi5n5EyAcPScOjf1lAqIUIQtr3zKNeavYa"
        "bHyR8eGhowEhAsfxIAMZZEKUPYWI4BruhAQjzFT8FSFSajuFwrDL1Yhy"),
}
VECTOR_HASHES = {
    b"": "c90c269c4f8fcbe6880f72a721ddfbf1914268a794cbb21cfafee13770ae19f1",
    b"Hello World": "f0eb03b1a75ac6d9847f55c624a99169b5dccba2a31f5b23bea77ba270de0a7a",
}
VECTOR_TXIDS = {  # to_spend, to_sign
    b"": ("c5680aa69bb8d860bf82d4e9cd3504b55dde018de765a91bb566283c545a99a7",
          "1e9654e951a5ba44c8604c4de6c67fd78a27e81dcadcfe1edf638ba3aaebaed6"),
    b"Hello World": ("b79d196740ad5217771c1098fc4a4b51e0535c32236c71f1ea4d61a2d603352b",
                     "88737ae86f2077145f93cc4b153ae9a1cb8d56afa511988c149c5c8c9d93bddf"),
}
# Bitcoin Core's util_tests (MessageVerify, BIP-322 simple, taproot key path, SIGHASH_ALL).
VECTOR_P2TR = "bc1ppv609nr0vr25u07u95waq5lucwfm6tde4nydujnu8npg4q75mr5sxq8lt3"
VECTOR_P2TR_SIGNATURE = ("AUHd69PrJQEv+oKTfZ8l+WROBHuy9HKrbFCJu7U1iK2iiEy1vMU5EfMtjc+VSHM7aU0SD"
                         "bak5IUZRVno2P5mjSafAQ==")
P2WPKH_PATH = parse_path("m/84h/1h/0h/0/3")


# --- the virtual transactions, written out here from BIP-322's definition ------------------


def _tagged(message: bytes) -> bytes:
    return bip340.tagged_hash("BIP0322-signed-message", message)


def _dsha(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def _to_spend_txid(message: bytes, script: bytes) -> bytes:
    """Internal byte order."""
    script_sig = b"\x00\x20" + _tagged(message)
    raw = (b"\x00\x00\x00\x00" + b"\x01" + bytes(32) + b"\xff\xff\xff\xff"
           + sighash.varint(len(script_sig)) + script_sig + bytes(4)
           + b"\x01" + bytes(8) + sighash.varint(len(script)) + script + bytes(4))
    return _dsha(raw)


def _to_sign(message: bytes, script: bytes) -> sighash.Tx:
    op_return = bytes(8) + b"\x01\x6a"
    return sighash.Tx(0, [sighash.TxIn(_to_spend_txid(message, script) + bytes(4), 0)],
                      [op_return], 0)


def _script(address: str) -> bytes:
    from embit.script import address_to_scriptpubkey

    return address_to_scriptpubkey(address).data


# --- vectors --------------------------------------------------------------------------------


@pytest.mark.parametrize("message", list(VECTOR_HASHES))
def test_virtual_transactions_match_the_bip(message: bytes) -> None:
    from embit.script import Script

    from signer.message import bip322_message_hash, to_sign, to_spend

    script = _script(VECTOR_P2WPKH)
    assert bip322_message_hash(message).hex() == VECTOR_HASHES[message]
    spend = to_spend(message, Script(script))
    assert spend.txid().hex() == VECTOR_TXIDS[message][0]
    assert to_sign(spend).txid().hex() == VECTOR_TXIDS[message][1]
    assert _to_spend_txid(message, script)[::-1].hex() == VECTOR_TXIDS[message][0]


@pytest.mark.parametrize("message", list(VECTOR_SIGNATURES))
def test_published_p2wpkh_signatures_verify(message: bytes) -> None:
    for signature in VECTOR_SIGNATURES[message]:
        assert verify_message(VECTOR_P2WPKH, message, signature, Network.MAIN) == "bip322"
    other = b"Hello World" if message == b"" else b""
    with pytest.raises(InvalidMessage):
        verify_message(VECTOR_P2WPKH, other, VECTOR_SIGNATURES[message][0], Network.MAIN)


def test_our_p2wpkh_signature_is_the_published_one() -> None:
    """Low-R RFC 6979 signing gives Bitcoin Core's signature, the BIP's first one."""
    key = PrivateKey.from_wif(VECTOR_WIF)
    ours = sign_with(key, ScriptType.P2WPKH, b"Hello World", MessageFormat.BIP322)
    assert ours == VECTOR_SIGNATURES[b"Hello World"][0]


def test_published_p2tr_signature_verifies() -> None:
    assert verify_message(VECTOR_P2TR, b"Hello World", VECTOR_P2TR_SIGNATURE, None) == "bip322"
    with pytest.raises(InvalidMessage):
        verify_message(VECTOR_P2TR, b"Hello World!", VECTOR_P2TR_SIGNATURE, None)


# --- our signatures, checked independently -------------------------------------------------


def _sign(script_type: ScriptType, message: bytes, fmt: MessageFormat):  # noqa: ANN202
    purpose = {ScriptType.P2PKH: 44, ScriptType.P2SH_P2WPKH: 49, ScriptType.P2WPKH: 84,
               ScriptType.P2TR: 86}[script_type]
    path = parse_path(f"m/{purpose}h/1h/0h/0/3")
    key = key_at(root(0), path, Network.TEST)
    return key, sign_message(root(0), key, message, fmt), root(0).derive(list(path)).key


def test_bip322_p2wpkh_checked_independently() -> None:
    key, signed, private = _sign(ScriptType.P2WPKH, "Grüße ✓".encode(), MessageFormat.BIP322)
    raw = base64.b64decode(signed.signature)
    assert raw[0] == 2  # a simple signature: the witness stack
    sig = raw[2:2 + raw[1]]
    sec = raw[3 + raw[1]:]
    assert sec == private.get_public_key().sec() and sig[-1] == 1
    code = b"\x76\xa9\x14" + _script(key.address)[2:] + b"\x88\xac"
    digest = sighash.bip143(_to_sign(signed.message, _script(key.address)), 0, code, 0)
    assert ecdsa_valid(sec, sig[:-1], digest)


def test_bip322_p2tr_checked_independently() -> None:
    key, signed, private = _sign(ScriptType.P2TR, b"taproot", MessageFormat.BIP322)
    raw = base64.b64decode(signed.signature)
    assert raw[:2] == b"\x01\x40"
    script = _script(key.address)
    output_key = bip340.taproot_output_key(private.get_public_key().xonly())
    assert script == b"\x51\x20" + output_key
    digest = sighash.bip341_key_path(_to_sign(b"taproot", script), 0,
                                     [sighash.Utxo(0, script)])
    assert bip340.verify(output_key, digest, raw[2:])
    assert not bip340.verify(output_key, digest[::-1], raw[2:])


def test_bip322_p2pkh_is_a_full_signature_checked_independently() -> None:
    key, signed, private = _sign(ScriptType.P2PKH, b"legacy address", MessageFormat.BIP322)
    raw = base64.b64decode(signed.signature)
    script = _script(key.address)
    tx = _to_sign(b"legacy address", script)
    # version, one input spending to_spend:0 ...
    assert raw[:5] == b"\x00\x00\x00\x00\x01" and raw[5:41] == tx.inputs[0].outpoint
    script_sig = raw[42:42 + raw[41]]
    sig, sec = script_sig[1:1 + script_sig[0]], script_sig[2 + script_sig[0]:]
    assert sec == private.get_public_key().sec()
    assert ecdsa_valid(sec, sig[:-1], sighash.legacy_sighash_all(tx, 0, script))


def test_bip322_p2sh_p2wpkh_is_a_full_signature() -> None:
    key, signed, private = _sign(ScriptType.P2SH_P2WPKH, b"nested", MessageFormat.BIP322)
    raw = base64.b64decode(signed.signature)
    assert raw[4:6] == b"\x00\x01"  # segwit marker and flag: a whole transaction
    redeem = b"\x00\x14" + hashlib.new("ripemd160", hashlib.sha256(
        private.get_public_key().sec()).digest()).digest()
    assert bytes([len(redeem)]) + redeem in raw
    assert verify_message(key.address, b"nested", signed.signature, Network.TEST) == "bip322"


@pytest.mark.parametrize("script_type", [ScriptType.P2PKH, ScriptType.P2SH_P2WPKH,
                                         ScriptType.P2WPKH])
def test_legacy_signature_recovers_our_key_independently(script_type: ScriptType) -> None:
    message = b"I control this address"
    key, signed, private = _sign(script_type, message, MessageFormat.LEGACY)
    raw = base64.b64decode(signed.signature)
    header_base = {ScriptType.P2PKH: 31, ScriptType.P2SH_P2WPKH: 35, ScriptType.P2WPKH: 39}
    assert header_base[script_type] <= raw[0] < header_base[script_type] + 4  # BIP-137
    digest = _dsha(b"\x18Bitcoin Signed Message:\n" + bytes([len(message)]) + message)
    recovered = recover_pubkey(digest, int.from_bytes(raw[1:33], "big"),
                               int.from_bytes(raw[33:], "big"), (raw[0] - 27) & 3)
    assert recovered == private.get_public_key().sec()
    assert verify_message(key.address, message, signed.signature, Network.TEST) == "legacy"
    with pytest.raises(InvalidMessage):
        verify_message(key.address, message + b".", signed.signature, Network.TEST)


def test_taproot_has_no_legacy_signature() -> None:
    with pytest.raises(UsageError, match="bip322"):
        _sign(ScriptType.P2TR, b"x", MessageFormat.LEGACY)


@pytest.mark.parametrize("fmt", list(MessageFormat))
def test_signature_for_another_address_fails(fmt: MessageFormat) -> None:
    _, signed, _ = _sign(ScriptType.P2WPKH, b"mine", fmt)
    other = key_at(root(1), P2WPKH_PATH, Network.TEST).address
    with pytest.raises(InvalidMessage):
        verify_message(other, b"mine", signed.signature, Network.TEST)


# --- keys, paths and requests ------------------------------------------------------------------


def test_find_key_by_address_searches_accounts_and_chains() -> None:
    path = parse_path("m/84h/1h/2h/1/17")
    address = key_at(root(0), path, Network.TEST).address
    assert find_key(root(0), address, Network.TEST, gap=20).path == path
    with pytest.raises(InvalidAddress, match="not one of this seed"):
        find_key(root(1), address, Network.TEST, gap=20)


@pytest.mark.parametrize("path, why", [
    ("m/84h/1h/0h/0", "not a single-sig address path"),
    ("m/48h/1h/0h/2h/0", "purpose 48"),
    ("m/84h/0h/0h/0/0", "coin type 0"),
    ("m/85h/1h/0h/0/0", "purpose 85"),
    ("m/84h/1h/0h/2/0", "chain must be 0 or 1"),
])
def test_paths_that_are_not_our_address_keys_are_refused(path: str, why: str) -> None:
    with pytest.raises(UsageError, match=why):
        key_at(root(0), parse_path(path), Network.TEST)


def test_seedsigner_request_is_parsed() -> None:
    request = parse_request("signmessage m/84h/1h/0h/0/0 ascii:hello world")
    assert request.path == parse_path("m/84h/1h/0h/0/0") and request.message == b"hello world"
    assert parse_request(b"just text").path is None
    with pytest.raises(InvalidMessage):
        parse_request("signmessage m/84h/1h/0h/0/0 hex:00")
    with pytest.raises(InvalidMessage, match="at most"):
        parse_request(b"x" * 70_000)


# --- the command line (vault_keystore: cosigner 0's seed, on testnet) ----------------------------


def test_cli_sign_json_then_verify(vault_keystore, monkeypatch, capsys) -> None:
    code, out, err = run_cli(monkeypatch, capsys, "message", "sign", "--path",
                             "m/84h/1h/0h/0/3", "--message", "hello", "--yes", "--json")
    assert code == 0, err
    result = json.loads(out)
    expected = key_at(root(0), P2WPKH_PATH, Network.TEST).address
    assert result["address"] == expected and result["message"] == "hello"
    assert result["format"] == "bip322"
    assert "hello" in err and expected in err  # what was agreed to, on stderr
    code, out, _ = run_cli(monkeypatch, capsys, "message", "verify", "--address", expected,
                           "--signature", result["signature"], "--message", "hello")
    assert code == 0 and "valid bip322 signature" in out
    code, _, err = run_cli(monkeypatch, capsys, "message", "verify", "--address", expected,
                           "--signature", result["signature"], "--message", "hullo")
    assert code == 1 and "does not verify" in err


def test_cli_sign_by_address_from_a_file(vault_keystore, monkeypatch, capsys, tmp_path) -> None:
    address = key_at(root(0), parse_path("m/44h/1h/0h/1/2"), Network.TEST).address
    message = tmp_path / "message.txt"
    message.write_bytes(b"line one\nline two\n")
    code, out, err = run_cli(monkeypatch, capsys, "message", "sign", "--address", address,
                             str(message), "--format", "legacy", "--yes")
    assert code == 0, err
    assert verify_message(address, b"line one\nline two\n", out.strip(), Network.TEST)


def test_cli_sign_from_a_seedsigner_qr(vault_keystore, monkeypatch, capsys, tmp_path) -> None:
    import qrcode

    image = tmp_path / "request.png"
    qrcode.make("signmessage m/84h/1h/0h/0/3 ascii:from a QR").save(image)
    code, out, err = run_cli(monkeypatch, capsys, "message", "sign", str(image), "--yes")
    assert code == 0, err
    address = key_at(root(0), P2WPKH_PATH, Network.TEST).address
    assert verify_message(address, b"from a QR", out.strip(), Network.TEST) == "bip322"


def test_cli_needs_confirmation_or_yes(vault_keystore, monkeypatch, capsys) -> None:
    code, out, err = run_cli(monkeypatch, capsys, "message", "sign", "--path",
                             "m/84h/1h/0h/0/3", "--message", "hello")
    assert code == 2 and "--yes" in err and out == ""


def test_cli_usage_errors(vault_keystore, monkeypatch, capsys) -> None:
    code, _, err = run_cli(monkeypatch, capsys, "message", "sign", "--message", "x", "--yes")
    assert code == 2 and "--path PATH or --address" in err
    code, _, err = run_cli(monkeypatch, capsys, "message", "verify", "--message", "x")
    assert code == 2 and "--signature" in err
