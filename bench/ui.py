"""UI timings: start-up to the first screen, and render time of every screen per size.

Run: .venv/bin/python -m bench.ui

Start-up is measured in a fresh interpreter (python -c) that imports the app and renders the
unlock screen, as `airsign run` does before anything else. Targets (Pi Zero 2 W, about 10x
slower than a desktop core): first screen <= 1.5 s there, so <= 0.15 s here; every screen
renders in <= 5 ms here (<= 50 ms on the Pi, 20 fps), the camera preview included.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIRST_SCREEN = """
import time
start = time.perf_counter()
from ui.app import run_app
from ui.screens.keyboard import KeyboardScreen, KeyboardView
from ui.widgets import Chrome
KeyboardScreen(KeyboardView("Unlock", "Keystore passphrase", masked=True)).render(
    (240, 240), Chrome())
print(time.perf_counter() - start)
"""
SIZES = ((240, 240), (320, 240), (480, 320))
RUNS = 20


def first_screen_seconds() -> tuple[float, float]:
    """(import + render inside the process, whole process wall time), best of 3."""
    inner, outer = [], []
    for _ in range(3):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", FIRST_SCREEN], capture_output=True,
                             text=True, check=True).stdout
        outer.append(time.perf_counter() - start)
        inner.append(float(out))
    return min(inner), min(outer)


def airsign_run_seconds() -> float:
    """Wall time of `airsign run` from a cold interpreter to its first screen and exit (PNG
    display, a one-pause key script, no keystore: the first-run screen), best of 3."""
    with tempfile.TemporaryDirectory() as scratch:
        keys = Path(scratch) / "keys.txt"
        keys.write_text("none\n")
        environment = {**os.environ, "AIRSIGN_KEYSTORE": f"{scratch}/keystore"}
        times = []
        for run in range(3):
            # A new PNG directory each time: the display never overwrites a session GIF.
            command = [sys.executable, "-m", "ui.cli", "run", "--display",
                       f"png:{scratch}/out{run}", "--input", f"script:{keys}"]
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True, env=environment)
            times.append(time.perf_counter() - start)
    return min(times)


def render_ms(name: str, size: tuple[int, int]) -> float:
    from ui.screens.gallery import CHROME, SCREENS

    screen = SCREENS[name]()
    screen.render(size, CHROME)  # fonts and QR encoder warm, as on a running device
    start = time.perf_counter()
    for _ in range(RUNS):
        screen.render(size, CHROME)
    return (time.perf_counter() - start) / RUNS * 1000


def main() -> None:
    from ui.screens.gallery import SCREENS

    inner, outer = first_screen_seconds()
    print(f"first screen: {inner * 1000:.0f} ms in process, {outer * 1000:.0f} ms with "
          "interpreter start")
    print(f"airsign run: {airsign_run_seconds() * 1000:.0f} ms to the first screen and exit")
    print()
    header = "screen".ljust(18) + "".join(f"{w}x{h} ms".rjust(12) for w, h in SIZES)
    print(header)
    print("-" * len(header))
    for name in SCREENS:
        cells = "".join(f"{render_ms(name, size):12.2f}" for size in SIZES)
        print(name.ljust(18) + cells)


if __name__ == "__main__":
    main()
