"""Atomic, durable writes: a failure at every file operation leaves the old or the new
keystore readable, never neither, and never plaintext in a leftover temp file."""

import os
from pathlib import Path

import pytest
from conftest import CHEAP_KDF

from signer.errors import KeystoreError, UnlockFailed
from signer.keystore import FileOps, Keystore, UnlockedKeystore

ABANDON = "abandon " * 11 + "about"
ZOO = "zoo " * 11 + "wrong"
STEPS = ["create_temp", "write", "fsync", "close", "replace", "fsync_dir"]
# Before the rename the old file must survive; after it the new one is in place.
NEW_AFTER = {"fsync_dir"}


class InjectedFailure(OSError):
    pass


class FailingOps(FileOps):
    """Real file operations, except that `step` raises (and unlink too, if asked: a crash
    that leaves the temp file behind)."""

    def __init__(self, step: str, *, unlink_fails: bool = False) -> None:
        self.step = step
        self.unlink_fails = unlink_fails
        self.armed = True
        self.temp_modes: list[int] = []

    def _maybe_fail(self, step: str) -> None:
        if self.armed and step == self.step:
            raise InjectedFailure(5, f"injected failure in {step}")

    def create_temp(self, directory: Path, prefix: str) -> tuple[int, Path]:
        self._maybe_fail("create_temp")
        fd, temp = super().create_temp(directory, prefix)
        self.temp_modes.append(os.stat(temp).st_mode & 0o777)
        return fd, temp

    def write(self, fd: int, data: bytes) -> None:
        if self.armed and self.step == "write":
            super().write(fd, data[: len(data) // 2])  # a short write, then the error
        self._maybe_fail("write")
        super().write(fd, data)

    def fsync(self, fd: int) -> None:
        self._maybe_fail("fsync")
        super().fsync(fd)

    def close(self, fd: int) -> None:
        if self.armed and self.step == "close":
            super().close(fd)  # the descriptor is gone even when close reports an error
        self._maybe_fail("close")
        super().close(fd)

    def replace(self, source: Path, target: Path) -> None:
        self._maybe_fail("replace")
        super().replace(source, target)

    def fsync_dir(self, directory: Path) -> None:
        self._maybe_fail("fsync_dir")
        super().fsync_dir(directory)

    def unlink(self, path: Path) -> None:
        if self.armed and self.unlink_fails:
            raise InjectedFailure(5, "injected unlink failure")
        super().unlink(path)


def temps(directory: Path) -> list[Path]:
    return sorted(directory.glob(".*.tmp"))


def keystore_with(path: Path, ops: FileOps, records: list[dict]) -> UnlockedKeystore:
    ks = Keystore.create(path, ABANDON, "pw", kdf=CHEAP_KDF, kdf_cost_check=False, file_ops=ops)
    ks.wallet_records[:] = records
    ks.save()
    return ks


def records_on_disk(path: Path, passphrase: str = "pw") -> list[dict]:
    with Keystore.unlock(path, passphrase, kdf_cost_check=False) as ks:
        return list(ks.wallet_records)


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("unlink_fails", [False, True], ids=["cleaned", "crash-leftover"])
def test_save_failure_keeps_old_or_new(tmp_path: Path, step: str, unlink_fails: bool) -> None:
    path = tmp_path / "keystore"
    ops = FailingOps(step, unlink_fails=unlink_fails)
    ops.armed = False
    ks = keystore_with(path, ops, [{"name": "old"}])
    ks.wallet_records[:] = [{"name": "new"}]
    ops.armed = True
    with pytest.raises(KeystoreError) as caught:
        ks.save()
    assert "\n" not in str(caught.value)
    ops.armed = False

    expected = [{"name": "new"}] if step in NEW_AFTER else [{"name": "old"}]
    assert records_on_disk(path) == expected
    leftovers = temps(tmp_path)
    if unlink_fails and step in ("write", "fsync", "close", "replace"):
        assert len(leftovers) == 1
    else:
        assert leftovers == []
    for leftover in leftovers:
        content = leftover.read_bytes()
        assert b"abandon" not in content and b"settings" not in content and b"new" not in content

    # The next write removes what a crash left and succeeds.
    ks.save()
    assert temps(tmp_path) == []
    assert records_on_disk(path) == [{"name": "new"}]
    ks.lock()


@pytest.mark.parametrize("step", STEPS)
def test_replace_failure_keeps_old_or_new_seed(tmp_path: Path, step: str) -> None:
    path = tmp_path / "keystore"
    keystore_with(path, FileOps(), []).lock()
    ops = FailingOps(step)
    with pytest.raises(KeystoreError):
        Keystore.create(
            path, ZOO, "new pw", replace=True, kdf=CHEAP_KDF, kdf_cost_check=False, file_ops=ops
        )
    ops.armed = False
    try:
        ks = Keystore.unlock(path, "pw", kdf_cost_check=False)
        assert step not in NEW_AFTER
        assert ks.mnemonic_words() == ABANDON.split()
    except UnlockFailed:
        assert step in NEW_AFTER
        ks = Keystore.unlock(path, "new pw", kdf_cost_check=False)
        assert ks.mnemonic_words() == ZOO.split()
    ks.lock()
    assert temps(tmp_path) == []


@pytest.mark.parametrize("step", STEPS)
def test_first_create_failure_leaves_nothing_or_the_new_keystore(tmp_path: Path, step: str) -> None:
    path = tmp_path / "keystore"
    with pytest.raises(KeystoreError):
        Keystore.create(
            path, ABANDON, "pw", kdf=CHEAP_KDF, kdf_cost_check=False, file_ops=FailingOps(step)
        )
    if step in NEW_AFTER:
        assert records_on_disk(path) == []
    else:
        assert not path.exists()
    assert temps(tmp_path) == []


def test_temp_files_are_created_private(tmp_path: Path) -> None:
    ops = FailingOps("none")
    keystore_with(tmp_path / "keystore", ops, []).lock()
    assert ops.temp_modes and set(ops.temp_modes) == {0o600}


def test_failed_counter_write_refuses_the_attempt(tmp_path: Path) -> None:
    """If the failure counter cannot be recorded, the passphrase is not tried at all."""
    path = tmp_path / "keystore"
    keystore_with(path, FileOps(), []).lock()
    with pytest.raises(KeystoreError, match="keystore.attempts"):
        Keystore.unlock(path, "pw", kdf_cost_check=False, file_ops=FailingOps("replace"))
    assert Keystore.info(path).failed_attempts == 0


@pytest.mark.parametrize("step", STEPS)
def test_passphrase_change_failure_leaves_a_consistent_keystore(tmp_path: Path, step: str) -> None:
    """Whatever fails, the passphrase the object encrypts under is the one on disk."""
    path = tmp_path / "keystore"
    ops = FailingOps(step)
    ops.armed = False
    ks = keystore_with(path, ops, [{"name": "w"}])
    ops.armed = True
    with pytest.raises(KeystoreError) as caught:
        ks.change_passphrase("new pw", kdf=CHEAP_KDF, kdf_cost_check=False)
    ops.armed = False
    on_disk = "new pw" if step in NEW_AFTER else "pw"
    said = "new passphrase is in effect" if step in NEW_AFTER else "passphrase was not changed"
    assert said in str(caught.value)
    ks.save()  # a later save must not switch passphrases behind the user's back
    ks.lock()
    assert records_on_disk(path, on_disk) == [{"name": "w"}]
    other = "pw" if on_disk == "new pw" else "new pw"
    with pytest.raises(UnlockFailed):
        Keystore.unlock(path, other, kdf_cost_check=False)
