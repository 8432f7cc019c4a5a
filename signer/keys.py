"""BIP-39 mnemonics, the BIP-32 root they give, and the account keys a cosigner exports."""

import hashlib
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from embit.base import EmbitError
from embit.bip32 import HDKey
from embit.wordlists.bip39 import WORDLIST

from signer.errors import InvalidKey, InvalidMnemonic
from signer.network import Network
from signer.scripts import format_path

MNEMONIC_LENGTHS = (12, 15, 18, 21, 24)
_WORD_INDEX = {word: index for index, word in enumerate(WORDLIST)}
_PBKDF2_ROUNDS = 2048  # fixed by BIP-39


def normalise_words(mnemonic: str) -> list[str]:
    """Words as BIP-39 wants them: NFKD, lower case, single-spaced."""
    return unicodedata.normalize("NFKD", mnemonic).lower().split()


def validate_mnemonic(mnemonic: str) -> str:
    """Check an English BIP-39 mnemonic; return it normalised (lower case, single spaces).

    Raises InvalidMnemonic with word_index set for a word not on the list, and without it for
    a wrong word count or a failed checksum.
    """
    words = normalise_words(mnemonic)
    for index, word in enumerate(words):
        if word not in _WORD_INDEX:
            # The word itself stays out of the message: it is (nearly) part of a secret.
            raise InvalidMnemonic(
                f"word {index + 1} is not in the BIP-39 English word list", word_index=index
            )
    if len(words) not in MNEMONIC_LENGTHS:
        raise InvalidMnemonic(f"a mnemonic has 12, 15, 18, 21 or 24 words, not {len(words)}")
    if not _checksum_ok(words):
        raise InvalidMnemonic(
            "the mnemonic's checksum does not match: a word is wrong or the order is off"
        )
    return " ".join(words)


def _checksum_ok(words: list[str]) -> bool:
    bits = 0
    for word in words:
        bits = (bits << 11) | _WORD_INDEX[word]
    checksum_bits = len(words) * 11 // 33
    entropy_bits = len(words) * 11 - checksum_bits
    entropy = (bits >> checksum_bits).to_bytes(entropy_bits // 8, "big")
    expected = hashlib.sha256(entropy).digest()[0] >> (8 - checksum_bits)
    return bits & ((1 << checksum_bits) - 1) == expected


def seed_from_mnemonic(mnemonic: bytes | bytearray, bip39_passphrase: str = "") -> bytes:
    """The 64-byte BIP-39 seed of an already normalised, UTF-8 encoded mnemonic.

    Takes bytes so the keystore can pass its bytearray without making an immutable copy.
    """
    salt = ("mnemonic" + unicodedata.normalize("NFKD", bip39_passphrase)).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha512", mnemonic, salt, _PBKDF2_ROUNDS, 64)


def root_from_seed(seed: bytes) -> HDKey:
    return HDKey.from_seed(seed)


def root_from_mnemonic(mnemonic: str, bip39_passphrase: str = "") -> HDKey:
    """BIP-39 seed (with the optional passphrase) -> BIP-32 private root."""
    normalised = validate_mnemonic(mnemonic)
    return root_from_seed(seed_from_mnemonic(normalised.encode("utf-8"), bip39_passphrase))


def master_fingerprint(root: HDKey) -> bytes:
    """First 4 bytes of HASH160 of the root public key (the "master fingerprint")."""
    return root.my_fingerprint


@dataclass(frozen=True)
class KeyOrigin:
    fingerprint: bytes
    path: tuple[int, ...]

    def __str__(self) -> str:
        # "[73c5da0a/48h/1h/0h/2h]": the descriptor key-origin form.
        return "[" + self.fingerprint.hex() + format_path(self.path)[1:] + "]"


@dataclass(frozen=True)
class AccountKey:
    """What a cosigner exports: its key origin and the account xpub (tpub on test networks)."""

    origin: KeyOrigin
    xpub: str

    def descriptor_key(self) -> str:
        return f"{self.origin}{self.xpub}"


def account_key(root: HDKey, path: Iterable[int], network: Network) -> AccountKey:
    """Derive the account public key at `path` from a private root."""
    if not root.is_private:
        raise InvalidKey("an account key needs the private root")
    path = tuple(path)
    account = root.derive(list(path)).to_public()
    xpub = account.to_base58(version=network.params["xpub"])
    return AccountKey(KeyOrigin(master_fingerprint(root), path), xpub)


def parse_extended_key(text: str) -> HDKey:
    """An xpub/xprv (or tpub/tprv, SLIP-132 variants) with its BIP-32 checks; InvalidKey if bad."""
    try:
        return HDKey.from_string(text.strip())
    except EmbitError as exc:
        raise InvalidKey(f"not a valid extended key: {exc}") from None
    except (ValueError, IndexError):
        raise InvalidKey("not a valid extended key: bad base58 or checksum") from None


def secp256k1_backend() -> str:
    """Which secp256k1 implementation embit loaded: "libsecp256k1" (ctypes) or "pure-python"."""
    from embit.util import secp256k1

    if secp256k1.ec_pubkey_create.__module__.endswith("ctypes_secp256k1"):
        return "libsecp256k1"
    return "pure-python"


def warn_if_slow_backend(stream: TextIO | None = None) -> bool:
    """Warn on stderr when embit fell back to pure-Python secp256k1; True if it did."""
    if secp256k1_backend() == "libsecp256k1":
        return False
    print(
        "WARNING: libsecp256k1 was not found; embit uses its pure-Python fallback, which is "
        "16-37x slower for signing and key derivation. Install libsecp256k1 "
        "(apt-get install libsecp256k1-dev or the wheel's bundled library).",
        file=stream or sys.stderr,
    )
    return True
