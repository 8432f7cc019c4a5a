"""UR fountain decoding: frames needed and decoder CPU per part.

Run: .venv/bin/python -m bench.fountain

For 1 KB, 10 KB and 100 KB PSBT-sized payloads sent as animated ur:crypto-psbt (fragments
sized for a version-12 QR, about what a 240x240 screen and a phone camera handle, and for
200 bytes), a receiver joins the animation at a random point and loses 0 %, 10 % or 30 % of
the frames. It reports frames received / fragment count (median and p90), and the decoder's
CPU time per received part (median and max; thread CPU time, so other processes on the
machine do not count; the whole URDecoder.receive: parsing, bytewords, CBOR, fragment
choice, elimination).
"""

import random
import statistics
import time

from signer.transport.ur import URDecoder, UREncoder, fragment_length_for
from signer.transport.urtypes import psbt_to_ur

SIZES = (1_000, 10_000, 100_000)
LOSSES = (0.0, 0.10, 0.30)
TRIALS = {1_000: 101, 10_000: 41, 100_000: 11}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _run(size: int, fragment_len: int, loss: float, rng: random.Random
         ) -> tuple[int, list[float], list[float]]:
    ratios: list[float] = []
    timings: list[float] = []
    fragments = 0
    for _ in range(TRIALS[size]):
        psbt = b"psbt\xff" + rng.randbytes(size - 5)
        encoder = UREncoder(psbt_to_ur(psbt), fragment_len,
                            first_seq_num=rng.randrange(0, 3 * (size // fragment_len + 1)))
        fragments = encoder.fragment_count
        decoder = URDecoder()
        received = 0
        while not decoder.is_complete:
            part = encoder.next_part().upper()
            if rng.random() < loss:
                continue
            received += 1
            start = time.thread_time()
            decoder.receive(part)
            timings.append(time.thread_time() - start)
        ratios.append(received / fragments)
    return fragments, ratios, timings


def main() -> None:
    rng = random.Random(2026)
    print("UR fountain decoding: joining mid-stream, frames received / fragments; CPU per part")
    header = (f"{'payload':>8} {'frag len':>8} {'frags':>6} {'loss':>5} {'median':>7} "
              f"{'p90':>6} {'cpu med ms':>10} {'cpu max ms':>10}")
    print(header)
    print("-" * len(header))
    for fragment_len in (fragment_length_for(12), 200):
        for size in SIZES:
            for loss in LOSSES:
                fragments, ratios, timings = _run(size, fragment_len, loss, rng)
                print(f"{size // 1000:>6}KB {fragment_len:>8} {fragments:>6} {loss:>5.0%} "
                      f"{statistics.median(ratios):>7.3f} {_percentile(ratios, 0.9):>6.3f} "
                      f"{statistics.median(timings) * 1e3:>10.3f} {max(timings) * 1e3:>10.3f}")


if __name__ == "__main__":
    main()
