"""Cosigner exports against the BCR-2020-015 crypto-account example (built from its own
mnemonic), parsed back by embit's descriptor parser, the standard json module, base58
decoding written here, and our own UR/BBQr decoders."""

import json

import pytest
from conftest import load_vectors
from embit import base58
from embit.bip32 import HDKey
from embit.descriptor import Descriptor

from signer.errors import UsageError
from signer.export import account_ur, coldcard_json, cosigner_export
from signer.keys import root_from_mnemonic
from signer.network import Network
from signer.scripts import ScriptType, parse_path
from signer.transport import cbor
from signer.transport.assembler import Assembler
from signer.transport.cbor import CborValue, Tagged
from signer.transport.encoders import encode_frames
from signer.transport.types import Format, Payload, PayloadKind
from signer.transport.ur import decode_single, encode_single
from signer.transport.urtypes import ur_to_account
from signer.wallet.descriptor import parse_descriptor

ACCOUNT = next(e for e in load_vectors("ur/bcr_ur_examples.json")["examples"]
               if e.get("ur_type_in_paper") == "crypto-account")
FIRST_REVISION = load_vectors("ur/bcr_2020_015_first_revision.json")
ROOT = root_from_mnemonic(ACCOUNT["bip39_mnemonic"])
# The paper's descriptors, in its order: pkh, sh(wpkh), wpkh, sh(cosigner), sh(wsh(cosigner)),
# wsh(cosigner), tr.
PAPER_ORDER = (ScriptType.P2PKH, ScriptType.P2SH_P2WPKH, ScriptType.P2WPKH, ScriptType.P2SH,
               ScriptType.P2SH_P2WSH, ScriptType.P2WSH, ScriptType.P2TR)
# SLIP-132 version bytes from the SLIP-0132 registry.
SLIP132 = {"Zpub": "02aa7ed3", "Ypub": "0295b43f", "Vpub": "02575483", "Upub": "024289ef"}


def paper_key(script: ScriptType) -> tuple[str, str]:
    """(origin in the paper's apostrophe form, xpub) of the paper's descriptor for script."""
    text = ACCOUNT["output_descriptors"][PAPER_ORDER.index(script)]
    origin, rest = text.split("[", 1)[1].split("]", 1)
    return origin, rest.split(")", 1)[0]


def without_origin_source(value: CborValue, sources: list[tuple[int, int, int]]) -> CborValue:
    """The CBOR tree with the optional source fingerprint (key 2) and depth (key 3) of each
    origin keypath (tag 304) removed and recorded as (fingerprint, depth, path steps)."""
    if isinstance(value, Tagged):
        inner = value.value
        if value.tag == 304 and isinstance(inner, dict) and 3 in inner:
            sources.append((inner.get(2, 0), inner[3], len(inner[1]) // 2))
            inner = {k: v for k, v in inner.items() if k not in (2, 3)}
        return Tagged(value.tag, without_origin_source(inner, sources))
    if isinstance(value, dict):
        return {k: without_origin_source(v, sources) for k, v in value.items()}
    if isinstance(value, list):
        return [without_origin_source(v, sources) for v in value]
    return value


def test_crypto_account_matches_the_papers_first_revision() -> None:
    """Same CBOR as the first revision's example (no #6.308, no cosigner(): the form
    Keystone's registry reads), except that we also write each origin's source fingerprint
    and depth, which BCR-2020-007 makes optional and that revision leaves out."""
    ours = cbor.loads(account_ur(ROOT, Network.MAIN, PAPER_ORDER).cbor)
    paper = cbor.loads(bytes.fromhex(FIRST_REVISION["cbor_hex"]))
    sources: list[tuple[int, int, int]] = []
    assert without_origin_source(ours, sources) == without_origin_source(paper, [])
    master = int.from_bytes(ROOT.my_fingerprint, "big")
    assert len(sources) == len(PAPER_ORDER)
    assert all(fp == master and depth == steps for fp, depth, steps in sources)
    # And the paper's own UR decodes to the same keys we export.
    for output in ur_to_account(decode_single(ACCOUNT["ur"])).outputs:
        _, xpub = paper_key(output.script_type)
        assert cosigner_export(ROOT, Network.MAIN, output.script_type).key.xpub == xpub


def test_crypto_account_round_trip_single_script() -> None:
    text = encode_single(account_ur(ROOT, Network.TEST, [ScriptType.P2WSH], account=3))
    account = ur_to_account(decode_single(text))
    assert account.master_fingerprint.hex() == ACCOUNT["master_fingerprint_hex"]
    output = account.output(ScriptType.P2WSH)
    assert output is not None and output.origin == parse_path("m/48h/1h/3h/2h")
    expected = cosigner_export(ROOT, Network.TEST, ScriptType.P2WSH, 3)
    xpub = output.xpub if isinstance(output.xpub, str) else output.xpub.to_base58(
        version=Network.TEST.params["xpub"])
    assert xpub == expected.key.xpub


@pytest.mark.parametrize("script", [ScriptType.P2WSH, ScriptType.P2SH_P2WSH, ScriptType.P2SH,
                                    ScriptType.P2TR])
def test_origin_matches_the_paper(script: ScriptType) -> None:
    origin, xpub = paper_key(script)
    export = cosigner_export(ROOT, Network.MAIN, script)
    assert export.origin_text() == f"[{origin.replace(chr(39), 'h')}]{xpub}"


def test_origin_parses_in_embit_descriptor() -> None:
    export = cosigner_export(ROOT, Network.MAIN, ScriptType.P2WSH)
    other = HDKey.from_seed(bytes(64)).derive("m/48h/0h/0h/2h").to_public()
    descriptor = Descriptor.from_string(
        f"wsh(sortedmulti(1,{export.origin_text()}/0/*,{other.to_base58()}/0/*))")
    key = descriptor.keys[0]
    assert key.origin.fingerprint.hex() == ACCOUNT["master_fingerprint_hex"]
    assert key.origin.derivation == list(parse_path("m/48h/0h/0h/2h"))
    assert key.key.to_base58() == paper_key(ScriptType.P2WSH)[1]


@pytest.mark.parametrize("network", [Network.MAIN, Network.TEST])
def test_origin_round_trips_through_our_descriptor_parser(network: Network) -> None:
    export = cosigner_export(ROOT, network, ScriptType.P2SH_P2WSH, account=4)
    other = HDKey.from_seed(bytes(64)).derive("m/48h/0h/0h/1h").to_public()
    other_text = other.to_base58(version=network.params["xpub"])
    parsed = parse_descriptor(
        f"sh(wsh(sortedmulti(2,{export.origin_text()}/<0;1>/*,{other_text}/<0;1>/*)))")
    ours = parsed.keys[0]
    assert parsed.script_type is ScriptType.P2SH_P2WSH
    assert ours.fingerprint == export.fingerprint
    assert ours.origin_path == parse_path(f"m/48h/{network.coin_type}h/4h/1h")
    assert ours.key.to_base58(version=network.params["xpub"]) == export.key.xpub


def test_testnet_gives_tpub_with_coin_type_1() -> None:
    export = cosigner_export(ROOT, Network.SIGNET, ScriptType.P2WSH)
    fingerprint = ACCOUNT["master_fingerprint_hex"]
    assert export.origin_text().startswith(f"[{fingerprint}/48h/1h/0h/2h]tpub")
    independent = ROOT.derive("m/48h/1h/0h/2h").to_public().to_base58(
        version=bytes.fromhex("043587cf"))
    assert export.key.xpub == independent


@pytest.mark.parametrize("network, script, prefix", [
    (Network.MAIN, ScriptType.P2WSH, "Zpub"), (Network.MAIN, ScriptType.P2SH_P2WSH, "Ypub"),
    (Network.TEST, ScriptType.P2WSH, "Vpub"), (Network.TEST, ScriptType.P2SH_P2WSH, "Upub")])
def test_slip132_only_relabels(network: Network, script: ScriptType, prefix: str) -> None:
    export = cosigner_export(ROOT, network, script)
    slip = export.xpub_text(slip132=True)
    assert slip.startswith(prefix)
    raw, plain = base58.decode_check(slip), base58.decode_check(export.key.xpub)
    assert raw[:4].hex() == SLIP132[prefix] and raw[4:] == plain[4:]
    assert export.origin_text(slip132=True).endswith(slip)


def test_slip132_refused_where_undefined() -> None:
    with pytest.raises(UsageError):
        cosigner_export(ROOT, Network.MAIN, ScriptType.P2TR).xpub_text(slip132=True)


# Electrum's version bytes per script type (SLIP-0132 registry; plain xpub/tpub for P2SH and
# P2PKH, which Electrum calls "standard").
ELECTRUM_VERSIONS = {
    (Network.MAIN, ScriptType.P2WSH): "02aa7ed3", (Network.TEST, ScriptType.P2WSH): "02575483",
    (Network.MAIN, ScriptType.P2SH_P2WSH): "0295b43f",
    (Network.TEST, ScriptType.P2SH_P2WSH): "024289ef",
    (Network.MAIN, ScriptType.P2SH): "0488b21e", (Network.TEST, ScriptType.P2SH): "043587cf",
    (Network.MAIN, ScriptType.P2WPKH): "04b24746", (Network.TEST, ScriptType.P2WPKH): "045f1cf6",
    (Network.MAIN, ScriptType.P2SH_P2WPKH): "049d7cb2",
    (Network.TEST, ScriptType.P2SH_P2WPKH): "044a5262",
    (Network.MAIN, ScriptType.P2PKH): "0488b21e", (Network.TEST, ScriptType.P2PKH): "043587cf",
}


@pytest.mark.parametrize("network, script", sorted(ELECTRUM_VERSIONS))
def test_electrum_key_is_the_bare_key_with_the_script_types_version(
        network: Network, script: ScriptType) -> None:
    export = cosigner_export(ROOT, network, script)
    text = export.electrum_text()
    raw, plain = base58.decode_check(text), base58.decode_check(export.key.xpub)
    assert raw[:4].hex() == ELECTRUM_VERSIONS[(network, script)] and raw[4:] == plain[4:]
    assert "[" not in text and "/" not in text


def test_electrum_key_refused_where_electrum_has_no_such_wallet() -> None:
    with pytest.raises(UsageError, match="no p2tr wallets"):
        cosigner_export(ROOT, Network.TEST, ScriptType.P2TR).electrum_text()
    with pytest.raises(UsageError, match="--path"):
        cosigner_export(ROOT, Network.TEST, path=parse_path("m/45h")).electrum_text()


def test_custom_path() -> None:
    export = cosigner_export(ROOT, Network.MAIN, path=parse_path("m/45h"))
    assert export.origin_text() == "[{}/45h]{}".format(*[
        paper_key(ScriptType.P2SH)[0].split("/")[0], paper_key(ScriptType.P2SH)[1]])


def test_json_export_parses_back() -> None:
    data = json.loads(cosigner_export(ROOT, Network.MAIN, ScriptType.P2WSH).json_text())
    assert data["xfp"] == "37B5EED4" and data["derivation"] == "m/48h/0h/0h/2h"
    assert data["path"] == "m/48'/0'/0'/2'"  # BlueWallet's field name and spelling
    assert data["xpub"] == paper_key(ScriptType.P2WSH)[1]
    assert data["script_type"] == "p2wsh" and data["network"] == "main"


def test_coldcard_json_fields() -> None:
    data = json.loads(coldcard_json(ROOT, Network.MAIN))
    assert list(data) == ["p2sh_deriv", "p2sh", "p2sh_p2wsh_deriv", "p2sh_p2wsh",
                          "p2wsh_deriv", "p2wsh", "account", "xfp"]
    for field, script in (("p2sh", ScriptType.P2SH), ("p2sh_p2wsh", ScriptType.P2SH_P2WSH),
                          ("p2wsh", ScriptType.P2WSH)):
        origin, xpub = paper_key(script)
        assert data[field] == xpub
        assert data[f"{field}_deriv"] == "m" + origin[len("37b5eed4"):]
    assert data["account"] == "0" and data["xfp"] == "37B5EED4"


def test_coldcard_json_other_account_and_slip132() -> None:
    data = json.loads(coldcard_json(ROOT, Network.TEST, account=2, slip132=True))
    assert "p2sh" not in data and "p2sh_deriv" not in data
    assert data["p2wsh_deriv"] == "m/48'/1'/2'/2'" and data["account"] == "2"
    assert data["p2wsh"].startswith("Vpub") and data["p2sh_p2wsh"].startswith("Upub")
    plain = cosigner_export(ROOT, Network.TEST, ScriptType.P2WSH, 2).key.xpub
    assert base58.decode_check(data["p2wsh"])[4:] == base58.decode_check(plain)[4:]


def test_coldcard_json_as_bbqr_round_trip() -> None:
    text = coldcard_json(ROOT, Network.MAIN)
    payload = Payload(PayloadKind.WALLET_FILE, text, Format.BBQR, encoding="json")
    frames = encode_frames(payload, Format.BBQR, density="low").frames
    assert all(str(f)[3] == "J" for f in frames)  # B$ + encoding + file type J
    assembler = Assembler()
    for frame in frames:
        assembler.receive(frame)
    assert assembler.is_complete
    result = assembler.result().data
    assert json.loads(result if isinstance(result, str) else result.decode()) == json.loads(text)


def test_bad_account_refused() -> None:
    with pytest.raises(UsageError):
        cosigner_export(ROOT, Network.MAIN, ScriptType.P2WSH, account=-1)
