"""The encrypted keystore: round trip, format checks, tampering, truncation, replace, lock."""

import os
import struct
from pathlib import Path

import pytest
from conftest import CHEAP_KDF
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from hypothesis import HealthCheck, given
from hypothesis import settings as fuzz_settings
from hypothesis import strategies as st

from signer.errors import (
    InvalidMnemonic,
    KeystoreError,
    KeystoreExists,
    KeystoreNotFound,
    NotAKeystore,
    UnlockFailed,
    UsageError,
)
from signer.keys import root_from_mnemonic
from signer.keystore import KdfParams, Keystore
from signer.keystore.fileformat import (
    HEADER_SIZE,
    VERSION,
    Contents,
    Header,
    new_nonce,
    new_salt,
    seal,
)
from signer.network import Network
from signer.settings import Settings

ABANDON = "abandon " * 11 + "about"
ZOO = "zoo " * 11 + "wrong"
LEGAL = "legal winner thank year wave sausage worth useful legal winner thank yellow"
# Argon2id's minimum-ish cost so tests are instant; unlock needs kdf_cost_check=False for it.
WRONG = "wrong passphrase, or the keystore file is damaged"

# (name, offset, size) of every header field, from the documented layout.
HEADER_FIELDS = [
    ("magic", 0, 8),
    ("version", 8, 2),
    ("kdf id", 10, 1),
    ("aead id", 11, 1),
    ("memory", 12, 4),
    ("iterations", 16, 4),
    ("lanes", 20, 4),
    ("created", 24, 8),
    ("modified", 32, 8),
    ("wipe after", 40, 4),
    ("salt", 44, 16),
    ("nonce", 60, 12),
]


def create(path: Path, words: str = ABANDON, passphrase: str = "correct horse", **kw):
    return Keystore.create(path, words, passphrase, kdf=CHEAP_KDF, kdf_cost_check=False, **kw)


def unlock(path: Path, passphrase: str = "correct horse", **kw):
    return Keystore.unlock(path, passphrase, kdf_cost_check=False, **kw)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "airsign" / "keystore"


def test_round_trip(path: Path) -> None:
    settings = Settings(network=Network.TEST, qr_fps=9.0)
    created = create(path, settings=settings)
    assert created.fingerprint.hex() == "73c5da0a"
    created.wallet_records.append({"name": "vault", "descriptor": "wsh(sortedmulti(2,...))"})
    created.save()
    created.lock()

    with unlock(path) as ks:
        assert ks.mnemonic_words() == ABANDON.split()
        assert ks.fingerprint.hex() == "73c5da0a"
        assert ks.settings == settings
        assert ks.wallet_records == [{"name": "vault", "descriptor": "wsh(sortedmulti(2,...))"}]
        assert ks.root().to_base58() == root_from_mnemonic(ABANDON).to_base58()


def test_file_is_private_and_hides_the_words(path: Path) -> None:
    create(path, words=LEGAL).lock()
    data = path.read_bytes()
    assert os.stat(path).st_mode & 0o777 == 0o600
    for word in set(LEGAL.split()) | {"network", "settings"}:
        assert word.encode() not in data
    # 12 and 24 words give files of the same size (padded mnemonic field).
    other = path.with_name("other")
    create(other, words=" ".join(["abandon"] * 23 + ["art"])).lock()
    assert len(other.read_bytes()) == len(data)


def test_decrypts_with_an_independent_argon2_and_chacha(path: Path) -> None:
    """The documented format, read back with the primitives alone (no keystore code)."""
    create(path, passphrase="pw", settings=Settings(denomination="sats")).lock()
    data = path.read_bytes()
    magic, version, kdf_id, aead_id, memory, iterations, lanes = struct.unpack(
        ">8sHBBIII", data[:24]
    )
    assert (magic, version, kdf_id, aead_id) == (b"AIRSIGNK", 1, 1, 1)
    assert (memory, iterations, lanes) == (64, 1, 1)
    salt, nonce = data[44:60], data[60:72]
    key = Argon2id(
        salt=salt, length=32, iterations=iterations, lanes=lanes, memory_cost=memory
    ).derive(b"pw")
    plaintext = ChaCha20Poly1305(key).decrypt(nonce, data[HEADER_SIZE:], data[:HEADER_SIZE])
    length = int.from_bytes(plaintext[:2], "big")
    assert plaintext[2 : 2 + length].decode() == ABANDON
    assert plaintext[2 + length : 258] == bytes(256 - length)
    assert b'"denomination":"sats"' in plaintext[258:]


def test_default_paths_and_exists(tmp_path: Path) -> None:
    assert Keystore.default_path() == Path.home() / ".local/share/airsign/keystore"
    assert not Keystore.exists(tmp_path / "nothing")
    assert not Keystore.exists(tmp_path)  # a directory is not a keystore


def test_every_save_uses_a_fresh_nonce(path: Path) -> None:
    ks = create(path)
    first = path.read_bytes()
    ks.save()
    second = path.read_bytes()
    assert first[60:72] != second[60:72]
    assert first[HEADER_SIZE:] != second[HEADER_SIZE:]
    assert first[44:60] == second[44:60]  # same salt: the key is not re-derived
    ks.lock()


def test_settings_persist_and_wipe_threshold_goes_into_the_header(path: Path) -> None:
    ks = create(path)
    ks.settings.wipe_after_failures = 7
    ks.settings.denomination = "sats"
    ks.save()
    ks.lock()
    assert Keystore.info(path).wipe_after_failures == 7
    with unlock(path) as again:
        assert again.settings.denomination == "sats"
        assert again.settings.wipe_after_failures == 7


def test_second_seed_refused_unless_replace(path: Path) -> None:
    create(path).lock()
    before = path.read_bytes()
    with pytest.raises(KeystoreExists, match="already stored"):
        create(path, words=ZOO)
    assert path.read_bytes() == before
    create(path, words=ZOO, passphrase="new", replace=True).lock()
    with unlock(path, "new") as ks:
        assert ks.mnemonic_words() == ZOO.split()
    with pytest.raises(UnlockFailed):
        unlock(path)


def test_empty_passphrase_and_bad_words_refused(path: Path) -> None:
    with pytest.raises(UsageError):
        create(path, passphrase="")
    with pytest.raises(InvalidMnemonic, match="checksum"):
        create(path, words="abandon " * 12)
    assert not path.exists()


def test_wrong_passphrase_changes_nothing_but_the_counter(path: Path) -> None:
    create(path).lock()
    before = path.read_bytes()
    with pytest.raises(UnlockFailed) as caught:
        unlock(path, "Correct horse")
    assert str(caught.value) == WRONG
    assert path.read_bytes() == before
    assert Keystore.info(path).failed_attempts == 1
    assert sorted(p.name for p in path.parent.iterdir()) == ["keystore", "keystore.attempts"]
    with unlock(path) as ks:
        assert ks.fingerprint.hex() == "73c5da0a"
    assert Keystore.info(path).failed_attempts == 0
    assert not path.with_name("keystore.attempts").exists()


@pytest.mark.parametrize("offset", [HEADER_SIZE, HEADER_SIZE + 2, HEADER_SIZE + 300, -17, -1])
def test_tampered_ciphertext_gives_the_wrong_passphrase_error(path: Path, offset: int) -> None:
    create(path).lock()
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(data)
    with pytest.raises(UnlockFailed) as caught:
        unlock(path)
    assert str(caught.value) == WRONG  # identical: nothing tells damage from a wrong guess


@pytest.mark.parametrize("name, offset, size", HEADER_FIELDS, ids=[f[0] for f in HEADER_FIELDS])
def test_tampered_header_field_refused(path: Path, name: str, offset: int, size: int) -> None:
    create(path).lock()
    data = bytearray(path.read_bytes())
    data[offset + size - 1] ^= 0x01  # lowest bit of the field: stays a plausible value
    path.write_bytes(data)
    expected = {
        "magic": NotAKeystore,
        "version": NotAKeystore,
        "kdf id": NotAKeystore,
        "aead id": NotAKeystore,
        "iterations": KeystoreError,  # 1 -> 0: not valid Argon2id at all
        "lanes": KeystoreError,  # 1 -> 0: likewise
    }.get(name, UnlockFailed)
    with pytest.raises(expected) as caught:
        unlock(path)
    if expected is UnlockFailed:
        # The wipe threshold 0 -> 1 also makes this first failure wipe the seed (docs).
        assert str(caught.value).startswith(WRONG)


@pytest.mark.parametrize(
    "cut", [1, 7, 8, 40, HEADER_SIZE - 1, HEADER_SIZE, HEADER_SIZE + 100, -16, -1]
)
def test_truncated_file_refused(path: Path, cut: int) -> None:
    create(path).lock()
    data = path.read_bytes()
    path.write_bytes(data[:cut])
    with pytest.raises(KeystoreError) as caught:
        unlock(path)
    if cut < 0:
        assert str(caught.value) == WRONG  # only the tag is missing: looks like any damage
    else:
        assert "truncated" in str(caught.value)


def test_not_a_keystore(tmp_path: Path) -> None:
    for content in (b"", b"hello world" * 20, b"AIRSIGNX" + bytes(600)):
        target = tmp_path / "file"
        target.write_bytes(content)
        with pytest.raises(NotAKeystore):
            unlock(target)
        with pytest.raises(NotAKeystore):
            Keystore.info(target)


def test_unsupported_version_named(path: Path) -> None:
    create(path).lock()
    data = bytearray(path.read_bytes())
    data[8:10] = (2).to_bytes(2, "big")
    path.write_bytes(data)
    with pytest.raises(NotAKeystore, match="version 2 is not supported"):
        unlock(path)


def test_missing_keystore(tmp_path: Path) -> None:
    with pytest.raises(KeystoreNotFound, match="keystore create"):
        unlock(tmp_path / "absent")
    with pytest.raises(KeystoreNotFound):
        Keystore.info(tmp_path / "absent")


def test_cheap_kdf_refused_without_the_test_override(path: Path) -> None:
    create(path).lock()
    with pytest.raises(KeystoreError, match="too weak"):
        Keystore.unlock(path, "correct horse")
    with pytest.raises(KeystoreError, match="too weak"):
        Keystore.create(path.with_name("k2"), ABANDON, "pw", kdf=CHEAP_KDF)
    assert Keystore.info(path).failed_attempts == 0  # refused before any attempt


def test_absurdly_expensive_kdf_refused_before_running_it(path: Path) -> None:
    create(path).lock()
    # 4 GiB; 1000 iterations; 64 lanes; 256 MiB (allowed alone) x 16 iterations (allowed alone)
    for offset, value in ((12, 4 * 1024 * 1024), (16, 1000), (20, 64), (12, 256 * 1024)):
        data = bytearray(path.read_bytes())
        data[12:16] = (64 * 1024).to_bytes(4, "big")  # otherwise a plausible 64 MiB
        data[offset : offset + 4] = value.to_bytes(4, "big")
        if offset == 12 and value == 256 * 1024:
            data[16:20] = (16).to_bytes(4, "big")
        hostile = path.with_name(f"hostile{offset}-{value}")
        hostile.write_bytes(data)
        with pytest.raises(KeystoreError, match="too expensive"):
            Keystore.unlock(hostile, "correct horse")


def test_default_kdf_passes_its_own_check() -> None:
    default = KdfParams()
    default.check_cost()
    assert default.memory_kib >= 64 * 1024


def test_lock_erases_and_disables(path: Path) -> None:
    ks = create(path)
    mnemonic_buffer = ks._mnemonic  # the bytearray lock() must overwrite
    key_buffer = ks._key
    ks.root("extra words")
    ks.lock()
    assert mnemonic_buffer == bytearray(len(mnemonic_buffer)) and len(mnemonic_buffer) > 0
    assert key_buffer == bytearray(32)
    assert ks.locked
    for call in (ks.mnemonic_words, ks.root, ks.save, lambda: ks.fingerprint):
        with pytest.raises(KeystoreError, match="locked"):
            call()


def test_bip39_passphrase_roots_cached_and_never_stored(path: Path) -> None:
    ks = create(path)
    with_passphrase = ks.root("TREZOR")
    assert ks.root("TREZOR") is with_passphrase
    assert with_passphrase.to_base58() == root_from_mnemonic(ABANDON, "TREZOR").to_base58()
    assert ks.root().to_base58() != with_passphrase.to_base58()
    ks.save()
    ks.lock()
    assert b"TREZOR" not in path.read_bytes()
    with unlock(path) as again:
        assert again.root("TREZOR") is not with_passphrase
        assert again.fingerprint.hex() == "73c5da0a"


def test_a_stored_setting_this_version_rejects_does_not_lock_the_owner_out(path: Path) -> None:
    # Written with the format primitives: save() itself would refuse the bad value.
    salt = new_salt()
    key = CHEAP_KDF.derive_key("pw", salt)
    header = Header(VERSION, CHEAP_KDF, 0, 0, 0, salt, new_nonce())
    stored = {"qr_fps": 1000, "denomination": "sats", "from_a_newer_version": True}
    path.parent.mkdir(parents=True)
    path.write_bytes(seal(header, key, Contents(bytearray(ABANDON.encode()), stored, [])))
    with unlock(path, "pw") as ks:
        assert ks.settings.qr_fps == Settings().qr_fps
        assert ks.settings.denomination == "sats"
        assert ks.mnemonic_words() == ABANDON.split()


def test_change_passphrase_with_fresh_salt_and_kdf(path: Path) -> None:
    ks = create(path)
    old_salt = path.read_bytes()[44:60]
    stronger = KdfParams(memory_kib=128, iterations=2, lanes=1)
    ks.change_passphrase("brand new", kdf=stronger, kdf_cost_check=False)
    ks.lock()
    data = path.read_bytes()
    assert data[44:60] != old_salt
    assert Keystore.info(path).kdf == stronger
    with pytest.raises(UnlockFailed):
        unlock(path)
    with unlock(path, "brand new") as again:
        assert again.mnemonic_words() == ABANDON.split()
        with pytest.raises(UsageError):
            again.change_passphrase("")
        with pytest.raises(KeystoreError, match="too weak"):
            again.change_passphrase("x" * 20, kdf=CHEAP_KDF)


def test_unstorable_wallet_record_refused_and_file_kept(path: Path) -> None:
    ks = create(path)
    before = path.read_bytes()
    ks.wallet_records.append({"key": object()})
    with pytest.raises(KeystoreError, match="wallet records"):
        ks.save()
    assert path.read_bytes() == before
    ks.lock()


@fuzz_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(header_tail=st.binary(min_size=HEADER_SIZE - 12, max_size=HEADER_SIZE - 12))
def test_info_survives_any_header(tmp_path: Path, header_tail: bytes) -> None:
    target = tmp_path / "fuzzed"
    target.write_bytes(
        b"AIRSIGNK" + (1).to_bytes(2, "big") + b"\x01\x01" + header_tail + bytes(300)
    )
    try:
        info = Keystore.info(target)
    except KeystoreError:
        return
    assert info.version == 1


@fuzz_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(times_wipe_salt_nonce=st.binary(min_size=HEADER_SIZE - 24, max_size=HEADER_SIZE - 24))
def test_unlock_never_accepts_a_rewritten_header(path: Path, times_wipe_salt_nonce: bytes) -> None:
    if not path.exists():
        create(path).lock()
    data = bytearray(path.read_bytes())
    original = bytes(data[24:HEADER_SIZE])
    data[24:HEADER_SIZE] = times_wipe_salt_nonce
    fuzzed = path.with_name("fuzzed")
    fuzzed.write_bytes(data)
    fuzzed.with_name("fuzzed.attempts").unlink(missing_ok=True)
    if times_wipe_salt_nonce == original:
        return
    with pytest.raises(KeystoreError):
        unlock(fuzzed).lock()
