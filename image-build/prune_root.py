#!/usr/bin/env python3
"""Delete every shared library and program from the staged root that the app cannot reach.

The root filesystem lives in RAM, so what stays is decided by ELF dependencies: the Python
interpreter, every extension module the image keeps, the libraries loaded by name at run time
(KEEP_BY_NAME), and the transitive closure of their DT_NEEDED entries (resolved in the
system library directories and in each file's own RUNPATH/RPATH, e.g. a wheel's bundled
`pillow.libs`). Any other ELF file under /usr and /lib is removed; so are symlinks left
dangling by that. Prints what it kept and removed (sizes) on stderr.

    prune_root.py ROOT
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOTS = ("usr/bin/python3.11",)
# Extension modules whose libraries the device never needs: TLS (no network), Tk, curses,
# databases, and Pillow's AVIF, colour-management and Tk bindings.
DROP_EXTENSIONS = re.compile(
    r"/(_ssl|_tkinter|_curses|_curses_panel|_dbm|_gdbm|_sqlite3|readline|_avif|_imagingcms|"
    r"_imagingtk|_imagingmath|_imagingmorph|_webp)\.[^/]*\.so$"
)
# Loaded with dlopen() rather than linked: libzbar (pyzbar's ctypes), libfribidi (Pillow's
# text layout), libgcc_s (glibc loads it for thread cancellation and unwinding), and ldconfig,
# which ctypes.util.find_library runs to find libzbar.
KEEP_BY_NAME = ("libzbar.so.0", "libfribidi.so.0", "libgcc_s.so.1", "ldconfig")
LIBRARY_DIRS = ("usr/lib/aarch64-linux-gnu", "lib/aarch64-linux-gnu", "usr/lib", "lib")
ELF_MAGIC = b"\x7fELF"


def real(root: Path, path: Path) -> Path:
    """`path` with every symlink and ".." resolved as the image will see it (absolute links
    point into `root`, not into the build host)."""
    parts = list(path.relative_to(root).parts)
    current = root
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            current = current.parent if current != root else root
            continue
        if part == ".":
            continue
        current = current / part
        if current.is_symlink():
            hops += 1
            if hops > 40:
                raise OSError(f"symlink loop at {current}")
            target = os.readlink(current)
            current = root if target.startswith("/") else current.parent
            parts = list(Path(target.lstrip("/")).parts) + parts
    return current


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == ELF_MAGIC
    except OSError:
        return False


def dynamic_entries(path: Path) -> tuple[list[str], list[str]]:
    """DT_NEEDED names and RUNPATH/RPATH directories, from binutils' readelf."""
    output = subprocess.run(["readelf", "-dW", str(path)], capture_output=True, text=True,
                            check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", output)
    paths = re.findall(r"\((?:RUNPATH|RPATH)\)\s+Library (?:runpath|rpath): \[([^\]]+)\]",
                       output)
    return needed, [p for entry in paths for p in entry.split(":")]


def resolve(root: Path, name: str, origin: Path, runpaths: list[str]) -> Path | None:
    candidates = [Path(p.replace("$ORIGIN", str(origin))) if "$ORIGIN" in p
                  else root / p.lstrip("/") for p in runpaths]
    candidates += [root / d for d in LIBRARY_DIRS]
    for directory in candidates:
        path = directory / name
        if path.exists():
            return path
    return None


def main(root: Path) -> int:
    extensions = [p for p in root.rglob("*.so") if "python3" in str(p) and is_elf(p)]
    for path in extensions:
        if DROP_EXTENSIONS.search(str(path)):
            path.unlink()
    roots = [root / r for r in ROOTS] + [p for p in extensions if p.exists()]
    for name in KEEP_BY_NAME:
        roots += [p for d in (*LIBRARY_DIRS, "sbin", "usr/sbin") for p in (root / d).glob(name)]
    keep: set[Path] = set()
    pending = [real(root, p) for p in roots]
    while pending:
        path = pending.pop()
        if path in keep:
            continue
        keep.add(path)
        needed, runpaths = dynamic_entries(path)
        for name in needed:
            found = resolve(root, name, path.parent, runpaths)
            if found is None:
                print(f"prune_root: {path.relative_to(root)} needs {name}: not found",
                      file=sys.stderr)
                return 1
            pending.append(real(root, found))
    removed = 0
    for directory in ("usr", "lib", "bin", "sbin"):
        base = root / directory
        if base.is_symlink() or not base.exists():
            continue
        for path in base.rglob("*"):
            if path.is_file() and not path.is_symlink() and is_elf(path) \
                    and real(root, path) not in keep:
                removed += path.stat().st_size
                path.unlink()
    for path in list(root.rglob("*")):
        if path.is_symlink() and not real(root, path).exists():
            path.unlink()
    kept = sum(p.stat().st_size for p in keep)
    print(f"prune_root: kept {len(keep)} ELF files ({kept / 2**20:.1f} MiB), removed "
          f"{removed / 2**20:.1f} MiB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]).resolve()))
