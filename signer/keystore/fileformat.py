"""The keystore file: an authenticated binary header followed by ChaCha20-Poly1305 ciphertext.

Layout (all integers big-endian), 78 bytes of header then the ciphertext:

    magic "AIRSIGNK" | version u16 | kdf id u8 | aead id u8 | memory KiB u32 | iterations u32
    | lanes u32 | created u64 | modified u64 | wipe-after-failures u32 | salt 16 | nonce 12

The whole header is the AEAD's associated data, so changing any field (KDF parameters, wipe
threshold, times) makes decryption fail. The plaintext is a fixed 258-byte mnemonic field
(u16 length + the words padded with zeros, so the file size does not tell 12 from 24 words)
followed by UTF-8 JSON {"settings": ..., "wallets": [...]}.
"""

import json
import os
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from signer.errors import KeystoreError, NotAKeystore, UnlockFailed

MAGIC = b"AIRSIGNK"
VERSION = 1
KDF_ARGON2ID = 1
AEAD_CHACHA20_POLY1305 = 1  # no AES instructions on the Pi's Cortex-A53: ChaCha is faster
AEAD_NAME = "ChaCha20-Poly1305"  # what `keystore info`, the README and the SD card's README say
_HEADER = struct.Struct(">8sHBBIIIQQI16s12s")
HEADER_SIZE = _HEADER.size
SALT_SIZE = 16
NONCE_SIZE = 12
KEY_SIZE = 32
TAG_SIZE = 16
MNEMONIC_FIELD = 256  # the longest English 24-word mnemonic is 215 bytes
_PLAINTEXT_MIN = 2 + MNEMONIC_FIELD + 2  # "{}" is the shortest JSON body


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The default is calibrated for about 1-2 s on a Pi Zero 2 W (docs)."""

    memory_kib: int = 64 * 1024
    iterations: int = 2
    lanes: int = 1

    # A hostile file must not make unlocking trivially cheap or exhaust the Pi's 512 MB.
    MIN_MEMORY_KIB = 64 * 1024
    MAX_MEMORY_KIB = 256 * 1024
    MAX_ITERATIONS = 16
    MAX_LANES = 8
    MAX_WORK = 1024 * 1024  # memory KiB x iterations: 8x the default, ~8-14 s on a Pi Zero 2 W

    def check_cost(self) -> None:
        """Refuse parameters that are absurdly weak or absurdly expensive."""
        if (
            self.memory_kib > self.MAX_MEMORY_KIB
            or self.iterations > self.MAX_ITERATIONS
            or self.lanes > self.MAX_LANES
            or self.memory_kib * self.iterations > self.MAX_WORK
        ):
            raise KeystoreError(
                f"refusing keystore KDF parameters ({self.describe()}): too expensive for "
                "this device"
            )
        if self.memory_kib < self.MIN_MEMORY_KIB or self.iterations < 1:
            raise KeystoreError(
                f"refusing keystore KDF parameters ({self.describe()}): too weak to protect "
                "the seed"
            )

    def check_valid(self) -> None:
        """Parameters Argon2id accepts at all (checked even when the cost check is off)."""
        if self.lanes < 1 or self.iterations < 1 or self.memory_kib < 8 * self.lanes:
            raise KeystoreError(f"invalid Argon2id parameters ({self.describe()})")

    def describe(self) -> str:
        memory = (
            f"{self.memory_kib // 1024} MiB"
            if self.memory_kib % 1024 == 0
            else f"{self.memory_kib} KiB"
        )
        return (
            f"Argon2id, {memory}, {self.iterations} iterations, "
            f"{self.lanes} lane{'s' if self.lanes != 1 else ''}"
        )

    def derive_key(self, passphrase: str, salt: bytes) -> bytearray:
        """The 32-byte file key, in a bytearray the caller overwrites when done."""
        self.check_valid()
        key = bytearray(KEY_SIZE)
        secret = bytearray(passphrase.encode("utf-8"))
        try:
            Argon2id(
                salt=salt,
                length=KEY_SIZE,
                iterations=self.iterations,
                lanes=self.lanes,
                memory_cost=self.memory_kib,
            ).derive_into(secret, key)
        finally:
            wipe(secret)
        return key


@dataclass(frozen=True)
class Header:
    version: int
    kdf: KdfParams
    created: int  # unix seconds
    modified: int
    wipe_after_failures: int
    salt: bytes
    nonce: bytes

    def pack(self) -> bytes:
        return _HEADER.pack(
            MAGIC,
            self.version,
            KDF_ARGON2ID,
            AEAD_CHACHA20_POLY1305,
            self.kdf.memory_kib,
            self.kdf.iterations,
            self.kdf.lanes,
            self.created,
            self.modified,
            self.wipe_after_failures,
            self.salt,
            self.nonce,
        )

    @classmethod
    def unpack(cls, data: bytes) -> "Header":
        if data[: len(MAGIC)] != MAGIC[: len(data)] or not data:
            raise NotAKeystore("this file is not an airsign keystore")
        if len(data) < HEADER_SIZE:
            raise KeystoreError("the keystore file is truncated (its header is incomplete)")
        (
            magic,
            version,
            kdf_id,
            aead_id,
            memory,
            iterations,
            lanes,
            created,
            modified,
            wipe_after,
            salt,
            nonce,
        ) = _HEADER.unpack_from(data)
        if version != VERSION:
            raise NotAKeystore(
                f"keystore format version {version} is not supported (this airsign reads "
                f"version {VERSION})"
            )
        if kdf_id != KDF_ARGON2ID or aead_id != AEAD_CHACHA20_POLY1305:
            raise NotAKeystore(f"unknown keystore cipher suite (kdf {kdf_id}, aead {aead_id})")
        return cls(
            version,
            KdfParams(memory, iterations, lanes),
            created,
            modified,
            wipe_after,
            salt,
            nonce,
        )


@dataclass
class Contents:
    """The decrypted part. mnemonic is a bytearray so lock() can overwrite it."""

    mnemonic: bytearray
    settings: dict[str, Any]
    wallets: list[dict[str, Any]]


def wipe(buffer: bytearray) -> None:
    buffer[:] = bytes(len(buffer))


def new_salt() -> bytes:
    return os.urandom(SALT_SIZE)


def new_nonce() -> bytes:
    return os.urandom(NONCE_SIZE)


def seal(header: Header, key: bytearray, contents: Contents) -> bytes:
    """The whole file: header + AEAD(plaintext, aad=header)."""
    if len(contents.mnemonic) > MNEMONIC_FIELD:
        raise KeystoreError("mnemonic too long for the keystore")
    try:
        body = json.dumps(
            {"settings": contents.settings, "wallets": contents.wallets},
            separators=(",", ":"),
            allow_nan=False,
        ).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise KeystoreError(f"cannot store the wallet records: {exc}") from None
    plaintext = bytearray(2 + MNEMONIC_FIELD + len(body))
    try:
        plaintext[0:2] = len(contents.mnemonic).to_bytes(2, "big")
        plaintext[2 : 2 + len(contents.mnemonic)] = contents.mnemonic
        plaintext[2 + MNEMONIC_FIELD :] = body
        aad = header.pack()
        return aad + ChaCha20Poly1305(key).encrypt(header.nonce, plaintext, aad)
    finally:
        wipe(plaintext)


def open_sealed(data: bytes, header: Header, key: bytearray) -> Contents:
    """Decrypt and parse; UnlockFailed for a wrong key or any damage to header or ciphertext."""
    aad = data[:HEADER_SIZE]
    try:
        plaintext = bytearray(ChaCha20Poly1305(key).decrypt(header.nonce, data[HEADER_SIZE:], aad))
    except InvalidTag:
        raise UnlockFailed("wrong passphrase, or the keystore file is damaged") from None
    try:
        length = int.from_bytes(plaintext[0:2], "big")
        if length > MNEMONIC_FIELD or len(plaintext) < _PLAINTEXT_MIN:
            raise ValueError("bad mnemonic field")
        body = json.loads(plaintext[2 + MNEMONIC_FIELD :].decode("utf-8"))
        settings, wallets = body["settings"], body["wallets"]
        if not isinstance(settings, dict) or not isinstance(wallets, list):
            raise ValueError("bad body")
        mnemonic = bytearray(plaintext[2 : 2 + length])
    except (ValueError, KeyError, TypeError):
        raise KeystoreError("the keystore decrypted but its contents are unreadable") from None
    finally:
        wipe(plaintext)
    return Contents(mnemonic, settings, wallets)


def check_length(data: bytes) -> None:
    if len(data) < HEADER_SIZE + _PLAINTEXT_MIN + TAG_SIZE:
        raise KeystoreError("the keystore file is truncated")
