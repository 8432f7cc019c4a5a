"""The one-seed keystore: a BIP-39 mnemonic, the registered wallet records and the settings,
encrypted together in one file with a key derived from the user's passphrase.

    ks = Keystore.create(path, words, passphrase)       # or Keystore.unlock(path, passphrase)
    ks.root()                                           # BIP-32 root (optional BIP-39 passphrase)
    ks.settings.qr_fps = 8; ks.save()                   # re-encrypt, write atomically
    ks.lock()                                           # overwrite the secrets we hold

File format, KDF calibration and the limits of in-memory erasure: docs/keystore.md.
"""

import hashlib
import hmac
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from embit.bip32 import HDKey

from signer.errors import (
    KeystoreError,
    KeystoreExists,
    KeystoreLockedOut,
    KeystoreNotFound,
    UnlockFailed,
    UsageError,
)
from signer.keys import master_fingerprint, root_from_seed, seed_from_mnemonic, validate_mnemonic
from signer.keystore.atomic import FileOps, WrittenNotSynced, remove_durably, write_atomic
from signer.keystore.attempts import Attempts, clear_attempts, load_attempts, store_attempts
from signer.keystore.fileformat import (
    AEAD_NAME,
    VERSION,
    Contents,
    Header,
    KdfParams,
    check_length,
    new_nonce,
    new_salt,
    open_sealed,
    seal,
    wipe,
)
from signer.settings import Settings

Clock = Callable[[], float]

__all__ = ["Keystore", "UnlockedKeystore", "KeystoreInfo", "KdfParams", "FileOps"]


@dataclass(frozen=True)
class KeystoreInfo:
    """What can be told about a keystore without its passphrase: nothing secret."""

    path: Path
    version: int
    kdf: KdfParams
    cipher: str
    created: datetime
    modified: datetime
    size: int
    failed_attempts: int
    wait_seconds: float  # before the next unlock attempt is allowed
    wipe_after_failures: int  # 0 = never


class Keystore:
    """Operations on a keystore file that is (still) locked."""

    @staticmethod
    def default_path() -> Path:
        return Path.home() / ".local" / "share" / "airsign" / "keystore"

    @staticmethod
    def exists(path: Path) -> bool:
        return Path(path).is_file()

    @classmethod
    def create(
        cls,
        path: Path,
        mnemonic: str,
        passphrase: str,
        *,
        replace: bool = False,
        settings: Settings | None = None,
        kdf: KdfParams | None = None,
        kdf_cost_check: bool = True,
        file_ops: FileOps | None = None,
        clock: Clock = time.time,
    ) -> "UnlockedKeystore":
        """Store a new seed. Refuses (KeystoreExists) if one is there, unless replace=True.

        kdf_cost_check=False is for tests only: it allows the cheap KDF parameters that
        unlock() would otherwise refuse.
        """
        path = Path(path)
        ops = file_ops or FileOps()
        if cls.exists(path) and not replace:
            raise KeystoreExists(
                f"a seed is already stored in {path}; replacing it (and losing it unless it "
                "is backed up) needs replace"
            )
        if not passphrase:
            raise UsageError("the keystore passphrase cannot be empty")
        kdf = kdf or KdfParams()
        if kdf_cost_check:
            kdf.check_cost()
        words = bytearray(validate_mnemonic(mnemonic).encode("utf-8"))
        settings = settings or Settings()
        salt = new_salt()
        key = kdf.derive_key(passphrase, salt)
        now = int(clock())
        keystore = UnlockedKeystore(
            path=path,
            settings=settings,
            wallet_records=[],
            _mnemonic=words,
            _key=key,
            _kdf=kdf,
            _salt=salt,
            _created=now,
            _ops=ops,
            _clock=clock,
        )
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            keystore.save()
            # A new seed starts with a clean failure count.
            clear_attempts(path, ops)
        except (KeystoreError, OSError) as exc:
            keystore.lock()
            if isinstance(exc, OSError):
                raise KeystoreError(f"cannot create {path.parent}: {exc.strerror}") from exc
            raise
        return keystore

    @classmethod
    def unlock(
        cls,
        path: Path,
        passphrase: str,
        *,
        kdf_cost_check: bool = True,
        file_ops: FileOps | None = None,
        clock: Clock = time.time,
    ) -> "UnlockedKeystore":
        """Decrypt the keystore. UnlockFailed for a wrong passphrase or damaged ciphertext
        (deliberately the same), KeystoreLockedOut while a failure delay runs, NotAKeystore
        for a file that is not a keystore. kdf_cost_check=False is for tests only."""
        path = Path(path)
        ops = file_ops or FileOps()
        data = _read(path)
        header = Header.unpack(data)
        check_length(data)
        if kdf_cost_check:
            header.kdf.check_cost()
        header.kdf.check_valid()

        failed = _begin_attempt(path, header.wipe_after_failures, len(data), ops, clock())

        key = header.kdf.derive_key(passphrase, header.salt)
        try:
            contents = open_sealed(data, header, key)
        except UnlockFailed:
            wipe(key)
            raise _failure(path, header.wipe_after_failures, failed, len(data), ops) from None
        except KeystoreError:
            wipe(key)
            raise
        clear_attempts(path, ops)
        return UnlockedKeystore(
            path=path,
            settings=_stored_settings(contents.settings),
            wallet_records=contents.wallets,
            _mnemonic=contents.mnemonic,
            _key=key,
            _kdf=header.kdf,
            _salt=header.salt,
            _created=header.created,
            _ops=ops,
            _clock=clock,
        )

    @staticmethod
    def wipe(path: Path, *, file_ops: FileOps | None = None) -> None:
        """Destroy the stored seed: overwrite the file with random bytes (where the storage
        lets an overwrite reach the old blocks), delete it and its failed-attempts counter.
        KeystoreNotFound when there is no keystore at `path`."""
        path = Path(path)
        size = len(_read(path))
        _wipe_keystore(path, size, file_ops or FileOps())

    @staticmethod
    def info(path: Path, *, clock: Clock = time.time) -> KeystoreInfo:
        path = Path(path)
        data = _read(path)
        header = Header.unpack(data)
        attempts = load_attempts(path)
        return KeystoreInfo(
            path=path,
            version=header.version,
            kdf=header.kdf,
            cipher=AEAD_NAME,
            created=_timestamp(header.created),
            modified=_timestamp(header.modified),
            size=len(data),
            failed_attempts=attempts.failures,
            wait_seconds=attempts.wait_seconds(clock()),
            wipe_after_failures=header.wipe_after_failures,
        )


def _timestamp(seconds: int) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, ValueError, OSError):
        raise KeystoreError("the keystore header is damaged (impossible date)") from None


def _stored_settings(stored: dict[str, Any]) -> Settings:
    """Settings from the file; a value this version rejects falls back to its default.

    A setting must never lock the owner out of the seed (e.g. a rule tightened by an update).
    """
    try:
        return Settings.from_dict(stored)
    except (UsageError, TypeError, ValueError):
        settings = Settings()
        for key, value in stored.items():
            try:
                settings = Settings.from_dict({**settings.to_dict(), key: value})
            except (UsageError, TypeError, ValueError):
                continue
        return settings


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise KeystoreNotFound(
            f"no keystore at {path}: create one with `airsign keystore create`"
        ) from None
    except IsADirectoryError:
        raise KeystoreError(f"{path} is a directory, not a keystore") from None
    except OSError as exc:
        raise KeystoreError(f"cannot read {path}: {exc.strerror}") from None


def _begin_attempt(path: Path, threshold: int, size: int, ops: FileOps, now: float) -> Attempts:
    """Enforce the wipe threshold and the delay, then count this attempt as failed already
    (a power cut during the slow KDF must not give a free guess). Returns that count."""
    attempts = load_attempts(path)
    if 0 < threshold <= attempts.failures:
        _wipe_keystore(path, size, ops)
        raise UnlockFailed(
            f"{attempts.failures} failed unlock attempts: the keystore has been wiped"
        )
    wait = attempts.wait_seconds(now)
    if wait > 0:
        raise KeystoreLockedOut(
            f"{attempts.failures} failed unlock attempts: try again in {int(wait + 0.999)} s"
        )
    failed = attempts.after_failure(now)
    store_attempts(path, failed, ops)
    return failed


def _failure(path: Path, threshold: int, failed: Attempts, size: int, ops: FileOps) -> UnlockFailed:
    """The error for a failed attempt; wipes the keystore when the threshold is reached."""
    message = "wrong passphrase, or the keystore file is damaged"
    if threshold and failed.failures >= threshold:
        _wipe_keystore(path, size, ops)
        return UnlockFailed(f"{message}; after {failed.failures} failures the keystore was wiped")
    if threshold:
        left = threshold - failed.failures
        return UnlockFailed(
            f"{message} ({left} attempt{'s' if left != 1 else ''} left before the seed is wiped)"
        )
    return UnlockFailed(message)


def _wipe_keystore(path: Path, size: int, ops: FileOps) -> None:
    """Overwrite the file in place with random bytes, then delete it and the counter.

    On flash (SD cards) the controller may keep the old blocks; the overwrite is best effort,
    the deletion is what the next boot sees (docs/keystore.md).
    """
    try:
        with path.open("r+b") as handle:
            handle.write(os.urandom(size))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise KeystoreError(f"could not wipe {path}: {exc.strerror}") from exc
    remove_durably(path, ops)
    clear_attempts(path, ops)


class UnlockedKeystore:
    """A decrypted keystore. Holds the mnemonic and the file key until lock()."""

    def __init__(
        self,
        *,
        path: Path,
        settings: Settings,
        wallet_records: list[dict[str, Any]],
        _mnemonic: bytearray,
        _key: bytearray,
        _kdf: KdfParams,
        _salt: bytes,
        _created: int,
        _ops: FileOps,
        _clock: Clock,
    ) -> None:
        self.path = path
        self.settings = settings
        self.wallet_records = wallet_records
        self._mnemonic = _mnemonic
        self._key = _key  # kept so save() need not re-run the slow KDF
        self._kdf = _kdf
        self._salt = _salt
        self._created = _created
        self._ops = _ops
        self._clock = _clock
        self._roots: dict[bytes, HDKey] = {}
        # Cache keys are salted hashes, so the dict does not hold BIP-39 passphrases.
        self._cache_salt = os.urandom(16)
        self._fingerprint: bytes | None = None
        self._locked = False

    def _check_open(self) -> None:
        if self._locked:
            raise KeystoreError("the keystore is locked: unlock it again")

    @property
    def locked(self) -> bool:
        return self._locked

    @property
    def kdf(self) -> KdfParams:
        return self._kdf

    @property
    def fingerprint(self) -> bytes:
        """Master fingerprint of the seed without a BIP-39 passphrase."""
        self._check_open()
        if self._fingerprint is None:
            self._fingerprint = master_fingerprint(self.root())
        return self._fingerprint

    def mnemonic_words(self) -> list[str]:
        """The words, for "show words" after the user re-entered the passphrase."""
        self._check_open()
        return self._mnemonic.decode("utf-8").split()

    def root(self, bip39_passphrase: str = "") -> HDKey:
        """BIP-32 root for this seed and BIP-39 passphrase; cached for the session only."""
        self._check_open()
        cache_key = hashlib.sha256(self._cache_salt + bip39_passphrase.encode("utf-8")).digest()
        if cache_key not in self._roots:
            self._roots[cache_key] = root_from_seed(
                seed_from_mnemonic(self._mnemonic, bip39_passphrase)
            )
        return self._roots[cache_key]

    def save(self) -> None:
        """Re-encrypt with a fresh nonce and replace the file atomically."""
        self._check_open()
        self.settings.validate()
        header = Header(
            version=VERSION,
            kdf=self._kdf,
            created=self._created,
            modified=int(self._clock()),
            wipe_after_failures=self.settings.wipe_after_failures,
            salt=self._salt,
            nonce=new_nonce(),
        )
        contents = Contents(self._mnemonic, self.settings.to_dict(), self.wallet_records)
        write_atomic(self.path, seal(header, self._key, contents), self._ops)

    def confirm_passphrase(self, passphrase: str) -> None:
        """Check the keystore passphrase again (before showing the words, say), with the same
        counter, delays and wipe as unlocking. UnlockFailed if wrong; a wipe also locks."""
        self._check_open()
        data = _read(self.path)
        size, threshold = len(data), Header.unpack(data).wipe_after_failures  # as saved
        failed = _begin_attempt(self.path, threshold, size, self._ops, self._clock())
        candidate = self._kdf.derive_key(passphrase, self._salt)
        matches = hmac.compare_digest(candidate, self._key)
        wipe(candidate)
        if matches:
            clear_attempts(self.path, self._ops)
            return
        error = _failure(self.path, threshold, failed, size, self._ops)
        if not self.path.exists():
            self.lock()
        raise error

    def change_passphrase(
        self, new_passphrase: str, *, kdf: KdfParams | None = None, kdf_cost_check: bool = True
    ) -> None:
        """Re-encrypt under a new passphrase (fresh salt; the default KDF unless given, which
        also upgrades files made with older parameters) and write atomically."""
        self._check_open()
        if not new_passphrase:
            raise UsageError("the keystore passphrase cannot be empty")
        kdf = kdf or KdfParams()
        if kdf_cost_check:
            kdf.check_cost()
        salt = new_salt()
        new_key = kdf.derive_key(new_passphrase, salt)
        old = (self._key, self._kdf, self._salt)
        self._key, self._kdf, self._salt = new_key, kdf, salt
        try:
            self.save()
        except WrittenNotSynced as exc:
            wipe(old[0])  # the file on disk already uses the new passphrase
            raise WrittenNotSynced(f"the new passphrase is in effect, but {exc}") from None
        except KeystoreError as exc:
            # Nothing replaced: keep encrypting under the passphrase that is on disk.
            self._key, self._kdf, self._salt = old
            wipe(new_key)
            raise KeystoreError(f"the passphrase was not changed: {exc}") from None
        wipe(old[0])

    def lock(self) -> None:
        """Overwrite the mnemonic and key buffers and drop the cached roots. Python may still
        hold copies we cannot reach (docs/keystore.md, "What stays in memory")."""
        if self._locked:
            return
        wipe(self._mnemonic)
        wipe(self._key)
        self._roots.clear()
        self._fingerprint = None
        self.wallet_records = []
        self._locked = True

    def __enter__(self) -> "UnlockedKeystore":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.lock()
