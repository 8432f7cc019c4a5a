"""Our public key at any BIP-32 path from the root, every step derived once.

A PSBT may name thousands of paths that share their first steps (every address of an account)
or, when hostile, hundreds of steps deep. Deriving each path from the root with embit costs
one HDKey (and a base58 check) per step, for every path again. KeyTree keeps the derived
steps as a prefix tree for the length of one review, so a path costs only the steps no
earlier path took: the loader bounds how many distinct steps a PSBT can ask for
(signer.psbt.MAX_DERIVATION_STEPS), and so the whole cost.
"""

import hashlib
import hmac
from collections.abc import Sequence

from embit.bip32 import HDKey
from embit.util import secp256k1

from signer.scripts import HARDENED


class _Node:
    """One derived private key: its secret, chain code, public key and derived children."""

    __slots__ = ("secret", "chain_code", "children", "_sec")

    def __init__(self, secret: bytes, chain_code: bytes):
        self.secret = secret
        self.chain_code = chain_code
        self.children: dict[int, _Node] = {}
        self._sec: bytes | None = None

    @property
    def sec(self) -> bytes:
        if self._sec is None:
            self._sec = secp256k1.ec_pubkey_serialize(secp256k1.ec_pubkey_create(self.secret))
        return self._sec

    def child(self, index: int) -> "_Node":
        """BIP-32 CKDpriv, once per (node, index)."""
        node = self.children.get(index)
        if node is None:
            parent = b"\x00" + self.secret if index >= HARDENED else self.sec
            digest = hmac.new(self.chain_code, parent + index.to_bytes(4, "big"),
                              hashlib.sha512).digest()
            node = _Node(secp256k1.ec_privkey_add(self.secret, digest[:32]), digest[32:])
            self.children[index] = node
        return node


class KeyTree:
    """Public keys (SEC) of one private root at any path, with a shared prefix cache."""

    def __init__(self, root: HDKey):
        if not root.is_private:
            raise ValueError("KeyTree derives hardened steps: it needs a private root")
        self._root = _Node(root.key.secret, root.chain_code)

    def public_key(self, path: Sequence[int]) -> bytes:
        """The compressed public key at root/path (x-only: drop the first byte)."""
        node = self._root
        for index in path:
            node = node.child(index)
        return node.sec
