"""Seed ceremony timings: the which-word-is-wrong search, the final-word list, the camera
health check and SeedQR grid building.

Run: .venv/bin/python -m bench.seed

Each step is timed in process CPU time, best of 3 runs. Targets (for a Pi Zero 2 W, which is
about 10x slower than a desktop core): a checksum diagnosis of 24 words <= 5 s, the camera
health check on eight 640x480 colour frames <= 2 s, everything else <= 0.5 s.
"""

import time
from collections.abc import Callable

import numpy as np

from signer.seed.check import check_mnemonic
from signer.seed.entropy import camera_entropy
from signer.seed.final_word import final_words
from signer.seed.mnemonic import words_from_entropy
from signer.seed.transcribe import seedqr_matrix, transcription_grid

WORDS_12 = words_from_entropy(bytes(range(16)))
WORDS_24 = words_from_entropy(bytes(range(32)))


def best_of(step: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        step()
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, size=(480, 640, 3), dtype=np.uint8) for _ in range(8)]
    bad_12 = [*WORDS_12[:-1], "zoo"]
    bad_24 = [*WORDS_24[:-1], "zoo"]
    steps: list[tuple[str, Callable[[], object]]] = [
        ("check 12 words, checksum wrong", lambda: check_mnemonic(bad_12)),
        ("check 24 words, checksum wrong", lambda: check_mnemonic(bad_24)),
        ("final words for 11 words (128)", lambda: final_words(WORDS_12[:11])),
        ("camera entropy, 8 x 640x480 RGB", lambda: camera_entropy(frames, 24)),
        ("SeedQR grid, 24 words standard",
         lambda: transcription_grid(seedqr_matrix(WORDS_24))),
    ]
    print(f"{'step':<36} {'CPU ms':>8}")
    for name, step in steps:
        print(f"{name:<36} {best_of(step) * 1000:>8.1f}")


if __name__ == "__main__":
    main()
