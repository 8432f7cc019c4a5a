"""Keys against the public BIP-39/32/49/84/86 vectors and an independent PBKDF2 computation."""

import hashlib
import subprocess
import sys
import unicodedata

import pytest
from conftest import REPO, VECTORS, load_vectors
from embit import base58, bip39
from embit.bip32 import HDKey
from hypothesis import given, settings
from hypothesis import strategies as st

from signer.errors import InvalidKey, InvalidMnemonic
from signer.keys import (
    KeyOrigin,
    account_key,
    master_fingerprint,
    parse_extended_key,
    root_from_mnemonic,
    secp256k1_backend,
    seed_from_mnemonic,
    validate_mnemonic,
    warn_if_slow_backend,
)
from signer.network import Network
from signer.scripts import HARDENED, ScriptType, parse_path

BIP39_ENGLISH = load_vectors("bip39/vectors.json")["english"]
BIP32 = load_vectors("bip32/bip32_vectors.json")
ABANDON = "abandon " * 11 + "about"
WORDS = (VECTORS / "bip39" / "english.txt").read_text().split()


def _with_version(extended_key: str, version_hex: str) -> str:
    """Re-serialise an extended key with other version bytes (SLIP-132 <-> xpub/tpub)."""
    return base58.encode_check(bytes.fromhex(version_hex) + base58.decode_check(extended_key)[4:])


@pytest.mark.parametrize("entropy, mnemonic, seed, xprv", BIP39_ENGLISH)
def test_bip39_vectors(entropy: str, mnemonic: str, seed: str, xprv: str) -> None:
    assert validate_mnemonic(mnemonic) == mnemonic
    assert seed_from_mnemonic(mnemonic.encode(), "TREZOR").hex() == seed
    assert root_from_mnemonic(mnemonic, "TREZOR").to_base58() == xprv


@pytest.mark.parametrize("entropy, mnemonic, seed, xprv", BIP39_ENGLISH[::6])
def test_seed_matches_independent_pbkdf2(entropy: str, mnemonic: str, seed: str, xprv: str) -> None:
    # BIP-39: PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic" + NFKD(passphrase).
    passphrase = "Ünïcödé pässphrase"
    expected = hashlib.pbkdf2_hmac(
        "sha512",
        mnemonic.encode(),
        b"mnemonic" + unicodedata.normalize("NFKD", passphrase).encode(),
        2048,
    )
    composed = unicodedata.normalize("NFC", passphrase)
    decomposed = unicodedata.normalize("NFD", passphrase)
    assert composed != decomposed
    assert seed_from_mnemonic(mnemonic.encode(), composed) == expected
    assert seed_from_mnemonic(mnemonic.encode(), decomposed) == expected
    assert (
        root_from_mnemonic(mnemonic, composed).to_base58() == HDKey.from_seed(expected).to_base58()
    )


def test_entropy_is_what_the_words_encode() -> None:
    # Independent of our checksum code: the words' first bits are the vector's entropy.
    for entropy, mnemonic, _seed, _xprv in BIP39_ENGLISH:
        bits = "".join(f"{WORDS.index(w):011b}" for w in mnemonic.split())
        entropy_bits = len(entropy) * 4
        assert int(bits[:entropy_bits], 2) == int(entropy, 16)
        checksum = hashlib.sha256(bytes.fromhex(entropy)).digest()
        assert (
            bits[entropy_bits:] == f"{int.from_bytes(checksum, 'big'):0256b}"[: entropy_bits // 32]
        )


def test_normalises_case_and_spacing() -> None:
    assert (
        validate_mnemonic(
            "  Abandon ABANDON\tabandon abandon abandon abandon abandon abandon\n"
            "abandon abandon abandon about "
        )
        == ABANDON
    )


def test_unknown_word_reports_its_position() -> None:
    words = ABANDON.split()
    words[4] = "bitcoins"
    with pytest.raises(InvalidMnemonic) as caught:
        validate_mnemonic(" ".join(words))
    assert caught.value.word_index == 4
    assert "word 5" in str(caught.value) and "bitcoins" not in str(caught.value)


@pytest.mark.parametrize("count", [0, 1, 11, 13, 25])
def test_wrong_word_count(count: int) -> None:
    with pytest.raises(InvalidMnemonic) as caught:
        validate_mnemonic(" ".join(["abandon"] * count))
    assert caught.value.word_index is None


@pytest.mark.parametrize("entropy, mnemonic, seed, xprv", BIP39_ENGLISH)
def test_checksum_failure(entropy: str, mnemonic: str, seed: str, xprv: str) -> None:
    # Flipping the lowest bit of the last word changes only checksum bits: always invalid.
    words = mnemonic.split()
    words[-1] = WORDS[WORDS.index(words[-1]) ^ 1]
    with pytest.raises(InvalidMnemonic, match="checksum") as caught:
        validate_mnemonic(" ".join(words))
    assert caught.value.word_index is None


@pytest.mark.parametrize("vector", BIP32["valid"], ids=lambda v: f"vector{v['vector']}")
def test_bip32_vectors(vector: dict) -> None:
    root = HDKey.from_seed(bytes.fromhex(vector["seed_hex"]))
    for chain in vector["chains"]:
        path = parse_path(chain["path"])
        assert root.derive(list(path)).to_base58() == chain["ext_prv"], chain["path"]
        exported = account_key(root, path, Network.MAIN)
        assert exported.xpub == chain["ext_pub"], chain["path"]
        assert exported.origin == KeyOrigin(master_fingerprint(root), path)


@pytest.mark.parametrize("case", BIP32["invalid_ext_keys"], ids=lambda c: c["reason"])
def test_invalid_extended_keys_refused(case: dict) -> None:
    with pytest.raises(InvalidKey):
        parse_extended_key(case["key"])


def test_valid_extended_keys_parse() -> None:
    for vector in BIP32["valid"]:
        for chain in vector["chains"]:
            assert parse_extended_key(chain["ext_pub"]).to_base58() == chain["ext_pub"]


def test_master_fingerprint_of_abandon_seed() -> None:
    # 73c5da0a: the fingerprint BIP-84/86 test vectors show for this mnemonic.
    assert master_fingerprint(root_from_mnemonic(ABANDON)) == bytes.fromhex("73c5da0a")


def test_bip84_account_key() -> None:
    # BIP-84 "Test vectors": account 0 zpub at m/84'/0'/0'.
    zpub = (
        "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868Rv"
        "UUkgDKf31mGDtKsAYz2oz2AGutZYs"
    )
    path = ScriptType.P2WPKH.account_path(Network.MAIN)
    key = account_key(root_from_mnemonic(ABANDON), path, Network.MAIN)
    assert key.xpub == _with_version(zpub, "0488b21e")
    assert key.descriptor_key() == f"[73c5da0a/84h/0h/0h]{key.xpub}"


def test_bip86_account_key() -> None:
    # BIP-86 "Test vectors": account 0 xpub at m/86'/0'/0'.
    xpub = (
        "xpub6BgBgsespWvERF3LHQu6CnqdvfEvtMcQjYrcRzx53QJjSxarj2afYWcLteoGVky7D3UKDP9QyrLprQ3V"
        "CECoY49yfdDEHGCtMMj92pReUsQ"
    )
    key = account_key(
        root_from_mnemonic(ABANDON), ScriptType.P2TR.account_path(Network.MAIN), Network.MAIN
    )
    assert key.xpub == xpub


def test_bip49_testnet_account_key_is_a_tpub() -> None:
    # BIP-49 "Test vectors" (testnet): account 0 upub at m/49'/1'/0'; we export it as a tpub.
    upub = (
        "upub5EFU65HtV5TeiSHmZZm7FUffBGy8UKeqp7vw43jYbvZPpoVsgU93oac7Wk3u6moKegAEWtGNF8Dehrn"
        "Htv21XXEMYRUocHqguyjknFHYfgY"
    )
    for network in (Network.TEST, Network.SIGNET, Network.REGTEST):
        key = account_key(
            root_from_mnemonic(ABANDON), ScriptType.P2SH_P2WPKH.account_path(network), network
        )
        assert key.xpub.startswith("tpub")
        assert key.xpub == _with_version(upub, "043587cf")
        assert str(key.origin) == "[73c5da0a/49h/1h/0h]"


def test_bip48_origin_format() -> None:
    path = ScriptType.P2WSH.account_path(Network.TEST)
    key = account_key(root_from_mnemonic(ABANDON), path, Network.TEST)
    assert str(key.origin) == "[73c5da0a/48h/1h/0h/2h]"
    assert path == (48 + HARDENED, 1 + HARDENED, HARDENED, 2 + HARDENED)
    # The account key is the public half of the private derivation, as a tpub.
    private = root_from_mnemonic(ABANDON).derive(list(path))
    assert key.xpub == private.to_public().to_base58(version=Network.TEST.params["xpub"])


def test_account_key_needs_private_root() -> None:
    public_root = root_from_mnemonic(ABANDON).to_public()
    with pytest.raises(InvalidKey):
        account_key(public_root, (HARDENED,), Network.MAIN)


def test_pure_python_fallback_is_reported_loudly() -> None:
    """Without the ctypes library embit falls back to pure Python; we must say so."""
    code = (
        "import sys\n"
        "sys.modules['embit.util.ctypes_secp256k1'] = None  # as if libsecp256k1 were missing\n"
        "from signer.keys import secp256k1_backend, warn_if_slow_backend\n"
        "print(secp256k1_backend(), warn_if_slow_backend())\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert child.stdout.split() == ["pure-python", "True"]
    assert "WARNING" in child.stderr and "slower" in child.stderr


def test_libsecp256k1_backend_loaded(capsys: pytest.CaptureFixture[str]) -> None:
    # The venv ships libsecp256k1; the pure-Python fallback would make signing 16-37x slower.
    assert secp256k1_backend() == "libsecp256k1"
    assert warn_if_slow_backend() is False
    assert capsys.readouterr().err == ""


@settings(max_examples=300, deadline=None)
@given(
    indices=st.lists(st.integers(0, 2047), min_size=12, max_size=24).filter(
        lambda words: len(words) % 3 == 0
    )
)
def test_checksum_agrees_with_embit(indices: list[int]) -> None:
    """Our checksum check against embit's independent implementation, on random words."""
    mnemonic = " ".join(WORDS[i] for i in indices)
    expected = bip39.mnemonic_is_valid(mnemonic)
    try:
        validate_mnemonic(mnemonic)
        accepted = True
    except InvalidMnemonic:
        accepted = False
    assert accepted == expected


@settings(max_examples=100, deadline=None)
@given(
    entropy=st.sampled_from([16, 20, 24, 28, 32]).flatmap(
        lambda n: st.binary(min_size=n, max_size=n)
    )
)
def test_every_entropy_gives_a_valid_mnemonic(entropy: bytes) -> None:
    mnemonic = bip39.mnemonic_from_bytes(entropy)
    assert validate_mnemonic(mnemonic.upper()) == mnemonic
