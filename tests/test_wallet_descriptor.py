"""Descriptors against the BIP-380..389 vectors, embit's own derivation and a hand-built address."""

import hashlib

import pytest
from conftest import load_vectors
from embit.descriptor import Descriptor
from wallet_kit import multisig_descriptor, root

from signer.errors import InvalidWallet
from signer.network import Network
from signer.scripts import HARDENED, ScriptType
from signer.wallet.descriptor import parse_descriptor, strip_checksum, wallet_from_descriptors
from signer.wallet.model import Wallet

VECTORS = load_vectors("descriptors/descriptor_vectors.json")["vectors"]
BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# The script forms a cosigner wallet can have (BIP-381/382/383/386 key path).
ACCEPTED_PREFIXES = (
    "sh(multi(",
    "sh(sortedmulti(",
    "wsh(multi(",
    "wsh(sortedmulti(",
    "sh(wsh(multi(",
    "sh(wsh(sortedmulti(",
    "wpkh(",
    "sh(wpkh(",
    "tr(",
)


def _accepted_form(text: str) -> bool:
    return text.startswith(ACCEPTED_PREFIXES) and not (text.startswith("tr(") and "," in text)


def _descriptor_vectors(valid: bool) -> list[dict]:
    return [v for v in VECTORS if v["kind"] == "descriptor" and v["valid"] is valid]


# --- BIP-380 checksums -----------------------------------------------------------------
@pytest.mark.parametrize(
    "vector", [v for v in VECTORS if v["kind"] == "checksum"], ids=lambda v: v["description"]
)
def test_bip380_checksum_vectors(vector: dict) -> None:
    if vector["valid"]:
        assert strip_checksum(vector["descriptor"]) == vector["descriptor"].split("#")[0]
    else:
        with pytest.raises(InvalidWallet):
            strip_checksum(vector["descriptor"])


# --- scripts of the forms we accept --------------------------------------------------
VALID_WITH_SCRIPTS = [
    v for v in _descriptor_vectors(True) if _accepted_form(v["descriptor"]) and "scripts" in v
]
# BIP-383 allows 16-20 keys in wsh(); airsign caps every wallet at 15 (docs/wallets.md).
TOO_MANY_KEYS = [v for v in VALID_WITH_SCRIPTS if v["descriptor"].count(",") > 15]


@pytest.mark.parametrize(
    "vector",
    [v for v in VALID_WITH_SCRIPTS if v not in TOO_MANY_KEYS],
    ids=lambda v: v["descriptor"][:40],
)
def test_vector_scripts(vector: dict) -> None:
    parsed = parse_descriptor(vector["descriptor"])
    scripts = [
        parsed.output(0, index).script_pubkey.data.hex() for index in range(len(vector["scripts"]))
    ]
    assert scripts == vector["scripts"]


def test_vector_coverage() -> None:
    # The multisig forms the task names must all be exercised by the vectors above.
    texts = [v["descriptor"] for v in VALID_WITH_SCRIPTS if v not in TOO_MANY_KEYS]
    for prefix in ("sh(multi(", "wsh(multi(", "wpkh(", "sh(wpkh(", "tr("):
        assert any(text.startswith(prefix) for text in texts), prefix


@pytest.mark.parametrize("vector", TOO_MANY_KEYS, ids=lambda v: v["descriptor"][:20])
def test_more_than_15_keys_refused_with_reason(vector: dict) -> None:
    with pytest.raises(InvalidWallet, match="at most 15"):
        parse_descriptor(vector["descriptor"])


@pytest.mark.parametrize(
    "vector", _descriptor_vectors(False), ids=lambda v: v.get("description", "")[:40]
)
def test_invalid_vectors_refused(vector: dict) -> None:
    with pytest.raises(InvalidWallet):
        parse_descriptor(vector["descriptor"])


@pytest.mark.parametrize(
    "vector",
    [
        v
        for v in VECTORS
        if v["bip"] == 383 and not v["valid"] and v["descriptor"].startswith("multi(")
    ],
    ids=lambda v: v["description"],
)
def test_invalid_bip383_thresholds_refused_inside_sh(vector: dict) -> None:
    # These vectors are bare multi(), a form we never accept; wrapped in sh() they must
    # still be refused, now for their own reason.
    with pytest.raises(InvalidWallet):
        parse_descriptor(f"sh({vector['descriptor']})")


@pytest.mark.parametrize(
    "vector",
    [v for v in VECTORS if v["bip"] == 389 and v["valid"] and _accepted_form(v["descriptor"])],
    ids=lambda v: v["descriptor"][:40],
)
def test_bip389_multipath_expands_like_the_vector(vector: dict) -> None:
    parsed = parse_descriptor(vector["descriptor"])
    assert parsed.branches == len(vector["expands_to"])
    for branch, expanded_text in enumerate(vector["expands_to"]):
        expanded = parse_descriptor(expanded_text)
        for index in range(3):
            assert (
                parsed.output(branch, index).script_pubkey
                == expanded.output(0, index).script_pubkey
            )


def test_crypto_output_descriptors_from_bcr_parse() -> None:
    examples = load_vectors("ur/bcr_ur_examples.json")["examples"]
    texts = [e["output_descriptor"] for e in examples if "output_descriptor" in e]
    accepted = [text for text in texts if _accepted_form(text)]
    assert len(accepted) == 3  # sh(wpkh), sh(multi), wsh(multi) of the five
    for text in accepted:
        ours = parse_descriptor(text).output(0, 0).script_pubkey
        assert ours == Descriptor.from_string(text).derive(0).script_pubkey()


def test_crypto_account_keys_equal_our_single_sig_wallets() -> None:
    from embit import bip39
    from embit.bip32 import HDKey

    account = next(
        e for e in load_vectors("ur/bcr_ur_examples.json")["examples"] if "output_descriptors" in e
    )
    seed_root = HDKey.from_seed(bip39.mnemonic_to_seed(account["bip39_mnemonic"]))
    assert seed_root.my_fingerprint.hex() == account["master_fingerprint_hex"]
    wanted = {
        "wpkh(": ScriptType.P2WPKH,
        "sh(wpkh(": ScriptType.P2SH_P2WPKH,
        "tr(": ScriptType.P2TR,
    }
    for text in account["output_descriptors"]:
        for prefix, script_type in wanted.items():
            if text.startswith(prefix):
                wallet = Wallet.single_sig(seed_root, script_type, Network.MAIN)
                key = parse_descriptor(text).keys[0]
                assert wallet.keys[0].xpub.to_base58() == key.key.to_base58()
                assert wallet.keys[0].origin_path == key.origin_path


# --- our wallets against independent computations -------------------------------------
BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values: list[int]) -> int:
    generator = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for bit in range(5):
            checksum ^= generator[bit] if (top >> bit) & 1 else 0
    return checksum


def _segwit_v0_address(hrp: str, program: bytes) -> str:
    """BIP-173, written out here so the test does not lean on embit or our code."""
    bits = "".join(f"{byte:08b}" for byte in program)
    bits += "0" * (-len(bits) % 5)
    data = [0] + [int(bits[i : i + 5], 2) for i in range(0, len(bits), 5)]
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    polymod = _bech32_polymod(expanded + data + [0] * 6) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32_CHARSET[d] for d in data + checksum)


@pytest.mark.parametrize(("change", "index"), [(False, 0), (False, 1), (True, 0), (True, 77)])
def test_p2wsh_address_against_hand_built_script(change: bool, index: int) -> None:
    wallet = wallet_from_descriptors([multisig_descriptor()], "w", Network.TEST)
    path = [48 + 2**31, 1 + 2**31, 2**31, 2 + 2**31, int(change), index]
    pubkeys = sorted(root(i).derive(path).key.sec() for i in (0, 1, 2))
    script = bytes([0x52]) + b"".join(bytes([33]) + key for key in pubkeys) + bytes([0x53, 0xAE])
    program = hashlib.sha256(script).digest()
    assert wallet.address(change, index) == _segwit_v0_address("tb", program)
    assert wallet.witness_script(change, index).data == script
    assert wallet.redeem_script(change, index) is None


@pytest.mark.parametrize("script_type", [ScriptType.P2WSH, ScriptType.P2SH_P2WSH, ScriptType.P2SH])
@pytest.mark.parametrize("function", ["sortedmulti", "multi"])
@pytest.mark.parametrize("network", [Network.MAIN, Network.TEST])
def test_addresses_equal_embit_descriptor_derivation(
    script_type: ScriptType, function: str, network: Network
) -> None:
    text = multisig_descriptor(
        (2, 0, 1), network=network, script_type=script_type, function=function
    )
    wallet = wallet_from_descriptors([text], "w", network)
    reference = Descriptor.from_string(text)
    for change in (False, True):
        for index in (0, 5, 999):
            expected = reference.derive(index, branch_index=int(change))
            assert wallet.address(change, index) == expected.address(network.params)


def test_canonical_descriptor_round_trips_and_checksum_matches_embit() -> None:
    wallet = wallet_from_descriptors([multisig_descriptor(function="multi")], "w", Network.TEST)
    text = wallet.descriptor()
    body, checksum = text.split("#")
    from embit.descriptor.checksum import checksum as embit_checksum

    assert checksum == embit_checksum(body)
    again = wallet_from_descriptors([text], "w", Network.TEST)
    assert again == wallet
    # multi() keeps the key order: a different order is a different wallet.
    reordered = wallet_from_descriptors(
        [multisig_descriptor((1, 0, 2), function="multi")], "w", Network.TEST
    )
    assert reordered.address(False, 0) != wallet.address(False, 0)


def test_receive_and_change_descriptors_equal_the_multipath_one() -> None:
    multipath = wallet_from_descriptors([multisig_descriptor()], "w", Network.TEST)
    pair = wallet_from_descriptors(
        [multisig_descriptor(suffix="/1/*"), multisig_descriptor(suffix="/0/*")], "w", Network.TEST
    )
    receive_only = wallet_from_descriptors([multisig_descriptor(suffix="/0/*")], "w", Network.TEST)
    bsms_shorthand = wallet_from_descriptors([multisig_descriptor(suffix="/**")], "w", Network.TEST)
    assert pair == multipath == receive_only == bsms_shorthand


def test_change_descriptor_alone_is_refused() -> None:
    with pytest.raises(InvalidWallet, match="receive"):
        wallet_from_descriptors([multisig_descriptor(suffix="/1/*")], "w", Network.TEST)


def test_tpub_wallet_takes_the_test_network_the_device_uses() -> None:
    text = multisig_descriptor()
    assert wallet_from_descriptors([text], "w", Network.MAIN).network is Network.TEST
    signet = wallet_from_descriptors([text], "w", Network.SIGNET)
    assert signet.network is Network.SIGNET
    assert (
        wallet_from_descriptors([text], "w", Network.REGTEST).address(False, 0).startswith("bcrt1")
    )


def test_locate_maps_psbt_paths_to_chain_and_index() -> None:
    wallet = wallet_from_descriptors([multisig_descriptor()], "w", Network.TEST)
    ours = wallet.keys[0]
    assert wallet.locate(ours.fingerprint, ours.full_path(True, 42)) == (True, 42)
    assert wallet.locate(ours.fingerprint, ours.full_path(False, 0)) == (False, 0)
    assert wallet.locate(ours.fingerprint, (*ours.origin_path, 2, 0)) is None
    assert wallet.locate(ours.fingerprint, (*ours.origin_path, 0)) is None
    assert wallet.locate(ours.fingerprint, (*ours.origin_path, 0, 2**31)) is None
    assert wallet.locate(b"\x00\x00\x00\x00", ours.full_path(False, 0)) is None
    other_account = (*ours.origin_path[:2], 2**31 + 1, ours.origin_path[3], 0, 0)
    assert wallet.locate(ours.fingerprint, other_account) is None
    assert ours.derive(True, 42).sec() == root(0).derive(list(ours.full_path(True, 42))).sec()
    assert ours.descriptor_key().endswith("/<0;1>/*")
    assert ours.descriptor_key(multipath=False).startswith(f"[{ours.fingerprint_hex}/48h/1h/0h/2h]")


def _base58check(payload: bytes) -> str:
    """Base58Check as Bitcoin Core's base58.cpp does it: hashlib and integer division only."""
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    number, text = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        text = BASE58_ALPHABET[digit] + text
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + text


@pytest.mark.parametrize("network", [Network.MAIN, Network.TEST])
def test_bip44_p2pkh_single_sig_addresses(network: Network) -> None:
    ours = Wallet.single_sig(root(0), ScriptType.P2PKH, network)
    assert ours.keys[0].origin_path == (44 + HARDENED, network.coin_type + HARDENED, HARDENED)
    assert ours.descriptor().startswith(f"pkh([73c5da0a/44h/{network.coin_type}h/0h]")
    version = b"\x00" if network is Network.MAIN else b"\x6f"
    for change, index in ((False, 0), (False, 7), (True, 3)):
        path = f"m/44h/{network.coin_type}h/0h/{int(change)}/{index}"
        sec = root(0).derive(path).key.sec()
        key_hash = hashlib.new("ripemd160", hashlib.sha256(sec).digest()).digest()
        assert ours.script_pubkey(change, index).data == b"\x76\xa9\x14" + key_hash + b"\x88\xac"
        assert ours.address(change, index) == _base58check(version + key_hash)
    if network is Network.MAIN:  # the address every BIP-44 wallet shows for "abandon ... about"
        assert ours.address(False, 0) == "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA"
