"""Assembler CPU per received part, for every animated format and a single QR.

Run: .venv/bin/python -m bench.assembler

1 KB, 10 KB and 100 KB PSBTs (a real 1-input/1000-output PSBT from Coinkite's BBQr test data,
cut to size, so DEFLATE sees realistic data) are encoded at medium density (QR version <= 10)
as UR, BBQr and Specter pMofN; the 1 KB one also as one base64 and one base43 (Electrum) QR
(a version 26 code: what a coordinator shows; larger PSBTs do not fit one QR at all).
The frames are fed in a shuffled order with every fifth one repeated. Each Assembler.receive
is timed in thread CPU time (other processes do not count); the call that completes the
payload also joins, inflates and checks it, so it is reported on its own as "last".
Target: median <= 1 ms, no part over 10 ms.
"""

import base64
import random
import statistics
import time
from pathlib import Path

from signer.transport import base43
from signer.transport.assembler import Assembler
from signer.transport.encoders import encode_frames
from signer.transport.types import Format

SIZES = (1_000, 10_000, 100_000)
ANIMATED = (Format.UR.value, Format.BBQR.value, Format.PMOFN.value)
SINGLE = ("base64", "base43")
# A public BBQr test PSBT, copied into the repository (tests/vectors/README.md).
SOURCE = Path(__file__).resolve().parents[1] / "tests/vectors/bbqr/test_data/1in1000out.psbt"


def _psbt(size: int) -> bytes:
    body = SOURCE.read_bytes()
    return (body * (size // len(body) + 1))[:size]


def _time_one(frames: list[str | bytes]) -> tuple[list[float], float]:
    """Milliseconds of CPU per part before the last one, and for the completing part."""
    assembler = Assembler()
    timings: list[float] = []
    for frame in frames:
        start = time.thread_time_ns()
        assembler.receive(frame)
        elapsed = (time.thread_time_ns() - start) / 1e6
        if assembler.is_complete:
            return timings, elapsed
        timings.append(elapsed)
    raise RuntimeError("the frames did not complete the payload")


def _frames(psbt: bytes, label: str) -> list[str | bytes]:
    if label == "base64":
        return [base64.b64encode(psbt).decode("ascii")]
    if label == "base43":
        return [base43.encode(psbt)]
    return list(encode_frames(psbt, Format(label), density="medium").frames)


def main() -> None:
    rng = random.Random(2026)
    print("Assembler CPU per part (ms, thread time), medium density, shuffled with repeats")
    print(f"{'payload':>8} {'format':>8} {'frames':>6} {'median':>8} {'max':>8} {'last':>8}")
    for size in SIZES:
        for label in ANIMATED + (SINGLE if size <= 1_000 else ()):
            psbt = _psbt(size)
            frames = _frames(psbt, label)
            count = len(frames)
            rng.shuffle(frames)
            frames = [f for i, frame in enumerate(frames) for f in [frame] * (2 if i % 5 else 1)]
            timings, last = _time_one(frames)
            median = statistics.median(timings) if timings else 0.0
            worst = max(timings) if timings else 0.0
            print(f"{len(psbt):>8} {label:>8} {count:>6} {median:>8.3f} {worst:>8.3f} {last:>8.3f}")


if __name__ == "__main__":
    main()
