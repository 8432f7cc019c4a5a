"""What the command line scans from and writes to: QR images, GIFs, videos, frame
directories, cameras or text files of parts in; animated GIFs or frame directories out."""

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from signer.errors import AirsignError, PayloadTooLarge, SequenceMismatch, UsageError
from signer.psbt import MAGIC
from signer.secretfile import make_secret_dir
from signer.transport.encoders import FrameSequence
from signer.transport.types import Format, Payload
from ui.backends.camera import ANIMATION_SUFFIXES, IMAGE_SUFFIXES, VIDEO_SUFFIXES, open_source
from ui.image_files import write_images
from ui.qr.render import QRRenderer
from ui.scan.decoders import DEFAULT_DECODER, get_decoder
from ui.scan.scanner import ProgressCallback, ScanLoop, ScanStats, scan_frames

FRAME_SIZE = 480  # pixels per side of a written QR frame: a webcam reads it comfortably
DEFAULT_FPS = 5.0
_LIVE_PREFIXES = ("camera:", "v4l2:", "picamera", "/dev/video")
PART_START = re.compile(r"^(ur:|b\$|p\d+of\d+ )", re.IGNORECASE)


@dataclass(frozen=True)
class ScanResult:
    payload: Payload
    stats: ScanStats


def is_frame_source(spec: str) -> bool:
    """A camera, video, image, GIF or directory of frames (not a file of text or bytes)."""
    if spec.startswith(_LIVE_PREFIXES):
        return True
    path = Path(spec).expanduser()
    suffix = path.suffix.lower()
    return path.is_dir() or suffix in IMAGE_SUFFIXES | ANIMATION_SUFFIXES | VIDEO_SUFFIXES


def scan_sources(sources: Sequence[str], decoder: str = DEFAULT_DECODER,
                 on_progress: ProgressCallback | None = None) -> ScanResult:
    """The payload in the QR frames of `sources` (see `open_source`), with scan counters."""
    with open_source(list(sources)) as frames:
        payload, stats = scan_frames(frames, get_decoder(decoder), on_progress)
    return ScanResult(payload, stats)


def load_source(sources: Sequence[str], decoder: str = DEFAULT_DECODER) -> Payload:
    """The payload in `sources`: frame sources (images, GIF, video, directory, camera:N) or
    one file of payload text (one QR part per line for UR, BBQr and pMofN)."""
    if not sources:
        raise UsageError("no QR source given")
    if all(is_frame_source(spec) for spec in sources):
        return scan_sources(sources, decoder).payload
    if len(sources) > 1:
        raise UsageError("give one text file of QR parts, or only image/video/camera sources")
    return assemble_text(_read(sources[0]))


def _read(spec: str) -> bytes:
    """A file's content, or stdin's for "-"."""
    if spec == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(spec).expanduser().read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {spec}: {exc.strerror or exc}") from None


def load_file_or_frames(sources: Sequence[str], decoder: str = DEFAULT_DECODER,
                        on_progress: ProgressCallback | None = None,
                        read_file: Callable[[str], bytes] = _read) -> Payload | bytes:
    """What `sources` hold, for commands that also read plain files (a PSBT, a wallet file):
    the payload of QR frames (images, GIF, video, frame directory, camera:N, v4l2:N) or of
    a text file of QR part lines; otherwise the one file's (or stdin's) bytes as they are.
    `read_file` reads that file (e.g. with a size limit)."""
    if not sources:
        raise UsageError("no source given")
    if len(sources) == 1 and not is_frame_source(sources[0]):
        content = read_file(sources[0])
        if PART_START.match(content.lstrip()[:16].decode("ascii", "replace")):
            return assemble_text(content)
        return content
    not_frames = [spec for spec in sources if not is_frame_source(spec)]
    if not_frames:
        raise UsageError(f"{not_frames[0]}: give one file, or only image/video/camera sources")
    return scan_sources(sources, decoder, on_progress).payload


def assemble_text(content: bytes) -> Payload:
    """A payload from text: one part per line when the lines are parts of an animated
    sequence (UR, BBQr, pMofN); otherwise the whole content is one QR's payload."""
    if content.startswith(MAGIC):
        return _assemble([content])
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return _assemble([content])
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and PART_START.match(lines[0]):
        return _assemble(lines)
    return _assemble([text.strip()])


def _assemble(parts: Sequence[str | bytes]) -> Payload:
    """Feed parts to an assembler; a garbled line among many is skipped, like a bad frame."""
    loop = ScanLoop()
    for number, part in enumerate(parts, start=1):
        try:
            loop.assembler.receive(part)
        except (SequenceMismatch, PayloadTooLarge):
            raise
        except AirsignError as exc:
            if len(parts) == 1:
                raise
            loop.error = f"line {number}: {exc}"
        if loop.assembler.is_complete:
            return loop.assembler.result()
    raise loop.incomplete_error()


def frame_texts(frames: FrameSequence) -> list[str | bytes]:
    """The frames to write for a looping file: all of them; for an animated UR (a fresh
    sequence) the pure parts and then half as many mixed fountain parts, so a reader that
    misses a few frames of the loop still completes without waiting for the next round."""
    count = len(frames.frames)
    if frames.format is Format.UR and count > 1:
        return [frames.next_frame() for _ in range(count + max(2, count // 2))]
    return list(frames.frames)


def write_qr_frames(frames: FrameSequence, *, gif: str | Path | None = None,
                    frames_dir: str | Path | None = None, fps: float = DEFAULT_FPS,
                    size: int = FRAME_SIZE, secret: bool = False) -> int:
    """Render `frames` at one QR version and write them as an animated GIF and/or numbered
    PNGs (private files when they hold a secret); the number of frames written."""
    return write_qr_images(frame_texts(frames), frames.qr_version, gif=gif,
                           frames_dir=frames_dir, fps=fps, size=size, secret=secret,
                           ec_level=frames.error_correction)


def write_qr_images(texts: Sequence[str | bytes], version: int, *,
                    gif: str | Path | None = None, frames_dir: str | Path | None = None,
                    fps: float = DEFAULT_FPS, size: int = FRAME_SIZE,
                    ec_level: str = "L", secret: bool = False) -> int:
    """Every text as a QR code of one `version`: an animated GIF (one frame: a still image
    in the format the file name says) and/or numbered PNGs; the number of frames written.
    secret: the QR codes hold the seed, so every file is private (signer.secretfile)."""
    if gif is None and frames_dir is None:
        raise UsageError("where to write the QR frames: give a GIF file or a directory")
    if fps <= 0:
        raise UsageError("frames per second must be positive")
    renderer = QRRenderer(size, version=version, ec_level=ec_level)
    images = [renderer.render(text) for text in texts]
    if gif is not None:
        write_images(Path(gif), images, secret=secret, durations=round(1000 / fps))
    if frames_dir is not None:
        if secret:
            folder = make_secret_dir(frames_dir)
        else:
            folder = Path(frames_dir)
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UsageError(f"cannot create {folder}: {exc.strerror or exc}") from None
        for number, image in enumerate(images, start=1):
            write_images(folder / f"frame{number:04d}.png", [image], secret=secret)
    return len(images)
