"""QR speed: render ms/frame, decode ms/frame and success rate per decoder, scan-loop fps.

Run: .venv/bin/python -m bench.qr

Versions 10, 15 and 20 at error correction L, filled with uppercase UR-like text (the
alphanumeric mode every animated PSBT frame uses). Render: our renderer (zxing-cpp's writer,
fixed version, integer scaling to 240x240) against the pure-Python `qrcode` package at the
same version. Decode: 640x480 camera-like frames from tests/framegen.py, clean, MILD
(8 deg tilt, mild blur/noise, 0.8 contrast, clutter) and HARSH (25 deg, more blur and
noise, 0.5 contrast); "ok" is the share of frames that gave back exactly the text. Scan
loop: a UR-animated PSBT photographed (MILD) and replayed from a frame directory through
`scan_frames`, frames per second including PNG loading. Targets: render <= 5 ms per
version-15 frame; decode well under a 10 fps camera's 100 ms.
"""

import string
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import qrcode

from signer.transport.encoders import encode_frames
from signer.transport.types import Format
from tests.framegen import CLEAN, HARSH, MILD, Degradation, camera_frame, write_frames_dir
from ui.backends.camera import open_source
from ui.qr.render import QRRenderer
from ui.scan.decoders import DECODERS, get_decoder
from ui.scan.scanner import scan_frames
from ui.scan.sources import frame_texts

VERSIONS = (10, 15, 20)
ALNUM_CAPACITY_L = {10: 395, 15: 758, 20: 1249}  # ISO 18004 table 7, alphanumeric, EC L
FRAMES_PER_CASE = 20
SCREEN = 240
CONDITIONS: dict[str, Degradation] = {"clean": CLEAN, "mild": MILD, "harsh": HARSH}


def _texts(version: int, count: int) -> list[str]:
    rng = np.random.default_rng(version)
    alphabet = np.array(list(string.ascii_uppercase + string.digits))
    length = ALNUM_CAPACITY_L[version] - 20  # nearly full, as the encoders fill frames
    return ["UR:CRYPTO-PSBT/" + "".join(rng.choice(alphabet, length)) for _ in range(count)]


def _ms_per_call(function: Callable[[str], object], texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        function(text)
    return (time.perf_counter() - start) * 1000 / len(texts)


def _qrcode_package(version: int) -> Callable[[str], object]:
    def render(text: str) -> object:
        code = qrcode.QRCode(version=version, error_correction=qrcode.constants.ERROR_CORRECT_L,
                             box_size=1, border=4)
        code.add_data(text)
        code.make(fit=False)
        return code.get_matrix()

    return render


def render_table() -> None:
    print(f"Render ms/frame ({SCREEN}x{SCREEN}, EC L, {FRAMES_PER_CASE} frames)")
    print(f"{'version':>7} {'airsign':>9} {'qrcode pkg':>11}")
    for version in VERSIONS:
        texts = _texts(version, FRAMES_PER_CASE)
        ours = _ms_per_call(QRRenderer(SCREEN, version=version).render, texts)
        theirs = _ms_per_call(_qrcode_package(version), texts[:5])
        print(f"{version:>7} {ours:>9.2f} {theirs:>11.1f}")


def decode_table() -> None:
    print(f"\nDecode ms/frame and success (640x480 frames, {FRAMES_PER_CASE} per case)")
    print(f"{'version':>7} {'frames':>7} " + " ".join(f"{n + ' ms':>10} {n + ' ok':>10}"
                                                   for n in sorted(DECODERS)))
    decoders = {name: get_decoder(name) for name in sorted(DECODERS)}
    for version in VERSIONS:
        texts = _texts(version, FRAMES_PER_CASE)
        renderer = QRRenderer(480, version=version)
        codes = [renderer.render(t) for t in texts]
        for label, degradation in CONDITIONS.items():
            frames = [camera_frame(c, degradation, seed) for seed, c in enumerate(codes)]
            cells = []
            for decoder in decoders.values():
                start = time.perf_counter()
                results = [decoder.decode(f) for f in frames]
                ms = (time.perf_counter() - start) * 1000 / len(frames)
                ok = sum(r == [t] for r, t in zip(results, texts, strict=True)) / len(frames)
                cells.append(f"{ms:>10.1f} {ok:>10.0%}")
            print(f"{version:>7} {label:>7} " + " ".join(cells))


def scan_loop_table() -> None:
    psbt = b"psbt\xff" + np.random.default_rng(7).bytes(6_000)
    frames = encode_frames(psbt, Format.UR, density="high")
    renderer = QRRenderer(480, version=frames.qr_version)
    shots = [camera_frame(renderer.render(t), MILD, n) for n, t in enumerate(frame_texts(frames))]
    print(f"\nScan loop, replayed frame directory (UR {len(psbt)} B PSBT, version "
          f"{frames.qr_version}, {len(shots)} MILD frames)")
    print(f"{'decoder':>7} {'frames':>7} {'fps':>7} {'decode ms':>10} {'complete':>9}")
    with tempfile.TemporaryDirectory() as folder:
        write_frames_dir(shots, Path(folder))
        for name in sorted(DECODERS):
            start = time.perf_counter()
            try:
                with open_source([folder]) as source:
                    payload, stats = scan_frames(source, get_decoder(name))
                complete = "yes" if payload.data == psbt else "WRONG"
            except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
                print(f"{name:>7} failed: {exc}")
                continue
            fps = stats.frames_read / (time.perf_counter() - start)
            print(f"{name:>7} {stats.frames_read:>7} {fps:>7.1f} "
                  f"{stats.decode_ms_per_frame:>10.1f} {complete:>9}")


def main() -> None:
    render_table()
    decode_table()
    scan_loop_table()


if __name__ == "__main__":
    main()
