"""Fuzz the keystore loader with mutated keystore files, on the device's own path: the KDF
cost check stays on, so a mutated header cannot make the loader spend unbounded memory.

Each example unlocks a fresh copy (the failure counter lives beside the file). A mutation
must end in an AirsignError (UnlockFailed, NotAKeystore, KeystoreError...), or, if it
touched nothing that matters, open the same seed.
"""

import tempfile
from functools import cache
from pathlib import Path

from fuzzing import check_clean, mutated, scaled
from hypothesis import given
from hypothesis import strategies as st

from signer.errors import AirsignError
from signer.keystore import KdfParams, Keystore

PASSPHRASE = "correct horse battery staple"
MNEMONIC = "legal winner thank year wave sausage worth useful legal winner thank yellow"
CHEAPEST_ALLOWED = KdfParams(memory_kib=KdfParams.MIN_MEMORY_KIB, iterations=1, lanes=1)


@cache
def original() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "keystore"
        Keystore.create(path, MNEMONIC, PASSPHRASE, kdf=CHEAPEST_ALLOWED).lock()
        return path.read_bytes()


def unlock_copy(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "keystore"
        path.write_bytes(data)
        try:
            Keystore.info(path)
        except AirsignError as error:
            check_clean(error)
        try:
            keystore = Keystore.unlock(path, PASSPHRASE)
        except AirsignError as error:
            check_clean(error)
            assert PASSPHRASE not in str(error) and "legal" not in str(error)
        else:
            # ChaCha20-Poly1305 authenticates the header and the ciphertext: whatever
            # opened is the untouched seed.
            assert keystore.mnemonic_words() == MNEMONIC.split()
            keystore.lock()


@scaled(100)
@given(st.deferred(lambda: mutated([original()], max_edits=3)))  # built on first use
def test_fuzz_keystore_file(data: bytes) -> None:
    unlock_copy(data)
