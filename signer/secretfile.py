"""Files that hold a secret (a seed's words, a SeedQR image): the one way airsign writes them.

Each is created with mode 0600 (never readable by other users, whatever the umask),
exclusively (O_EXCL: an existing file is never overwritten, so nothing else ends up holding
or revealing the secret) and without following a symbolic link (O_NOFOLLOW: a link planted
at that name cannot redirect the secret to a file of the attacker's choosing).
"""

import os
from pathlib import Path

from signer.errors import UsageError

SECRET_FILE_MODE = 0o600
SECRET_DIR_MODE = 0o700
_CREATE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                 | getattr(os, "O_CLOEXEC", 0))


def write_secret_file(path: str | Path, data: bytes) -> None:
    """Create `path` holding `data`; UsageError if it exists (even as a link) or cannot be
    written. A failed write removes the partial file."""
    target = Path(path).expanduser()
    try:
        fd = os.open(target, _CREATE_FLAGS, SECRET_FILE_MODE)
    except FileExistsError:
        raise UsageError(f"{target} already exists: a file that may hold the seed is only "
                         "ever written as a new file, choose another name") from None
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        target.unlink(missing_ok=True)
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    os.close(fd)


def make_secret_dir(path: str | Path) -> Path:
    """A directory for secret files: created 0700 if missing; an existing one must be a real
    directory (not a link), and its files are still each created exclusively."""
    folder = Path(path).expanduser()
    try:
        folder.mkdir(mode=SECRET_DIR_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {folder}: {exc.strerror or exc}") from None
    if folder.is_symlink() or not folder.is_dir():
        raise UsageError(f"{folder} is not a plain directory: secret files are not written "
                         "through links")
    return folder
