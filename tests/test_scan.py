"""The scan loop end to end: animated PSBTs (UR, BBQr) rendered by us, photographed by the
frame generator (tilt, perspective, blur, noise, low contrast, uneven light, clutter),
written as a replay directory or GIF, and read back through the scanner."""

from pathlib import Path

import numpy as np
import pytest
import qrcode
from framegen import (
    HARSH,
    MILD,
    Degradation,
    ListSource,
    camera_frame,
    write_frames_dir,
    write_video,
)
from independent.coordinator import Pay, Spend, build_psbt, external_script, make_wallet
from PIL import Image

from signer.errors import SequenceMismatch, TransportError
from signer.transport.encoders import encode_frames
from signer.transport.types import Format, PayloadKind
from ui.backends.camera import open_source
from ui.qr.render import QRRenderer
from ui.scan.decoders import get_decoder
from ui.scan.scanner import STALL_LOOPS, ScanLoop, Scanner, scan_frames
from ui.scan.sources import frame_texts

VAULT = make_wallet()
PSBT = build_psbt([Spend(VAULT, False, i, 100_000 + i) for i in range(4)],
                  [Pay(350_000, external_script()),
                   Pay(40_000, wallet=VAULT, change=True, index=1)]).serialize()


def camera_frames(texts: list[str | bytes], version: int, deg: Degradation,
                  seed: int = 0) -> list[np.ndarray]:
    renderer = QRRenderer(480, version=version)
    return [camera_frame(renderer.render(t), deg, seed + n) for n, t in enumerate(texts)]


@pytest.mark.parametrize(("fmt", "writer"), [(Format.UR, "dir"), (Format.BBQR, "gif")])
def test_degraded_animated_psbt_end_to_end(tmp_path: Path, fmt: Format, writer: str) -> None:
    frames = encode_frames(PSBT, fmt, density="medium")
    assert len(frames.frames) > 3  # really animated
    shots = camera_frames(frame_texts(frames), frames.qr_version, MILD)
    if writer == "dir":
        spec = tmp_path / "frames"
        write_frames_dir(shots, spec)
    else:
        spec = tmp_path / "scan.gif"
        images = [Image.fromarray(s) for s in shots]
        images[0].save(spec, save_all=True, append_images=images[1:], duration=150, loop=0)
    with open_source([str(spec)]) as source:
        payload, stats = scan_frames(source)
    assert payload.kind is PayloadKind.PSBT and payload.data == PSBT
    assert payload.format is fmt
    assert stats.parts_used >= stats.parts_needed == len(frames.frames)
    assert stats.frames_with_part >= stats.parts_needed
    assert stats.decode_ms_per_frame > 0


def qrcode_package_frames(texts: list[str | bytes], version: int) -> list[np.ndarray]:
    """The same frames drawn by python-qrcode (an encoder that is not ours) at one version."""
    images = []
    for text in texts:
        code = qrcode.QRCode(version=version, error_correction=qrcode.constants.ERROR_CORRECT_L,
                             border=4, box_size=5)
        code.add_data(text)
        code.make(fit=False)
        images.append(np.asarray(code.make_image().get_image().convert("L")))
    return images


@pytest.mark.parametrize(("fmt", "decoder"), [(Format.UR, "zxing"), (Format.BBQR, "pyzbar")])
def test_other_encoders_frames_through_a_video(tmp_path: Path, fmt: Format, decoder: str) -> None:
    frames = encode_frames(PSBT, fmt, density="medium")
    codes = qrcode_package_frames(frame_texts(frames), frames.qr_version)
    shots = [camera_frame(code, MILD, 200 + n) for n, code in enumerate(codes)]
    video = write_video(shots, tmp_path / "scan.avi")
    with open_source([str(video)]) as source:
        payload, stats = scan_frames(source, get_decoder(decoder))
    assert payload.kind is PayloadKind.PSBT and payload.data == PSBT
    assert payload.format is fmt and stats.frames_read <= len(shots)


def test_lost_frames_are_made_up_by_fountain_parts() -> None:
    frames = encode_frames(PSBT, Format.UR, density="medium")
    texts = frame_texts(frames)
    pure = len(frames.frames)
    kept = [t for n, t in enumerate(texts) if n not in (1, 3)]  # two pure parts missed
    payload, stats = scan_frames(ListSource(camera_frames(kept, frames.qr_version, MILD)))
    assert payload.data == PSBT and stats.frames_read > pure - 2


def test_garbled_parts_are_counted_not_fatal() -> None:
    frames = encode_frames(PSBT, Format.BBQR, density="medium")
    texts: list[str | bytes] = list(frames.frames)
    garbled = "B$" + "!" * 40  # a BBQr header that does not parse
    noise = np.random.default_rng(1).integers(0, 255, (480, 640), dtype=np.uint8)
    shots = [noise, *camera_frames([garbled], frames.qr_version, MILD),
             *camera_frames(texts, frames.qr_version, MILD)]
    payload, stats = scan_frames(ListSource(shots))
    assert payload.data == PSBT
    assert stats.frames_read == len(texts) + 2
    assert stats.parts_garbled == 1 and stats.frames_with_part == len(texts) + 1


def test_incomplete_and_empty_replays_say_why() -> None:
    frames = encode_frames(PSBT, Format.BBQR, density="medium")
    shots = camera_frames(list(frames.frames)[:-1], frames.qr_version, MILD)
    with pytest.raises(TransportError, match=rf"ended before .* complete: {len(shots)} of "
                                             rf"{len(frames.frames)} parts \(missing "):
        scan_frames(ListSource(shots))
    blank = [np.full((120, 160), 128, np.uint8)] * 3
    with pytest.raises(TransportError, match="no QR code found in 3 frames"):
        scan_frames(ListSource(blank))


def test_two_sequences_mixed_raise_mismatch() -> None:
    one = encode_frames(PSBT, Format.BBQR, density="medium")
    other = encode_frames(PSBT + b"\x00", Format.BBQR, density="low")
    shots = camera_frames([one.frames[0], other.frames[1]], 15, MILD)
    with pytest.raises(SequenceMismatch):
        scan_frames(ListSource(shots))


def test_scanner_thread_publishes_and_completes() -> None:
    frames = encode_frames(PSBT, Format.UR, density="medium")
    shots = camera_frames(frame_texts(frames), frames.qr_version, MILD)
    scanner = Scanner(ListSource(shots)).start()
    payload = scanner.wait(timeout=60)
    snapshot = scanner.snapshot()
    assert payload is not None and payload.data == PSBT
    assert snapshot.ended and not snapshot.running and snapshot.error == ""
    assert snapshot.frame is not None and snapshot.frame.size == (640, 480)
    assert snapshot.progress is not None and snapshot.progress.fraction == 1.0
    assert snapshot.stats.frames_read <= len(shots)


def test_scanner_surfaces_mismatch_and_restarts() -> None:
    first = encode_frames(PSBT, Format.BBQR, density="medium")
    second = encode_frames(PSBT + b"\x01", Format.BBQR, density="low")
    # the user restarts while the second sequence's first frame is on screen again
    shots = camera_frames([first.frames[0], second.frames[0], *second.frames], 15, MILD)
    gate = _GatedSource(shots, pause_after=2)
    scanner = Scanner(gate).start()
    gate.paused.wait(timeout=30)
    snapshot = scanner.snapshot()
    assert snapshot.mismatch and "another BBQr series" in snapshot.error
    assert snapshot.payload is None
    scanner.restart()
    gate.go_on()
    payload = scanner.wait(timeout=60)
    assert payload is not None and payload.data == PSBT + b"\x01"


def test_scanner_stop_and_end_of_replay() -> None:
    blank = [np.full((60, 80), 128, np.uint8)] * 4
    scanner = Scanner(ListSource(blank)).start()
    assert scanner.wait(timeout=30) is None
    assert scanner.snapshot().ended and "no QR code found" in scanner.snapshot().error
    endless = _GatedSource(blank * 1000, pause_after=10**6)
    scanner = Scanner(endless).start()
    scanner.stop()
    assert scanner.snapshot().ended and scanner.snapshot().payload is None
    assert endless.count < 4000


def test_harsh_frames_decode_with_zxing() -> None:
    frames = encode_frames(PSBT, Format.BBQR, density="low")
    shots = camera_frames(list(frames.frames), frames.qr_version, HARSH, seed=100)
    found = sum(bool(get_decoder("zxing").decode(s)) for s in shots)
    assert found >= len(shots) * 0.8


class _GatedSource(ListSource):
    """Stops after `pause_after` frames until the test lets it go on."""

    def __init__(self, frames: list[np.ndarray], pause_after: int) -> None:
        import threading

        super().__init__(frames)
        self.pause_after = pause_after
        self.count = 0
        self.paused = threading.Event()
        self._resume = threading.Event()

    def _grab(self) -> np.ndarray | None:
        if self.count == self.pause_after:
            self.paused.set()
            self._resume.wait(timeout=30)
        self.count += 1
        return super()._grab()

    def go_on(self) -> None:
        self._resume.set()


class PartsOnScreen:
    """Stands in for the QR decoder: each "frame" is a part number, and it reads the part
    text unless that part is one the camera never manages (too dense for it)."""

    name = "parts"

    def __init__(self, texts: list[str], unreadable: set[int]) -> None:
        self.texts = texts
        self.unreadable = unreadable

    def decode(self, frame: Image.Image | np.ndarray) -> list[str | bytes]:
        number = int(np.asarray(frame)[0, 0])
        return [] if number in self.unreadable else [self.texts[number - 1]]


def _coordinator_loops(parts: int, loops: int, frames_per_part: int = 2) -> list[np.ndarray]:
    """Frames of a coordinator looping through its parts, each shown for a few frames."""
    return [np.full((2, 2), number, np.uint8) for _ in range(loops)
            for number in range(1, parts + 1) for _ in range(frames_per_part)]


def test_a_scan_stuck_on_the_same_parts_names_them_and_the_remedy() -> None:
    from ui.flows.scan import ScannerFeed
    from ui.screens.scan import ScanScreen
    from ui.widgets import Chrome

    texts = [str(t) for t in encode_frames(PSBT, Format.BBQR, density="low").frames]
    assert len(texts) >= 8
    loop = ScanLoop(PartsOnScreen(texts, unreadable={3, 6}))
    frames = _coordinator_loops(len(texts), loops=STALL_LOOPS + 1)
    for number, frame in enumerate(frames, start=1):
        loop.feed(frame)
        # The first loop brings the readable parts; STALL_LOOPS more show nothing new.
        if number <= STALL_LOOPS * len(frames) // (STALL_LOOPS + 1):
            assert loop.stuck_on() == (), number
    assert loop.stuck_on() == (3, 6)
    assert str(loop.incomplete_error()).endswith(
        "(missing 3, 6); they never came through in several loops: on the coordinator, lower "
        "the QR density or the frame rate")
    # One of them comes through at last: no longer stuck (counting starts again).
    loop.decoder = PartsOnScreen(texts, unreadable={6})
    loop.feed(np.full((2, 2), 3, np.uint8))
    assert loop.stuck_on() == ()

    # Through the threaded scanner and the flow's feed to the screen.
    frames = _coordinator_loops(len(texts), loops=STALL_LOOPS + 2)
    gate = _GatedSource(frames, pause_after=len(frames) - 1)
    feed = ScannerFeed(gate, PartsOnScreen(texts, unreadable={3, 6}))
    gate.paused.wait(timeout=30)
    state = feed()
    assert state.hint == ("Parts 3, 6 not read after several loops. On the coordinator, "
                          "lower the QR density or the frame rate.")
    for size in ((240, 240), (320, 240)):
        canvas = ScanScreen("Scan", lambda state=state: state).layout(size, Chrome())
        drawn = " ".join(text.text for text in canvas.texts)
        assert "Parts 3, 6 not read" in drawn and "frame rate." in drawn
        assert "…" not in drawn.replace("missing 3, 6", "")
    gate.go_on()
    feed.scanner.stop()
