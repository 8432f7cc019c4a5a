"""Durable, atomic file replacement with every file operation injectable (for failure tests).

A write goes: temp file in the same directory (mode 0600) -> write -> fsync -> close ->
rename over the target -> fsync of the directory. A crash at any point leaves either the old
or the new file under the target name; a leftover temp file is removed by the next write.
Callers only ever pass ciphertext or non-secret data, so a leftover never holds plaintext.
"""

import contextlib
import glob
import os
import tempfile
from pathlib import Path

from signer.errors import KeystoreError


class WrittenNotSynced(KeystoreError):
    """The new file replaced the old one, but the directory sync failed: it is in place now
    and may not survive a power cut."""


class FileOps:
    """The operating-system calls an atomic write makes; tests override one to fail."""

    def create_temp(self, directory: Path, prefix: str) -> tuple[int, Path]:
        # mkstemp creates the file with mode 0600 and O_EXCL.
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=directory)
        return fd, Path(name)

    def write(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def close(self, fd: int) -> None:
        os.close(fd)

    def replace(self, source: Path, target: Path) -> None:
        os.replace(source, target)

    def fsync_dir(self, directory: Path) -> None:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def unlink(self, path: Path) -> None:
        os.unlink(path)


def temp_prefix(target: Path) -> str:
    return f".{target.name}.tmp-"


def remove_stale_temps(target: Path, ops: FileOps) -> None:
    """Remove temp files a crashed earlier write left beside `target`."""
    for stale in target.parent.glob(glob.escape(temp_prefix(target)) + "*.tmp"):
        with contextlib.suppress(OSError):
            ops.unlink(stale)


def write_atomic(target: Path, data: bytes, ops: FileOps) -> None:
    """Replace `target` with `data` so that a crash leaves the old or the new content."""
    directory = target.parent
    remove_stale_temps(target, ops)
    try:
        fd, temp = ops.create_temp(directory, temp_prefix(target))
    except OSError as exc:
        raise KeystoreError(f"cannot write {target}: {exc.strerror or exc}") from exc
    fd_open = True
    try:
        ops.write(fd, data)
        ops.fsync(fd)
        fd_open = False  # even if close fails, the descriptor is gone
        ops.close(fd)
        ops.replace(temp, target)
    except OSError as exc:
        if fd_open:
            with contextlib.suppress(OSError):
                ops.close(fd)
        with contextlib.suppress(OSError):
            ops.unlink(temp)
        raise KeystoreError(
            f"cannot write {target}: {exc.strerror or exc}; the previous file is unchanged"
        ) from exc
    sync_directory(directory, ops, f"{target} was written but")


def sync_directory(directory: Path, ops: FileOps, context: str) -> None:
    try:
        ops.fsync_dir(directory)
    except OSError as exc:
        raise WrittenNotSynced(
            f"{context} syncing {directory} failed ({exc.strerror or exc}): "
            "it may not survive a power cut"
        ) from exc


def remove_durably(target: Path, ops: FileOps) -> None:
    """Delete `target` (if present) and sync its directory."""
    try:
        ops.unlink(target)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise KeystoreError(f"cannot remove {target}: {exc.strerror or exc}") from exc
    sync_directory(target.parent, ops, f"{target} was removed but")
