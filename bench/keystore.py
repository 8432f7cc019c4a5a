"""Keystore unlock cost: time and peak memory here, and the projected Pi Zero 2 W time.

Each unlock runs in a fresh child process so its peak RSS is its own. The projection divides
by nothing clever: it multiplies by PI_ZERO_2W_SLOWDOWN, the assumed ratio justified in
docs/keystore.md ("KDF calibration").
"""

import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from signer.keystore import KdfParams, Keystore

PI_ZERO_2W_SLOWDOWN = 12.0  # assumed: this x86 core : Pi Zero 2 W core (arm64), range 8-20
PI_TARGET_SECONDS = (1.0, 2.0)
RUNS = 5
MNEMONIC = "abandon " * 11 + "about"
PASSPHRASE = "bench passphrase"
CANDIDATES = [
    KdfParams(64 * 1024, 1, 1),
    KdfParams(),  # the default
    KdfParams(64 * 1024, 3, 1),
    KdfParams(128 * 1024, 1, 1),
    KdfParams(128 * 1024, 2, 1),
]


def measure_child(path: Path) -> tuple[float, int]:
    """(unlock seconds, peak RSS growth in KiB) for one unlock, in a fresh process."""
    # VmHWM (peak RSS) rather than ru_maxrss, which Linux carries over from the parent
    # across fork+exec.
    code = (
        "import pathlib, time\n"
        "from signer.keystore import Keystore\n"
        "def peak():\n"
        "    status = pathlib.Path('/proc/self/status').read_text()\n"
        "    return int(status.split('VmHWM:')[1].split()[0])\n"
        "before = peak()\n"
        "start = time.perf_counter()\n"
        f"Keystore.unlock(pathlib.Path({str(path)!r}), {PASSPHRASE!r}).lock()\n"
        "elapsed = time.perf_counter() - start\n"
        "print(elapsed, peak() - before)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    seconds, kib = result.stdout.split()
    return float(seconds), int(kib)


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    for line in lines:
        if line.startswith(("model name", "Model")):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main() -> None:
    print(
        f"Keystore unlock (Argon2id + ChaCha20-Poly1305), median of {RUNS} runs in fresh "
        f"processes; Pi Zero 2 W projected at {PI_ZERO_2W_SLOWDOWN:g}x"
    )
    header = f"{'KDF':<42} {'here s':>7} {'peak MiB':>8} {'Pi 02W s':>8}  note"
    print(header)
    print("-" * len(header))
    default = KdfParams()
    with tempfile.TemporaryDirectory() as directory:
        for index, kdf in enumerate(CANDIDATES):
            path = Path(directory) / f"ks{index}"
            Keystore.create(path, MNEMONIC, PASSPHRASE, kdf=kdf).lock()
            samples = [measure_child(path) for _ in range(RUNS)]
            seconds = statistics.median(s for s, _ in samples)
            peak_mib = max(k for _, k in samples) / 1024
            projected = seconds * PI_ZERO_2W_SLOWDOWN
            low, high = PI_TARGET_SECONDS
            notes = []
            if kdf == default:
                notes.append("DEFAULT")
            notes.append("in target" if low <= projected <= high else "outside 1-2 s")
            print(
                f"{kdf.describe():<42} {seconds:>7.3f} {peak_mib:>8.0f} {projected:>8.2f}  "
                + ", ".join(notes)
            )
    print(
        f"peak MiB: growth of the unlocking process's peak RSS; measured "
        f"{time.strftime('%Y-%m-%d %H:%M')} on {platform.machine()} ({cpu_model()})"
    )


if __name__ == "__main__":
    main()
