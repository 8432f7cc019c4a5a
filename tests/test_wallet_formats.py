"""Wallet files as coordinators write them: each must give the same wallet as its descriptor."""

import json

import pytest
from embit.descriptor import Descriptor
from embit.networks import NETWORKS
from hypothesis import given, settings
from hypothesis import strategies as st
from wallet_kit import key_expression, multisig_descriptor, root

from signer.errors import InvalidWallet
from signer.network import Network
from signer.scripts import ScriptType, format_path
from signer.transport.single import classify
from signer.transport.types import PayloadKind
from signer.wallet.descriptor import wallet_from_descriptors
from signer.wallet.formats import load_wallet

REFERENCE = wallet_from_descriptors([multisig_descriptor()], "reference", Network.TEST)
EMBIT_REFERENCE = Descriptor.from_string(multisig_descriptor())  # the independent reading
COSIGNERS = (0, 1, 2)


def _xpub(
    index: int,
    spelling: str = "tpub",
    network: str = "test",
    script_type: ScriptType = ScriptType.P2WSH,
) -> str:
    path = script_type.account_path(Network(network), 0)
    version = NETWORKS[network][
        {"tpub": "xpub", "Vpub": "Zpub", "Upub": "Ypub"}.get(spelling, spelling)
    ]
    return root(index).derive(list(path)).to_public().to_base58(version)


def _fingerprint(index: int) -> str:
    return root(index).my_fingerprint.hex().upper()


def _sortedmulti(*keys: str) -> str:
    return f"wsh(sortedmulti(2,{','.join(keys)}))"


def _same_wallet(wallet) -> None:
    assert wallet.descriptor() == REFERENCE.descriptor()
    assert wallet.network is Network.TEST
    for change in (False, True):
        for index in (0, 7):
            expected = EMBIT_REFERENCE.derive(index, branch_index=int(change)).script_pubkey()
            assert wallet.script_pubkey(change, index).data == expected.data


def test_plain_descriptor_with_checksum_and_default_name() -> None:
    wallet = load_wallet(REFERENCE.descriptor())
    _same_wallet(wallet)
    assert wallet.name == f"2-of-3 {REFERENCE.descriptor()[-8:]}"


def test_name_argument_overrides_file_name() -> None:
    specter = json.dumps({"label": "Family vault", "descriptor": multisig_descriptor()})
    assert load_wallet(specter).name == "Family vault"
    assert load_wallet(specter, name="Mine").name == "Mine"


def test_specter_json_with_receive_descriptor_only() -> None:
    document = {
        "label": "Specter 2of3",
        "blockheight": 2500000,
        "descriptor": multisig_descriptor(suffix="/0/*"),
        "devices": [{"type": "other", "label": "airsign"}],
    }
    wallet = load_wallet(json.dumps(document).encode())
    _same_wallet(wallet)
    assert wallet.name == "Specter 2of3"


@pytest.mark.parametrize("field", ["output_descriptor", "outputDescriptor", "desc"])
def test_json_a_scanned_frame_calls_a_wallet_file_loads(field: str) -> None:
    text = json.dumps({"name": "Keeper vault", field: multisig_descriptor()})
    assert classify(text).kind is PayloadKind.WALLET_FILE
    _same_wallet(load_wallet(text))


def test_sparrow_text_export_with_comments_and_three_forms() -> None:
    text = "\n".join(
        [
            "# Receive and change descriptor (BIP389):",
            REFERENCE.descriptor(),
            "",
            "# Receive descriptor (Bitcoin Core):",
            REFERENCE.descriptor(change=False),
            "",
            "# Change descriptor (Bitcoin Core):",
            REFERENCE.descriptor(change=True),
        ]
    )
    _same_wallet(load_wallet(text))


def test_sparrow_text_with_disagreeing_forms_is_refused() -> None:
    other = wallet_from_descriptors([multisig_descriptor((0, 1, 3))], "x", Network.TEST)
    text = "\n".join(
        [REFERENCE.descriptor(), other.descriptor(change=False), other.descriptor(change=True)]
    )
    with pytest.raises(InvalidWallet, match="different wallets"):
        load_wallet(text)


def test_bitcoin_core_listdescriptors_json() -> None:
    document = {
        "wallet_name": "core-multisig",
        "descriptors": [
            {"desc": REFERENCE.descriptor(change=False), "active": True, "internal": False},
            {"desc": REFERENCE.descriptor(change=True), "active": True, "internal": True},
        ],
    }
    wallet = load_wallet(json.dumps(document))
    _same_wallet(wallet)
    assert wallet.name == "core-multisig"


def test_bsms_record_checks_its_first_address() -> None:
    descriptor = multisig_descriptor(suffix="/**")
    record = f"BSMS 1.0\n{descriptor}\n/0/*,/1/*\n{REFERENCE.address(False, 0)}\n"
    _same_wallet(load_wallet(record))
    tampered = record.replace(REFERENCE.address(False, 0), REFERENCE.address(False, 1))
    with pytest.raises(InvalidWallet, match="first address"):
        load_wallet(tampered)


def _coldcard_file(spelling: str = "tpub") -> str:
    path = format_path(ScriptType.P2WSH.account_path(Network.TEST), "'")
    lines = [
        "# Coldcard Multisig setup file (created by Sparrow)",
        "#",
        "Name: CC vault",
        "Policy: 2 of 3",
        f"Derivation: {path}",
        "Format: P2WSH",
        "",
    ]
    lines += [f"{_fingerprint(i)}: {_xpub(i, spelling)}" for i in COSIGNERS]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("spelling", ["tpub", "Vpub"])
def test_coldcard_file(spelling: str) -> None:
    wallet = load_wallet(_coldcard_file(spelling))
    _same_wallet(wallet)
    assert wallet.name == "CC vault"


def test_coldcard_file_with_per_key_derivation() -> None:
    # Cosigner 2 uses account 1: the Derivation line before its key applies to it alone.
    account0 = format_path(ScriptType.P2WSH.account_path(Network.TEST, 0), "'")
    account1_path = ScriptType.P2WSH.account_path(Network.TEST, 1)
    account1 = format_path(account1_path, "'")
    other = root(2).derive(list(account1_path)).to_public().to_base58(NETWORKS["test"]["xpub"])
    text = "\n".join(
        [
            "Name: mixed",
            "Policy: 2 of 3",
            "Format: P2WSH",
            f"Derivation: {account0}",
            f"{_fingerprint(0)}: {_xpub(0)}",
            f"{_fingerprint(1)}: {_xpub(1)}",
            f"Derivation: {account1}",
            f"{_fingerprint(2)}: {other}",
        ]
    )
    wallet = load_wallet(text)
    expected = wallet_from_descriptors(
        [_sortedmulti(key_expression(0), key_expression(1), key_expression(2, path=account1_path))],
        "x",
        Network.TEST,
    )
    assert wallet.descriptor() == expected.descriptor()
    assert wallet.keys[2].origin_path == account1_path


def test_coldcard_file_policy_count_must_match_keys() -> None:
    text = _coldcard_file().replace(f"{_fingerprint(2)}: {_xpub(2)}\n", "")
    with pytest.raises(InvalidWallet, match="says 3 keys but the file lists 2"):
        load_wallet(text)


def test_coldcard_file_without_derivation_is_refused() -> None:
    text = "\n".join(
        line for line in _coldcard_file().splitlines() if not line.startswith("Derivation")
    )
    with pytest.raises(InvalidWallet, match="Derivation"):
        load_wallet(text)


def test_coldcard_file_with_wrong_derivation_depth_is_refused() -> None:
    with pytest.raises(InvalidWallet, match="depth"):
        load_wallet(
            _coldcard_file().replace("Derivation: m/48'/1'/0'/2'", "Derivation: m/48'/1'/0'")
        )


def test_electrum_multisig_wallet_file() -> None:
    path = format_path(ScriptType.P2WSH.account_path(Network.TEST), "'")
    document = {"wallet_type": "2of3", "use_encryption": False}
    for number, index in enumerate(COSIGNERS, 1):
        document[f"x{number}/"] = {
            "type": "bip32",
            "xpub": _xpub(index, "Vpub"),
            "derivation": path,
            "root_fingerprint": _fingerprint(index).lower(),
        }
    _same_wallet(load_wallet(json.dumps(document)))


def test_electrum_keys_typed_in_without_origin() -> None:
    # Electrum 4 writes "derivation": null, "root_fingerprint": null for a key typed into its
    # cosigner dialog: such a key stands for itself (own fingerprint, empty path).
    document = {"wallet_type": "2of3", "use_encryption": False}
    for number, index in enumerate(COSIGNERS, 1):
        document[f"x{number}/"] = {"type": "bip32", "xpub": _xpub(index, "Vpub"),
                                   "derivation": None, "root_fingerprint": None}
    wallet = load_wallet(json.dumps(document))
    assert not any(key.has_origin for key in wallet.keys)
    assert [key.fingerprint for key in wallet.keys] == [key.xpub.my_fingerprint
                                                       for key in wallet.keys]
    assert wallet.script_type is ScriptType.P2WSH
    document["x2/"]["derivation"] = format_path(ScriptType.P2WSH.account_path(Network.TEST))
    with pytest.raises(InvalidWallet, match="not both"):
        load_wallet(json.dumps(document))


def test_mainnet_slip132_zpub_in_descriptor_is_converted() -> None:
    main = wallet_from_descriptors([multisig_descriptor(network=Network.MAIN)], "m", Network.MAIN)
    zpub_key = key_expression(0, Network.MAIN).replace(
        _xpub(0, "xpub", "main"), _xpub(0, "Zpub", "main")
    )
    assert "Zpub" in zpub_key
    text = _sortedmulti(zpub_key, key_expression(1, Network.MAIN), key_expression(2, Network.MAIN))
    wallet = load_wallet(text)
    assert wallet.descriptor() == main.descriptor()
    assert wallet.network is Network.MAIN
    assert "Zpub" not in wallet.descriptor()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xfe\x00garbage",
        b"{not json",
        b"[1, 2]",
        b'{"label": "x"}',
        b"hello world",
        b"BSMS 2.0\nwsh()",
    ],
)
def test_garbage_is_refused_with_one_line(data: bytes) -> None:
    with pytest.raises(InvalidWallet) as caught:
        load_wallet(data)
    assert "\n" not in str(caught.value)


def test_long_or_empty_names_are_refused() -> None:
    with pytest.raises(InvalidWallet, match="at most 32"):
        load_wallet(multisig_descriptor(), name="x" * 33)
    with pytest.raises(InvalidWallet, match="empty"):
        load_wallet(multisig_descriptor(), name="   ")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_is_refused_cleanly(text: str) -> None:
    with pytest.raises(InvalidWallet):
        load_wallet(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0), st.characters(codec="ascii"))
def test_one_changed_character_never_crashes(position: int, replacement: str) -> None:
    text = REFERENCE.descriptor()
    position %= len(text)
    mutated = text[:position] + replacement + text[position + 1 :]
    try:
        wallet = load_wallet(mutated)
    except InvalidWallet:
        return
    # The checksum lets through only changes that do not alter the wallet.
    assert wallet.descriptor() == REFERENCE.descriptor()
