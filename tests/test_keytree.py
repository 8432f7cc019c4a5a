"""KeyTree: our public key at any path, against BIP-32's vectors and embit's derivation, with
every step derived once."""

import hashlib
import hmac

import pytest
from conftest import load_vectors
from embit import base58
from embit.bip32 import HDKey
from hypothesis import given, settings
from hypothesis import strategies as st

import signer.wallet.keytree as keytree_module
from signer.scripts import HARDENED
from signer.wallet.keytree import KeyTree

BIP32 = load_vectors("bip32/bip32_vectors.json")["valid"]
ROOT = HDKey.from_seed(bytes(range(32)))


def _steps(path: str) -> list[int]:
    return [int(step.rstrip("'")) + (HARDENED if step.endswith("'") else 0)
            for step in path.split("/")[1:]]


@pytest.mark.parametrize("vector", BIP32, ids=lambda v: f"vector-{v['vector']}")
def test_bip32_vectors(vector: dict) -> None:
    tree = KeyTree(HDKey.from_seed(bytes.fromhex(vector["seed_hex"])))
    for chain in vector["chains"]:
        expected = base58.decode_check(chain["ext_pub"])[-33:]  # the key ends the xpub
        assert tree.public_key(_steps(chain["path"])) == expected, chain["path"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1) | st.integers(0, 3) | st.integers(HARDENED,
                                                                             HARDENED + 3),
                max_size=12))
def test_any_path_agrees_with_embit(path: list[int]) -> None:
    assert KeyTree(ROOT).public_key(path) == ROOT.derive(path).key.sec()


def test_each_step_is_derived_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = hmac.new

    def counting_hmac(key: bytes, message: bytes, digest: object) -> hmac.HMAC:
        calls.append(message)
        return original(key, message, hashlib.sha512)

    monkeypatch.setattr(keytree_module.hmac, "new", counting_hmac)
    tree = KeyTree(ROOT)
    deep = [HARDENED + 48, 1, *range(200)]
    tree.public_key(deep)
    assert len(calls) == 202
    tree.public_key(deep)  # the same path again: nothing new
    tree.public_key(deep[:100])  # a prefix: nothing new
    assert len(calls) == 202
    tree.public_key([*deep[:150], 7])  # shares 150 steps: one new
    assert len(calls) == 203


def test_a_public_root_is_refused() -> None:
    with pytest.raises(ValueError):
        KeyTree(ROOT.to_public())
