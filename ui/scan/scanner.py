"""The scan loop: frames in, decoded QR parts into an Assembler, one Payload out.

`Scanner` runs the loop in a worker thread and publishes a `ScanSnapshot` (latest frame for
the preview, progress, speed, last error) that a screen polls, so the screen stays
responsive however slow decoding is. `scan_frames` is the same loop, synchronous, for the
command line and tests. A garbled part is counted and reported, never fatal; a part of
another sequence (`SequenceMismatch`) is surfaced so the user can restart the scan.
"""

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from PIL import Image

from signer.errors import AirsignError, PayloadTooLarge, SequenceMismatch, TransportError
from signer.transport.assembler import Assembler
from signer.transport.types import Payload, Progress
from ui.backends.camera import FrameSource
from ui.scan.decoders import QRDecoder, get_decoder

_FPS_WINDOW = 30  # frames: the speed shown is over the last second or so
# A scan is stuck when the coordinator has shown its loop this often (the parts read since the
# last new one were each seen this many times) and the same parts are still missing.
STALL_LOOPS = 3


@dataclass(frozen=True)
class ScanStats:
    """Counters of one scan (what `airsign decode --stats` prints)."""

    frames_read: int = 0
    frames_with_part: int = 0  # frames in which at least one QR code was decoded
    parts_seen: int = 0  # decoded QR payloads, repeats included
    parts_garbled: int = 0  # decoded but refused by the assembler
    parts_used: int = 0  # distinct useful parts the assembler kept
    parts_needed: int = 0  # parts in the sequence (fragments for UR)
    decode_ms_per_frame: float = 0.0
    fps: float = 0.0

    def to_json(self) -> dict[str, float | int]:
        return {
            "frames_read": self.frames_read,
            "frames_with_part": self.frames_with_part,
            "parts_seen": self.parts_seen,
            "parts_garbled": self.parts_garbled,
            "parts_used": self.parts_used,
            "parts_needed": self.parts_needed,
            "decode_ms_per_frame": round(self.decode_ms_per_frame, 2),
            "fps": round(self.fps, 1),
        }


@dataclass(frozen=True)
class ScanSnapshot:
    """What a scan screen shows; replaced as a whole so a reader never sees half an update."""

    frame: Image.Image | None = None  # latest grayscale frame, for the live preview
    progress: Progress | None = None
    stats: ScanStats = ScanStats()
    error: str = ""  # last refusal, one line
    mismatch: bool = False  # a part of another sequence arrived: offer a restart
    stuck_on: tuple[int, ...] = ()  # parts still missing after STALL_LOOPS loops without one
    payload: Payload | None = None
    running: bool = False
    ended: bool = False  # the source ran out, or the scan stopped, or completed


ProgressCallback = Callable[[Progress, ScanStats], None]  # called after every frame


class ScanLoop:
    """The per-frame work, shared by the thread and the synchronous scan."""

    def __init__(self, decoder: QRDecoder | None = None, assembler: Assembler | None = None):
        self.decoder = decoder or get_decoder()
        self.assembler = assembler or Assembler()
        self.stats = ScanStats()
        self.error = ""
        self.mismatch = False
        self._decode_seconds = 0.0
        self._frame_times: deque[float] = deque(maxlen=_FPS_WINDOW)
        self._received = 0  # parts the assembler had when the repeat counts were reset
        self._repeats: dict[str | bytes, int] = {}  # part -> times seen since the last new part
        self._last_part: str | bytes | None = None

    def feed(self, frame: Image.Image) -> None:
        """Decode one frame and give every QR payload in it to the assembler.

        Raises SequenceMismatch and PayloadTooLarge (after recording them); other refusals
        are counted as garbled parts and the scan goes on.
        """
        started = time.perf_counter()
        found = self.decoder.decode(frame)
        self._decode_seconds += time.perf_counter() - started
        self._frame_times.append(time.monotonic())
        garbled = 0
        try:
            for data in found:
                if self.assembler.is_complete:
                    break
                try:
                    self.assembler.receive(data)
                    self._count_repeat(data)
                except (SequenceMismatch, PayloadTooLarge) as exc:
                    self.error = str(exc)
                    self.mismatch = isinstance(exc, SequenceMismatch)
                    garbled += 1
                    raise
                except AirsignError as exc:
                    self.error = str(exc)
                    garbled += 1
        finally:
            self._count(len(found), garbled)

    def _count_repeat(self, part: str | bytes) -> None:
        """Count how often each part comes round again while no new part arrives (a part
        held on screen for several frames counts once per showing)."""
        received = self.assembler.progress().parts_received
        if received != self._received:
            self._received = received
            self._repeats.clear()
        elif part != self._last_part:
            self._repeats[part] = self._repeats.get(part, 0) + 1
        self._last_part = part

    def stuck_on(self) -> tuple[int, ...]:
        """The missing part numbers when the scan is stuck on them: most parts read since the
        last new one have come round STALL_LOOPS times (so the coordinator has looped that
        often) and these never did. Empty while the scan progresses, and for fountain codes
        (UR), which have no fixed missing parts."""
        missing = self.assembler.progress().missing
        if not missing or not self._repeats:
            return ()
        counts = sorted(self._repeats.values())
        return missing if counts[len(counts) // 2] >= STALL_LOOPS else ()

    def _count(self, parts: int, garbled: int) -> None:
        frames = self.stats.frames_read + 1
        progress = self.assembler.progress()
        span = self._frame_times[-1] - self._frame_times[0] if len(self._frame_times) > 1 else 0
        self.stats = replace(
            self.stats,
            frames_read=frames,
            frames_with_part=self.stats.frames_with_part + (1 if parts else 0),
            parts_seen=self.stats.parts_seen + parts,
            parts_garbled=self.stats.parts_garbled + garbled,
            parts_used=progress.parts_received,
            parts_needed=progress.parts_total,
            decode_ms_per_frame=self._decode_seconds * 1000 / frames,
            fps=(len(self._frame_times) - 1) / span if span else 0.0,
        )

    def restart(self) -> None:
        """Forget what was collected (after a SequenceMismatch, to scan the new sequence)."""
        self.assembler.reset()
        self.error = ""
        self.mismatch = False
        self._received = 0
        self._repeats.clear()
        self._last_part = None

    def incomplete_error(self) -> TransportError:
        """Why a finished source gave no payload, as one line."""
        if self.error:
            return TransportError(f"no complete QR payload in {self.stats.frames_read} frames; "
                                  f"last error: {self.error}")
        progress = self.assembler.progress()
        if progress.parts_total == 0:
            return TransportError(f"no QR code found in {self.stats.frames_read} frames")
        missing = ""
        if progress.missing:
            missing = f" (missing {', '.join(str(n) for n in progress.missing[:10])})"
        advice = ("; they never came through in several loops: on the coordinator, lower the "
                  "QR density or the frame rate" if self.stuck_on() else "")
        return TransportError(
            f"the frames ended before the QR sequence was complete: {progress.parts_received} "
            f"of {progress.parts_total} parts{missing}{advice}"
        )


def scan_frames(source: FrameSource, decoder: QRDecoder | None = None,
                on_progress: ProgressCallback | None = None) -> tuple[Payload, ScanStats]:
    """Read `source` until a payload is complete; the payload and the scan's counters.

    Raises TransportError if the source runs out first, SequenceMismatch if two sequences
    are mixed, PayloadTooLarge if the payload is over the limit.
    """
    loop = ScanLoop(decoder)
    while not loop.assembler.is_complete:
        frame = source.read()
        if frame is None:
            raise loop.incomplete_error()
        loop.feed(frame)
        if on_progress is not None:
            on_progress(loop.assembler.progress(), loop.stats)
    return loop.assembler.result(), loop.stats


class Scanner:
    """The scan loop in a worker thread; `snapshot()` is safe to call from the UI thread.

    The worker owns the source while it runs; `stop()` ends it (and is idempotent). The
    scan ends by itself when a payload is complete or a replay source runs out. After a
    SequenceMismatch the worker keeps reading (the preview stays live) until `restart()`.
    """

    def __init__(self, source: FrameSource, decoder: QRDecoder | None = None):
        self.source = source
        self._loop = ScanLoop(decoder)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._restart = threading.Event()
        self._snapshot = ScanSnapshot()
        self._thread = threading.Thread(target=self._run, name="airsign-scan", daemon=True)

    def start(self) -> "Scanner":
        self._publish(running=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join()

    def restart(self) -> None:
        """Start collecting afresh (the worker does it before its next frame)."""
        self._restart.set()

    def snapshot(self) -> ScanSnapshot:
        with self._lock:
            return self._snapshot

    def wait(self, timeout: float | None = None) -> Payload | None:
        """Block until the scan ends; the payload, or None if it ended without one."""
        self._thread.join(timeout)
        return self.snapshot().payload

    def _run(self) -> None:
        frame: Image.Image | None = None
        try:
            while not self._stop.is_set():
                frame = self.source.read()
                if self._restart.is_set():  # after the read: the frame on screen now counts
                    self._restart.clear()
                    self._loop.restart()
                if frame is None:
                    if not self._loop.error:
                        self._loop.error = str(self._loop.incomplete_error())
                    break
                # A mismatch or oversize is recorded in the loop's error/mismatch and shown
                # until a restart; the preview stays live meanwhile.
                with contextlib.suppress(SequenceMismatch, PayloadTooLarge):
                    self._loop.feed(frame)
                self._publish(frame=frame, running=True)
                if self._loop.assembler.is_complete:
                    break
        except AirsignError as exc:  # the camera failed: show why, end the scan
            self._loop.error = str(exc)
        self._publish(frame=frame, running=False, ended=True)

    def _publish(self, *, frame: Image.Image | None = None, running: bool,
                 ended: bool = False) -> None:
        loop = self._loop
        assembler = loop.assembler
        progress = assembler.progress()
        snapshot = ScanSnapshot(
            frame=frame if frame is not None else self._snapshot.frame,
            progress=progress if progress.parts_total else None,
            stats=loop.stats,
            error=loop.error,
            mismatch=loop.mismatch,
            stuck_on=loop.stuck_on(),
            payload=assembler.result() if assembler.is_complete else None,
            running=running,
            ended=ended,
        )
        with self._lock:
            self._snapshot = snapshot
