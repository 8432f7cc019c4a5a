"""BIP-32 child keys in one HMAC and one libsecp256k1 call.

embit's HDKey.child returns an HDKey, whose constructor base58-encodes the new key as a
check: that costs more than the derivation itself. Review, address checks and signing take
one child per input or output from the same chain key (account/0 or account/1), so they keep
a ChainKey for each chain and derive children from it directly.
"""

import hashlib
import hmac
from dataclasses import dataclass

from embit.bip32 import HDKey
from embit.ec import PrivateKey, PublicKey
from embit.util import secp256k1

from signer.scripts import HARDENED


@dataclass(frozen=True)
class ChainKey:
    """A parent key's chain code and public key, ready for non-hardened children."""

    chain_code: bytes
    sec: bytes
    point: bytes  # the public key parsed once, in libsecp256k1's internal form

    @classmethod
    def of(cls, key: HDKey) -> "ChainKey":
        sec = key.sec()
        return cls(key.chain_code, sec, secp256k1.ec_pubkey_parse(sec))

    def tweak(self, index: int) -> bytes:
        """I_L of BIP-32 CKD for child `index`: what the child adds to the parent key."""
        if not 0 <= index < HARDENED:
            raise ValueError(f"index {index} is not a non-hardened child index")
        data = self.sec + index.to_bytes(4, "big")
        return hmac.new(self.chain_code, data, hashlib.sha512).digest()[:32]

    def public_child(self, index: int) -> PublicKey:
        """CKDpub: the parent point plus I_L times G."""
        return PublicKey(secp256k1.ec_pubkey_add(self.point, self.tweak(index)))

    def private_child(self, parent_secret: bytes, index: int) -> PrivateKey:
        """CKDpriv for a non-hardened index: parent secret plus I_L, mod n."""
        return PrivateKey(secp256k1.ec_privkey_add(self.tweak(index), parent_secret))


@dataclass(frozen=True)
class PrivateNode:
    """A private key and chain code, for walking many hardened paths without embit's HDKey
    (whose constructor and fingerprint cost more than the derivation)."""

    secret: bytes
    chain_code: bytes

    @classmethod
    def of(cls, key: HDKey) -> "PrivateNode":
        return cls(key.key.serialize(), key.chain_code)

    def hardened_child(self, index: int) -> "PrivateNode":
        """CKDpriv for child index + 2^31."""
        data = b"\x00" + self.secret + (index + HARDENED).to_bytes(4, "big")
        raw = hmac.new(self.chain_code, data, hashlib.sha512).digest()
        return PrivateNode(secp256k1.ec_privkey_add(raw[:32], self.secret), raw[32:])

    def sec(self) -> bytes:
        return secp256k1.ec_pubkey_serialize(secp256k1.ec_pubkey_create(self.secret))
