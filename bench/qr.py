"""QR speed: render ms/frame, decode ms/frame and success rate per decoder, scan-loop fps.

Run: .venv/bin/python -m bench.qr

Versions 10, 15 and 20 at error correction L, filled with uppercase UR-like text (the
alphanumeric mode every animated PSBT frame uses). Render: our renderer (zxing-cpp's writer,
fixed version, integer scaling to 240x240) against the pure-Python `qrcode` package at the
same version. Decode: 640x480 camera-like frames from tests/framegen.py, clean, MILD
(8 deg tilt, mild blur/noise, 0.8 contrast, clutter) and HARSH (25 deg, more blur and
noise, 0.5 contrast); "ok" is the share of frames that gave back exactly the text. Scan
loop: a UR-animated PSBT photographed (MILD) and replayed from a frame directory through
`scan_frames`, frames per second including PNG loading. Animated sets: a 35-part BBQr PSBT
filmed off a screen (tests/framegen.py `screen_capture`: exposures across a screen refresh
blend two parts, JPEG-compressed video frames), frames until complete and CPU ms per frame
for zxing-cpp, zbar and the default combination. Targets: render <= 5 ms per version-15
frame; decode well under a 10 fps camera's 100 ms; the combination completes every set
either decoder completes, at <= 1.3x zxing-cpp's CPU per frame where zbar reads nothing.
"""

import string
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import qrcode

from signer.errors import TransportError
from signer.transport.assembler import Assembler
from signer.transport.encoders import encode_frames
from signer.transport.types import Format
from tests.framegen import (
    CLEAN,
    GLARE,
    HARSH,
    MILD,
    VIDEO,
    Degradation,
    camera_frame,
    screen_capture,
    write_frames_dir,
)
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


# name: (degradation, camera fps, screen fps, shutter as a share of the frame interval)
ANIMATED_SETS: dict[str, tuple[Degradation, float, float, float]] = {
    "video 15/5": (VIDEO, 15.0, 5.0, 0.5),
    "video 10/10": (VIDEO, 10.0, 10.0, 1.0),
    "harsh 15/5": (HARSH, 15.0, 5.0, 0.5),
    "glare 15/5": (GLARE, 15.0, 5.0, 0.5),
    "glare blend": (GLARE, 5.0, 5.0, 1.0),
}
ANIMATED_PARTS = 35
ANIMATED_LOOPS = 4  # frames offered: this many loops of the sequence


def _frames_to_complete(decoder: str, shots: list[np.ndarray]) -> tuple[int | None, float]:
    """Frames until the assembler completes (None: never) and CPU ms per frame decoding."""
    reader = get_decoder(decoder)
    assembler = Assembler()
    cpu = 0.0
    for count, shot in enumerate(shots, start=1):
        started = time.thread_time()
        found = reader.decode(shot)
        cpu += time.thread_time() - started
        for data in found:
            try:
                assembler.receive(data)
            except TransportError:
                continue
        if assembler.is_complete:
            return count, cpu * 1000 / count
    return None, cpu * 1000 / len(shots)


def animated_table() -> None:
    psbt = b"psbt\xff" + np.random.default_rng(7).bytes(8_300)
    sequence = encode_frames(psbt, Format.BBQR, density="medium")
    assert len(sequence.frames) == ANIMATED_PARTS
    renderer = QRRenderer(480, version=sequence.qr_version)
    codes = [renderer.render(text) for text in sequence.frames]
    names = ("zxing", "pyzbar", "zxing+zbar")
    print(f"\nAnimated sets: {ANIMATED_PARTS}-part BBQr (version {sequence.qr_version}) filmed "
          f"off a screen, up to {ANIMATED_LOOPS} loops; frames to complete ('-': never) and "
          "CPU ms/frame")
    print(f"{'set':>12} " + " ".join(f"{n + ' frames':>17} {n + ' ms':>13}" for n in names)
          + f" {'combined/zxing':>15}")
    for label, (degradation, camera_fps, screen_fps, shutter) in ANIMATED_SETS.items():
        frames = round(ANIMATED_PARTS * camera_fps / screen_fps * ANIMATED_LOOPS)
        shots = screen_capture(codes, degradation, seed=2, frames=frames,
                               camera_fps=camera_fps, screen_fps=screen_fps, shutter=shutter)
        results = {name: _frames_to_complete(name, shots) for name in names}
        cells = " ".join(f"{count or '-':>17} {ms:>13.2f}" for count, ms in results.values())
        ratio = results["zxing+zbar"][1] / results["zxing"][1]
        print(f"{label:>12} {cells} {ratio:>14.2f}x")


def main() -> None:
    render_table()
    decode_table()
    scan_loop_table()
    animated_table()


if __name__ == "__main__":
    main()
