"""UR types against the Blockchain Commons papers' examples (bcr_ur_examples.json), BIP-174,
the BCR-2023-010 output-descriptor example, and keys derived independently with embit."""

import pytest
from conftest import load_vectors
from embit import bip32, bip39
from embit.descriptor import Descriptor
from test_fountain_primitives import make_message

from signer.errors import InvalidPSBT, InvalidWallet, TransportError
from signer.network import Network
from signer.scripts import ScriptType
from signer.transport import cbor
from signer.transport.cbor import Tagged
from signer.transport.ur import UR, decode_single, encode_single
from signer.transport.urtypes import (
    AccountOutput,
    account_to_ur,
    bytes_ur,
    descriptor_to_ur,
    psbt_to_ur,
    ur_to_account,
    ur_to_bytes,
    ur_to_descriptor,
    ur_to_psbt,
)
from signer.wallet.descriptor import parse_descriptor

EXAMPLES = {example["name"]: example
            for example in load_vectors("ur/bcr_ur_examples.json")["examples"]}
BIP174_CREATOR = bytes.fromhex(
    load_vectors("psbt/bip174_vectors.json")["workflow"]["creator"]["expected_psbt"]["hex"])

# BCR-2023-010 "Example/Test Vector 4" (BlockchainCommons/Research
# papers/bcr-2023-010-output-descriptor.md): descriptor text and the paper's CBOR hex.
V2_DESCRIPTOR = (
    "wsh(sortedmulti(2,[dc567276/48'/0'/0'/2']xpub6DiYrfRwNnjeX4vHsWMajJVFKrbEEnu8gAW9vDuQzgTWEsE"
    "HE16sGWeXXUV1LBWQE1yCTmeprSNcqZ3W74hqVdgDbtYHUv3eM4W2TEUhpan/<0;1>/*,[f245ae38/48'/0'/0'/2']"
    "xpub6DnT4E1fT8VxuAZW29avMjr5i99aYTHBp9d7fiLnpL5t4JEprQqPMbTw7k7rh5tZZ2F5g8PJpssqrZoebzBChaiJr"
    "mEvWwUTEMAbHsY39Ge/<0;1>/*,[c5d87297/48'/0'/0'/2']xpub6DjrnfAyuonMaboEb3ZQZzhQ2ZEgaKV2r64BFmq"
    "ymZqJqviLTe1JzMr2X2RfQF892RH7MyYUbcy77R7pPu1P71xoj8cDUMNhAMGYzKR4noZ/<0;1>/*))"
)
V2_CBOR_HEX = (
    "d99d74a301781c77736828736f727465646d756c746928322c40302c40312c403229290283d99d6fa50358210"
    "21c0b479ecf6e67713ddf0c43b634592f51c037b6f951fb1dc6361a98b1e5735e0458206b3a4cfb6a45f6305e"
    "fe6e0e976b5d26ba27f7c344d7fc7abef7be2d06d52dfd06d99d70a201881830f500f500f502f5021adc56727"
    "607d99d70a101838400f401f480f4081a18f8c2e7d99d6fa50358210397fcf2274abd243d42d42d3c248608c6"
    "d1935efca46138afef43af08e9712896045820c887c72d9d8ac29cddd5b2b060e8b0239039a149c784abe6079"
    "e24445db4aa8a06d99d70a201881830f500f500f502f5021af245ae3807d99d70a101838400f401f480f4081a"
    "221eb5a0d99d6fa5035821028342f5f7773f6fab374e1c2d3ccdba26bc0933fc4f63828b662b4357e4cc37910"
    "458205afed56d755c088320ec9bc6acd84d33737b580083759e0a0ff8f26e429e0b7706d99d70a201881830f5"
    "00f500f502f5021ac5d8729707d99d70a101838400f401f480f4081a1c0ae906036f5361746f736869277320"
    "5374617368"
)


def _without_origin_fields(value: cbor.CborValue, fields: tuple[int, ...] = (3,),
                           *, only_with_source: bool = True) -> cbor.CborValue:
    """A copy with `fields` dropped from every keypath (tag 304/40304) (by default only
    those with a source fingerprint): the papers' examples leave out the depth (3) we write
    there, and BCR-2020-015's first revision the source fingerprint (2) too."""
    if isinstance(value, Tagged):
        inner = _without_origin_fields(value.value, fields, only_with_source=only_with_source)
        if value.tag in (304, 40304) and isinstance(inner, dict) and (
                2 in inner or not only_with_source):
            inner = {k: v for k, v in inner.items() if k not in fields}
        return Tagged(value.tag, inner)
    if isinstance(value, list):
        return [_without_origin_fields(item, fields, only_with_source=only_with_source)
                for item in value]
    if isinstance(value, dict):
        return {k: _without_origin_fields(v, fields, only_with_source=only_with_source)
                for k, v in value.items()}
    return value


# --- PSBT, seed, bytes -------------------------------------------------------------------
def test_psbt_example_decodes_to_the_bip174_creator_psbt_and_re_encodes() -> None:
    example = EXAMPLES["psbt example/test vector"]
    for text in (example["ur"], example["legacy_ur"]):
        assert ur_to_psbt(decode_single(text)) == BIP174_CREATOR
    assert encode_single(psbt_to_ur(BIP174_CREATOR)) == example["legacy_ur"]
    assert encode_single(psbt_to_ur(BIP174_CREATOR, legacy=False)) == example["ur"]


def test_seed_example_decodes() -> None:
    example = EXAMPLES["seed example/test vector"]
    for text in (example["ur"], example["legacy_ur"]):
        ur = decode_single(text)
        assert ur.cbor.hex() == example["cbor_hex"]
        seed = cbor.loads(ur.cbor)
        assert seed == {1: bytes.fromhex(example["decoded"]["payload_hex"]),
                        2: Tagged(100, 18394)}
        assert encode_single(UR(ur.type, cbor.dumps(seed))) == text


def test_bytes_ur_matches_the_reference_single_part_vector() -> None:
    expected = load_vectors("ur/bc_ur_vectors.json")["single_part_ur"]["expected"]
    assert encode_single(bytes_ur(make_message(50))) == expected
    assert ur_to_bytes(decode_single(expected)) == make_message(50)


def test_wrong_types_are_refused() -> None:
    with pytest.raises(TransportError, match="expected a PSBT"):
        ur_to_psbt(bytes_ur(BIP174_CREATOR))
    with pytest.raises(InvalidPSBT):
        ur_to_psbt(psbt_to_ur(b"not a psbt"))
    with pytest.raises(TransportError):
        ur_to_psbt(UR("crypto-psbt", cbor.dumps("text, not bytes")))
    with pytest.raises(TransportError, match="descriptor"):
        ur_to_descriptor(psbt_to_ur(BIP174_CREATOR))
    with pytest.raises(TransportError, match="crypto-account"):
        ur_to_account(psbt_to_ur(BIP174_CREATOR))


# --- crypto-output -----------------------------------------------------------------------
@pytest.mark.parametrize("number", [1, 2, 3])
def test_crypto_output_examples_with_plain_keys(number: int) -> None:
    example = EXAMPLES[f"crypto-output test vector {number}"]
    assert ur_to_descriptor(decode_single(example["ur"])) == example["output_descriptor"]


@pytest.mark.parametrize("number", [2, 3])
def test_crypto_output_examples_re_encode_byte_for_byte(number: int) -> None:
    example = EXAMPLES[f"crypto-output test vector {number}"]
    ur = descriptor_to_ur(example["output_descriptor"])
    assert ur.type == "crypto-output"
    assert ur.cbor.hex() == example["cbor_hex"]
    assert encode_single(ur) == example["ur"]


def test_crypto_output_example_5_re_encodes() -> None:
    example = EXAMPLES["crypto-output test vector 5"]
    paper = cbor.loads(bytes.fromhex(example["cbor_hex"]))
    ours = cbor.loads(descriptor_to_ur(example["output_descriptor"]).cbor)
    # The first key (a master xpub, no origin) comes out exactly as in the paper; the second
    # has no origin in the paper's text, so only its key material can match.
    assert ours.value.value[2][0] == paper.value.value[2][0]
    assert ours.value.value[2][1].value[3] == paper.value.value[2][1].value[3]
    assert ours.value.value[2][1].value[4] == paper.value.value[2][1].value[4]
    text = ur_to_descriptor(decode_single(example["ur"]))
    assert ur_to_descriptor(descriptor_to_ur(text)) == text


def test_pkh_examples_are_not_written() -> None:
    # airsign writes only the wallet forms it accepts; pkh() is read, never written.
    with pytest.raises(InvalidWallet, match="unsupported"):
        descriptor_to_ur(EXAMPLES["crypto-output test vector 1"]["output_descriptor"])


def test_crypto_output_example_4_hd_key() -> None:
    example = EXAMPLES["crypto-output test vector 4"]
    ours = ur_to_descriptor(decode_single(example["ur"]))
    paper_xpub = example["output_descriptor"].split("]")[1].split("/")[0]
    our_xpub = ours.split("]")[1].split("/")[0]
    assert ours.replace(our_xpub, paper_xpub) == example["output_descriptor"]
    # crypto-hdkey has no child-number field: the paper's xpub carries 0xfffffffe there,
    # which the UR cannot convey; everything a wallet derives from is identical.
    ours_key, paper_key = bip32.HDKey.from_base58(our_xpub), bip32.HDKey.from_base58(paper_xpub)
    assert (ours_key.key.sec(), ours_key.chain_code, ours_key.depth, ours_key.fingerprint) == (
        paper_key.key.sec(), paper_key.chain_code, paper_key.depth, paper_key.fingerprint)


def test_crypto_output_example_5_multisig_of_hd_keys() -> None:
    example = EXAMPLES["crypto-output test vector 5"]
    ours = ur_to_descriptor(decode_single(example["ur"]))
    # The UR gives the second key an origin ([bd16bee5/0]) that the paper's text leaves out.
    assert ours == example["output_descriptor"].replace(",xpub69H7", ",[bd16bee5/0]xpub69H7")
    for index in (0, 7):
        assert (Descriptor.from_string(ours).derive(index).script_pubkey()
                == Descriptor.from_string(example["output_descriptor"]).derive(index)
                .script_pubkey())


def test_descriptor_round_trips_through_both_ur_forms() -> None:
    for legacy in (True, False):
        ur = descriptor_to_ur(V2_DESCRIPTOR, legacy=legacy)
        assert ur.type == ("crypto-output" if legacy else "output-descriptor")
        text = ur_to_descriptor(ur)
        # Legacy crypto-output has no <a;b>: it carries the receive chain, like Sparrow reads.
        expected = V2_DESCRIPTOR.replace("<0;1>", "0") if legacy else V2_DESCRIPTOR
        assert text == expected
        parse_descriptor(text)  # the wallet's own parser accepts what we produce


def test_output_descriptor_matches_the_bcr_2023_010_example() -> None:
    paper = cbor.loads(bytes.fromhex(V2_CBOR_HEX))
    ours = cbor.loads(descriptor_to_ur(V2_DESCRIPTOR, legacy=False).cbor)
    assert isinstance(paper, Tagged) and paper.tag == 40308
    paper_fields = dict(paper.value)
    assert paper_fields.pop(3) == "Satoshi's Stash"  # the name: metadata we do not write
    assert _without_origin_fields(ours) == paper_fields
    # Reading the paper's own bytes (tagged at the top, with a name) gives the text back.
    assert ur_to_descriptor(UR("output-descriptor", bytes.fromhex(V2_CBOR_HEX))) == V2_DESCRIPTOR


def test_testnet_keys_carry_use_info_and_come_back_as_tpub() -> None:
    root = bip32.HDKey.from_seed(bytes(range(32)), version=bip32.NETWORKS["test"]["xprv"])
    fingerprint = root.my_fingerprint.hex()
    keys = [root.derive(f"m/48h/1h/{account}h/2h").to_public() for account in range(2)]
    text = "wsh(sortedmulti(1,{}))".format(",".join(
        f"[{fingerprint}/48h/1h/{account}h/2h]{key.to_base58()}/<0;1>/*"
        for account, key in enumerate(keys)))
    ur = descriptor_to_ur(text, legacy=False)
    hdkey = cbor.loads(ur.cbor)[2][0].value
    assert hdkey[5] == Tagged(40305, {2: 1})
    assert ur_to_descriptor(ur) == text.replace("h/", "'/").replace("h]", "']")


def test_private_keys_are_never_written_or_read() -> None:
    root = bip32.HDKey.from_seed(bytes(32))
    xprv = root.derive("m/48h/0h/0h/2h").to_base58()
    xpub = root.derive("m/48h/0h/0h/1h").to_public().to_base58()
    with pytest.raises(InvalidWallet, match="private"):
        descriptor_to_ur(f"wsh(multi(1,[00000000/48h/0h/0h/2h]{xprv}/0/*,"
                         f"[00000000/48h/0h/0h/1h]{xpub}/0/*))")
    hdkey = {2: True, 3: bytes(32) + b"\x01", 4: bytes(32)}
    with pytest.raises(InvalidWallet, match="private"):
        ur_to_descriptor(UR("crypto-output", cbor.dumps(Tagged(404, Tagged(303, hdkey)))))


@pytest.mark.parametrize("body", [
    Tagged(401, Tagged(999, {})),  # unknown script tag
    Tagged(404, Tagged(303, {3: b"\x02" * 33})),  # no chain code
    Tagged(401, Tagged(406, {1: 3, 2: [Tagged(306, {3: b"\x02" * 33})]})),  # threshold > keys
    Tagged(404, Tagged(306, {3: b"\x02" * 20})),  # short key
    [1, 2, 3],
], ids=["unknown-tag", "no-chain-code", "threshold", "short-key", "not-a-script"])
def test_malformed_crypto_output_is_refused(body: cbor.CborValue) -> None:
    with pytest.raises(TransportError):
        ur_to_descriptor(UR("crypto-output", cbor.dumps(body)))


# --- crypto-account ----------------------------------------------------------------------
ACCOUNT = EXAMPLES["crypto-account test vector"]  # the paper's 2021 revision: #6.308, cosigner()
FIRST_REVISION = load_vectors("ur/bcr_2020_015_first_revision.json")
_ACCOUNT_PATHS = [  # the paper's seven outputs, in order
    (ScriptType.P2PKH, "m/44h/0h/0h"), (ScriptType.P2SH_P2WPKH, "m/49h/0h/0h"),
    (ScriptType.P2WPKH, "m/84h/0h/0h"), (ScriptType.P2SH, "m/45h"),
    (ScriptType.P2SH_P2WSH, "m/48h/0h/0h/1h"), (ScriptType.P2WSH, "m/48h/0h/0h/2h"),
    (ScriptType.P2TR, "m/86h/0h/0h"),
]


def _outputs_derived_with_embit() -> tuple[bytes, list[AccountOutput]]:
    root = bip32.HDKey.from_seed(bip39.mnemonic_to_seed(ACCOUNT["bip39_mnemonic"]))
    outputs = [AccountOutput(script_type, root.derive(path).to_public(),
                             tuple(bip32.parse_path(path)), Network.MAIN)
               for script_type, path in _ACCOUNT_PATHS]
    return root.my_fingerprint, outputs


def test_crypto_account_example_decodes_to_the_keys_of_its_mnemonic() -> None:
    account = ur_to_account(decode_single(ACCOUNT["ur"]))
    fingerprint, derived = _outputs_derived_with_embit()
    assert account.master_fingerprint == fingerprint == bytes.fromhex(
        ACCOUNT["master_fingerprint_hex"])
    assert len(account.outputs) == 7
    for ours, expected, paper_text in zip(account.outputs, derived,
                                          ACCOUNT["output_descriptors"], strict=True):
        assert ours.script_type is expected.script_type
        assert ours.xpub == expected.xpub.to_base58() and ours.xpub in paper_text
        assert ours.origin == expected.origin
        assert ours.network is Network.MAIN
    assert account.output(ScriptType.P2WSH).origin == tuple(bip32.parse_path("m/48h/0h/0h/2h"))


def test_crypto_account_export_is_the_first_revisions_form() -> None:
    # No #6.308 around each entry and no cosigner(): what Keystone's registry and BlueWallet
    # read (tests/interop checks that with the registry itself).
    fingerprint, outputs = _outputs_derived_with_embit()
    ur = account_to_ur(fingerprint, outputs)
    assert ur.type == "crypto-account"
    ours = cbor.loads(ur.cbor)
    assert _without_origin_fields(ours, (2, 3), only_with_source=False) == cbor.loads(
        bytes.fromhex(FIRST_REVISION["cbor_hex"]))
    # ...and the origin we add names the master and has the origin's length as depth.
    for entry, output in zip(ours[2], outputs, strict=True):
        node = entry
        while node.tag != 303:
            node = node.value
        origin = node.value[6].value
        assert (origin[2], origin[3]) == (int.from_bytes(fingerprint, "big"), len(output.origin))
    assert ur_to_account(ur) == ur_to_account(decode_single(ACCOUNT["ur"]))


def test_both_revisions_of_the_crypto_account_vector_read_the_same() -> None:
    first = ur_to_account(decode_single(FIRST_REVISION["ur"]))
    assert first == ur_to_account(decode_single(ACCOUNT["ur"]))
    assert [out.script_type.value for out in first.outputs] == \
        FIRST_REVISION["script_types_in_order"]


def test_cosigner_around_a_single_key_script_is_refused() -> None:
    fingerprint, outputs = _outputs_derived_with_embit()
    body = cbor.loads(account_to_ur(fingerprint, outputs[2:3]).cbor)  # wpkh(KEY)
    wpkh = body[2][0]
    body[2] = [Tagged(308, Tagged(404, Tagged(410, wpkh.value)))]
    with pytest.raises(TransportError, match="unsupported account script"):
        ur_to_account(UR("crypto-account", cbor.dumps(body)))


def test_account_accepts_slip132_strings_and_testnet() -> None:
    root = bip32.HDKey.from_seed(bytes(range(16)), version=bip32.NETWORKS["test"]["xprv"])
    key = root.derive("m/48h/1h/0h/2h").to_public()
    # embit names the testnet SLIP-132 versions by their mainnet letters: this is a Vpub.
    vpub = bip32.HDKey(key.key, key.chain_code, bip32.NETWORKS["test"]["Zpub"], key.depth,
                       key.fingerprint, key.child_number).to_base58()
    origin = tuple(bip32.parse_path("m/48h/1h/0h/2h"))
    ur = account_to_ur(root.my_fingerprint,
                       [AccountOutput(ScriptType.P2WSH, vpub, origin, Network.TEST)])
    (output,) = ur_to_account(ur).outputs
    assert output == AccountOutput(ScriptType.P2WSH, key.to_base58(), origin, Network.TEST)
    assert vpub.startswith("Vpub") and output.xpub.startswith("tpub")


def test_account_export_refuses_inconsistent_outputs() -> None:
    fingerprint, outputs = _outputs_derived_with_embit()
    wsh = outputs[5]
    with pytest.raises(InvalidWallet, match="test"):
        account_to_ur(fingerprint, [AccountOutput(wsh.script_type, wsh.xpub, wsh.origin,
                                                  Network.TEST)])
    with pytest.raises(InvalidWallet, match="depth"):
        account_to_ur(fingerprint, [AccountOutput(wsh.script_type, wsh.xpub, wsh.origin[:3])])
    with pytest.raises(InvalidWallet, match="private"):
        root = bip32.HDKey.from_seed(bip39.mnemonic_to_seed(ACCOUNT["bip39_mnemonic"]))
        account_to_ur(fingerprint, [AccountOutput(wsh.script_type, root.derive(
            "m/48h/0h/0h/2h"), wsh.origin)])


def test_keys_without_origin_keep_their_depth_and_scripts() -> None:
    # BIP-383's sortedmulti vector: xpubs at depth > 0 given without an origin.
    text = "wsh({})".format(next(
        v["descriptor"] for v in load_vectors("descriptors/descriptor_vectors.json")["vectors"]
        if v["kind"] == "descriptor" and v["valid"]
        and v["descriptor"].startswith("sortedmulti(2,xpub")))
    for legacy in (True, False):
        back = ur_to_descriptor(descriptor_to_ur(text, legacy=legacy))
        original_keys = [k.key for k in parse_descriptor(text).keys]
        for ours, original in zip(parse_descriptor(back).keys, original_keys, strict=True):
            assert (ours.key.depth, ours.key.fingerprint, ours.key.key.sec(),
                    ours.key.chain_code) == (original.depth, original.fingerprint,
                                             original.key.sec(), original.chain_code)
        for index in (0, 5):
            assert (Descriptor.from_string(back).derive(index).script_pubkey()
                    == Descriptor.from_string(text).derive(index).script_pubkey())
