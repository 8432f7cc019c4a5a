"""Camera-like frames of a QR code, for tests and benchmarks.

A rendered QR image is placed into a cluttered scene the way a handheld camera sees a
screen: rotated, perspective-warped, blurred, noisy, low in contrast, unevenly lit, over- or
under-exposed, and JPEG-compressed as a video stream is. `screen_capture` films a screen
that cycles through an animated sequence: an exposure that spans a screen refresh sees two
consecutive codes blended. Everything is drawn from a seeded generator, so a (text,
Degradation, seed) triple always gives the same frame.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ui.backends.camera import FrameSource
from ui.demo.camera import to_sensor, uneven_light
from ui.qr.render import QRRenderer


@dataclass(frozen=True)
class Degradation:
    width: int = 640
    height: int = 480
    code_fraction: float = 0.8  # QR image side / shorter frame side
    rotation_deg: float = 0.0  # maximum tilt, either direction
    perspective: float = 0.0  # corner jitter as a fraction of the QR side
    blur_sigma: float = 0.0  # Gaussian blur, pixels
    noise_sigma: float = 0.0  # sensor noise, grey levels
    contrast: float = 1.0  # 1: black on white; 0.3: dark grey on light grey
    uneven_light: float = 0.0  # 0..1 brightness fall-off across the frame
    clutter: bool = False  # shapes and text around the code
    exposure: float = 1.0  # brightness gain: above 1 highlights clip to white, below 1 dim
    jpeg_quality: int = 0  # 0: none; else each frame goes through JPEG at this quality


CLEAN = Degradation()
MILD = Degradation(
    rotation_deg=8, perspective=0.04, blur_sigma=0.8, noise_sigma=4, contrast=0.8,
    uneven_light=0.25, clutter=True,
)
HARSH = Degradation(
    rotation_deg=25, perspective=0.08, blur_sigma=1.3, noise_sigma=9, contrast=0.5,
    uneven_light=0.5, clutter=True,
)
# A phone-held webcam filming a laptop screen, stored as a JPEG video stream.
VIDEO = Degradation(
    rotation_deg=6, perspective=0.05, blur_sigma=1.0, noise_sigma=5, contrast=0.75,
    uneven_light=0.3, clutter=True, exposure=1.25, jpeg_quality=60,
)
# The same with the camera's exposure far too high for a bright screen: light modules wash out.
GLARE = Degradation(
    rotation_deg=10, perspective=0.03, blur_sigma=0.7, noise_sigma=6, contrast=0.8,
    uneven_light=0.3, clutter=True, exposure=2.4, jpeg_quality=40,
)


def _background(rng: np.random.Generator, deg: Degradation) -> np.ndarray:
    scene = np.full((deg.height, deg.width), int(rng.integers(90, 170)), dtype=np.uint8)
    if not deg.clutter:
        return scene
    for _ in range(12):
        x, y = int(rng.integers(0, deg.width)), int(rng.integers(0, deg.height))
        shade = int(rng.integers(0, 256))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            w, h = (int(v) for v in rng.integers(10, 120, size=2))
            cv2.rectangle(scene, (x, y), (x + w, y + h), shade, -1)
        elif kind == 1:
            cv2.circle(scene, (x, y), int(rng.integers(5, 60)), shade, int(rng.integers(1, 6)))
        else:
            cv2.putText(scene, "Sparrow 2-of-3", (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.8, shade, 2)
    return scene


def _target_corners(rng: np.random.Generator, deg: Degradation) -> np.ndarray:
    side = deg.code_fraction * min(deg.width, deg.height)
    half = side / 2
    square = np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
    angle = np.deg2rad(rng.uniform(-deg.rotation_deg, deg.rotation_deg))
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = square @ turn.T
    corners += rng.uniform(-1, 1, size=(4, 2)) * deg.perspective * side
    return (corners + [deg.width / 2, deg.height / 2]).astype(np.float32)


def camera_frame(code_image: np.ndarray | Image.Image, deg: Degradation, seed: int) -> np.ndarray:
    """A grayscale frame of `deg.width` x `deg.height` showing `code_image` as a camera would."""
    code_image = np.asarray(code_image)  # a PIL image from the renderer, or an array
    rng = np.random.default_rng(seed)
    scene = _background(rng, deg).astype(np.float32)
    side = code_image.shape[0]
    source = np.array([[0, 0], [side, 0], [side, side], [0, side]], dtype=np.float32)
    warp = cv2.getPerspectiveTransform(source, _target_corners(rng, deg))
    size = (deg.width, deg.height)
    code = cv2.warpPerspective(code_image.astype(np.float32), warp, size, flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones_like(code_image, np.float32), warp, size)
    # A screen never shows pure black or white to a camera: squeeze the range around mid-grey.
    code = 128 + (code - 128) * deg.contrast
    frame = scene * (1 - mask) + code * mask
    frame = uneven_light(frame, deg.uneven_light, rng) * deg.exposure
    if deg.blur_sigma:
        frame = cv2.GaussianBlur(frame, (0, 0), deg.blur_sigma)
    frame = to_sensor(frame, deg.noise_sigma, rng)
    if deg.jpeg_quality:
        _, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, deg.jpeg_quality])
        frame = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)
    return frame


def exposed_code(codes: Sequence[np.ndarray | Image.Image], start: float, exposure: float,
                 screen_fps: float) -> np.ndarray:
    """What one exposure from `start` (seconds) for `exposure` seconds collects from a screen
    showing `codes` in a loop at `screen_fps`: the codes on screen meanwhile, each weighted by
    how long it was shown (two consecutive codes blended when a refresh falls inside)."""
    codes = [np.asarray(code) for code in codes]  # the renderer's PIL images, or arrays
    end = start + exposure
    shown = np.zeros(codes[0].shape, np.float32)
    first = math.floor(start * screen_fps)
    last = math.ceil(end * screen_fps)
    for index in range(first, last):
        overlap = min(end, (index + 1) / screen_fps) - max(start, index / screen_fps)
        if overlap > 0:
            shown += codes[index % len(codes)].astype(np.float32) * (overlap / exposure)
    return shown


def screen_capture(codes: Sequence[np.ndarray | Image.Image], deg: Degradation, seed: int, *,
                   frames: int,
                   camera_fps: float = 15.0, screen_fps: float = 5.0,
                   shutter: float = 0.5) -> list[np.ndarray]:
    """`frames` camera frames of a screen looping through the QR images `codes`.

    The camera takes a frame every 1/camera_fps seconds, exposed for `shutter` of that
    interval; the screen's refresh phase is random (from `seed`). Exposures across a refresh
    show the two codes blended, as a real camera does.
    """
    rng = np.random.default_rng(seed)
    phase = float(rng.uniform(0, 1 / screen_fps))
    exposure = shutter / camera_fps
    return [camera_frame(exposed_code(codes, phase + n / camera_fps, exposure, screen_fps),
                         deg, seed * 10_007 + n) for n in range(frames)]


def qr_camera_frame(
    data: str | bytes, deg: Degradation, seed: int, version: int | None = None
) -> np.ndarray:
    """Render `data` as a QR code (our renderer) and photograph it."""
    code = QRRenderer(size=480, version=version).render(data)
    return camera_frame(code, deg, seed)


def write_frames_dir(frames: Iterable[np.ndarray], directory: Path) -> list[Path]:
    """Frames as numbered PNGs: a replay directory for `airsign decode DIR`."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, frame in enumerate(frames):
        path = directory / f"frame{number:04d}.png"
        cv2.imwrite(str(path), frame)
        paths.append(path)
    return paths


def write_video(frames: Iterable[np.ndarray], path: Path, fps: float = 10.0) -> Path:
    """Frames as an MJPEG .avi (lossy like a real recording)."""
    writer: cv2.VideoWriter | None = None
    for frame in frames:
        if writer is None:
            height, width = frame.shape
            fourcc = cv2.VideoWriter.fourcc(*"MJPG")
            writer = cv2.VideoWriter(str(path), fourcc, fps, (width, height), isColor=False)
        writer.write(frame)
    if writer is None:
        raise ValueError("no frames to write")
    writer.release()
    return path


class ListSource(FrameSource):
    """Frames from memory, so a test controls exactly what the scanner sees."""

    def __init__(self, frames: Sequence[np.ndarray]) -> None:
        super().__init__()
        self.frames = iter(frames)

    def _grab(self) -> np.ndarray | None:
        return next(self.frames, None)
