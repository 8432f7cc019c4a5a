"""Command-line start-up: `airsign --help` and `airsign COMMAND --help`, wall and CPU time.

Run: .venv/bin/python -m bench.cli

Each line is started as a fresh process the way the `airsign` script does (`from ui.cli import
main`), 10 times; the table gives the median wall time, the median CPU time (user + system of
the child) and the heavy modules the process imported. Target: `airsign --help` <= 100 ms wall
on the development machine, with no numpy, OpenCV or zxing-cpp imported. Wall time depends on
how busy the machine is; CPU time much less.
"""

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNS = 10
HEAVY = ("numpy", "cv2", "zxingcpp", "pyzbar", "qrcode", "embit", "cryptography")
LINES = (("--help",), ("wallet", "--help"), ("decode", "--help"))
PROBE = ("import sys\nfrom ui.cli import main\ntry:\n    main(sys.argv[1:])\n"
         "except SystemExit:\n    pass\n"
         f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n")


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(argv: tuple[str, ...]) -> tuple[float, float, str]:
    """Median wall ms, median CPU ms, and the heavy modules imported."""
    walls, cpus, heavy = [], [], ""
    for _ in range(RUNS):
        cpu = _child_cpu()
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=REPO, text=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((_child_cpu() - cpu) * 1000)
        heavy = result.stderr.strip()
    return statistics.median(walls), statistics.median(cpus), heavy


def main() -> None:
    print(f"CLI start-up (fresh process, median of {RUNS})")
    print(f"{'airsign':<18} {'wall ms':>8} {'cpu ms':>7}  heavy modules imported")
    cpu = _child_cpu()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)  # an empty interpreter, for scale
    print(f"{'(python -c pass)':<18} {(time.perf_counter() - start) * 1000:>8.0f} "
          f"{(_child_cpu() - cpu) * 1000:>7.0f}")
    for argv in LINES:
        wall, cpu_ms, heavy = measure(argv)
        print(f"{' '.join(argv):<18} {wall:>8.0f} {cpu_ms:>7.0f}  {heavy or '-'}")


if __name__ == "__main__":
    main()
