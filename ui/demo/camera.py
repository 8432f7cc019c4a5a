"""The simulated camera: what the device's camera would see while the coordinator's screen
shows an animated QR code.

Each frame of the coordinator's FrameSequence is rendered (ui/qr/render.py), set into a grey
scene, tilted a little, softened, dimmed unevenly and given sensor noise, all from a seed per
frame, so every run sees the same pictures. Numpy and Pillow only: no OpenCV needed.

In lock-step mode the camera hands out one frame per `advance()` and `advance()` returns only
when the scanner has dealt with it, so the scan screens a demo records are the same every
run however fast the machine is.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from ui.backends.camera import FrameSource
from ui.qr.render import QRRenderer

_WAIT_STEP = 0.005  # seconds between checks that the scanner thread is still there
_STALL_SECONDS = 10.0  # a scanner that asks for nothing this long has stopped


@dataclass(frozen=True)
class CameraLook:
    """How far from a clean screenshot the camera's view is."""

    width: int = 640
    height: int = 480
    code_fraction: float = 0.75  # QR image side / shorter frame side
    tilt_degrees: float = 6.0  # at most, either way
    blur_radius: float = 0.8
    noise_sigma: float = 4.0  # grey levels
    contrast: float = 0.8  # 1: black on white
    uneven_light: float = 0.25  # brightness fall-off across the frame


MILD = CameraLook()


def camera_view(code: Image.Image, look: CameraLook, seed: int) -> np.ndarray:
    """A grayscale camera frame showing the QR image `code` (0 dark, 255 light)."""
    rng = np.random.default_rng(seed)
    scene = Image.new("L", (look.width, look.height), int(rng.integers(90, 150)))
    side = round(look.code_fraction * min(look.width, look.height))
    # a screen is never pure black and white
    squeezed = 128 + (np.asarray(code, dtype=np.float32) - 128) * look.contrast
    symbol = Image.fromarray(squeezed.astype(np.uint8)).resize((side, side), Image.Resampling.BOX)
    angle = float(rng.uniform(-look.tilt_degrees, look.tilt_degrees))
    mask = Image.new("L", symbol.size, 255).rotate(angle, Image.Resampling.BILINEAR, expand=True)
    symbol = symbol.rotate(angle, Image.Resampling.BILINEAR, expand=True)
    wobble = rng.integers(-8, 9, size=2)
    corner = ((look.width - symbol.width) // 2 + int(wobble[0]),
              (look.height - symbol.height) // 2 + int(wobble[1]))
    scene.paste(symbol, corner, mask)
    if look.blur_radius:
        scene = scene.filter(ImageFilter.GaussianBlur(look.blur_radius))
    frame = np.asarray(scene, dtype=np.float32)
    frame = uneven_light(frame, look.uneven_light, rng)
    return to_sensor(frame, look.noise_sigma, rng)


def uneven_light(frame: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """The float frame with its light falling off by up to `strength` in a random direction."""
    if not strength:
        return frame
    height, width = frame.shape
    direction = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    ramp = xs / width * np.cos(direction) + ys / height * np.sin(direction)
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    return (frame * (1 - strength * ramp)).astype(frame.dtype)


def to_sensor(frame: np.ndarray, noise_sigma: float, rng: np.random.Generator) -> np.ndarray:
    """The float frame with sensor noise, as the 8-bit grayscale frame a camera delivers."""
    if noise_sigma:
        frame = frame + rng.normal(0, noise_sigma, size=frame.shape).astype(np.float32)
    return np.clip(frame, 0, 255).astype(np.uint8)


class ScreenCamera(FrameSource):
    """A camera pointed at a screen that shows `next_text()` frame after frame (e.g. a
    FrameSequence's next_frame) at QR version `version`."""

    def __init__(self, next_text: Callable[[], str | bytes], version: int,
                 look: CameraLook = MILD, lockstep: bool = False, seed: int = 0) -> None:
        super().__init__()
        self.next_text = next_text
        self.look = look
        self.renderer = QRRenderer(size=480, version=version)
        self.lockstep = lockstep
        self.seed = seed
        self.frames_taken = 0
        self._requests = threading.Semaphore(0)  # the scanner asked for a frame
        self._grants = threading.Semaphore(0)  # ... and may have it
        self._request_pending = False
        self._reader: threading.Thread | None = None

    def _grab(self) -> np.ndarray:
        if self.lockstep:
            self._reader = threading.current_thread()
            self._requests.release()
            self._grants.acquire(timeout=_STALL_SECONDS)
        code = self.renderer.render(self.next_text())
        self.frames_taken += 1
        return camera_view(code, self.look, self.seed + self.frames_taken)

    def advance(self) -> None:
        """Lock-step: let the scanner take one frame and wait until it has decoded it (it
        asks for the next) or has finished. Does nothing when no scanner is reading."""
        if not self.lockstep or not self._next_request():
            return
        self._grants.release()
        self._request_pending = self._next_request()

    def _next_request(self) -> bool:
        if self._request_pending:
            self._request_pending = False
            return True
        waited = 0.0
        while not self._requests.acquire(timeout=_WAIT_STEP):
            waited += _WAIT_STEP
            reader_gone = self._reader is not None and not self._reader.is_alive()
            if reader_gone or waited > _STALL_SECONDS:
                return False
        return True
