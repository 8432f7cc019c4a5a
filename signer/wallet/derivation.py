"""BIP-32 non-hardened child keys in one HMAC and one libsecp256k1 call.

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
