"""Keystore.wipe: the file's bytes are overwritten in place before it is deleted (seen here
through a hard link to the same inode), and the failed-attempts counter goes with it."""

import os
from pathlib import Path

import pytest
from conftest import CHEAP_KDF
from independent.cosigners import MNEMONICS

from signer.errors import KeystoreNotFound, UnlockFailed
from signer.keystore import Keystore
from signer.keystore.attempts import attempts_path


def test_wipe_overwrites_then_removes_the_keystore_and_its_counter(tmp_path: Path) -> None:
    path = tmp_path / "keystore"
    Keystore.create(path, MNEMONICS[1], "passphrase", kdf=CHEAP_KDF, kdf_cost_check=False).lock()
    with pytest.raises(UnlockFailed):
        Keystore.unlock(path, "wrong", kdf_cost_check=False)
    assert attempts_path(path).exists()
    original = path.read_bytes()
    same_inode = tmp_path / "link"
    os.link(path, same_inode)
    Keystore.wipe(path)
    assert not path.exists() and not attempts_path(path).exists()
    left = same_inode.read_bytes()
    assert len(left) == len(original)
    assert sum(a == b for a, b in zip(left, original, strict=True)) < len(original) // 16


def test_wipe_without_a_keystore_says_so(tmp_path: Path) -> None:
    with pytest.raises(KeystoreNotFound):
        Keystore.wipe(tmp_path / "nothing")
