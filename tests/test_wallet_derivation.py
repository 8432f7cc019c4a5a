"""Cheap BIP-32 children (signer.wallet.derivation) against the BIP-32 vectors and embit."""

import pytest
from conftest import load_vectors
from embit.bip32 import HDKey
from hypothesis import given
from hypothesis import strategies as st
from wallet_kit import root

from signer.scripts import HARDENED, parse_path
from signer.wallet.derivation import ChainKey

VALID = load_vectors("bip32/bip32_vectors.json")["valid"]
# Every step of the BIP-32 vectors to a non-hardened child: (parent, child, index).
PUBLIC_STEPS = [
    (parent, child, parse_path(child["path"])[-1])
    for vector in VALID
    for parent, child in zip(vector["chains"], vector["chains"][1:], strict=False)
    if parse_path(child["path"])[-1] < HARDENED
]


def test_the_vectors_have_public_steps() -> None:
    assert len(PUBLIC_STEPS) >= 4


@pytest.mark.parametrize("parent, child, index", PUBLIC_STEPS)
def test_bip32_vector_children(parent: dict, child: dict, index: int) -> None:
    expected_pub = HDKey.from_base58(child["ext_pub"])
    expected_prv = HDKey.from_base58(child["ext_prv"])
    from_public = ChainKey.of(HDKey.from_base58(parent["ext_pub"]))
    assert from_public.public_child(index).sec() == expected_pub.key.sec()
    parent_private = HDKey.from_base58(parent["ext_prv"])
    from_private = ChainKey.of(parent_private)
    assert from_private == from_public  # the chain code and public key only: no secret
    child_key = from_private.private_child(parent_private.key.secret, index)
    assert child_key.secret == expected_prv.key.secret


@given(cosigner=st.integers(0, 4), chain=st.integers(0, 1), index=st.integers(0, HARDENED - 1))
def test_children_equal_embit_hdkey_child(cosigner: int, chain: int, index: int) -> None:
    chain_private = root(cosigner).derive([48 + HARDENED, 1 + HARDENED, HARDENED, chain])
    chain_key = ChainKey.of(chain_private)
    expected = chain_private.child(index)
    assert chain_key.public_child(index).sec() == expected.key.sec()
    assert chain_key.private_child(chain_private.key.secret, index).secret == expected.key.secret


@pytest.mark.parametrize("index", [-1, HARDENED, HARDENED + 5])
def test_hardened_or_negative_index_refused(index: int) -> None:
    with pytest.raises(ValueError, match="non-hardened"):
        ChainKey.of(root(0)).tweak(index)
