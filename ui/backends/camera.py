"""Camera sources: where frames come from, behind one small interface.

Every source yields 8-bit grayscale PIL images (QR decoding needs only luminance) with the
device's rotation and mirror settings already applied, returns None from `read()` once a
replay is exhausted, and is a context manager. Live sources: a V4L2 camera (USB webcams;
the Pi camera module also appears as /dev/videoN through libcamera's V4L2 compatibility
layer) through OpenCV's `VideoCapture` when OpenCV is installed, else through the
pure-Python capture in `ui.backends.v4l2`; and picamera2 (optional). Replay sources, for
tests and demos: a video file (needs OpenCV), image files, a directory of frames, an
animated GIF; optionally looped and paced at a frame rate.

OpenCV (and numpy with it) is imported only inside the sources that use it: the device image
leaves both out (with its bundled ffmpeg and BLAS they are ~150 MB of a root filesystem that
lives in RAM).
"""

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from PIL import Image, ImageSequence, UnidentifiedImageError

from signer.errors import CameraError, UsageError
from ui.backends.frames import ROTATIONS, orient, to_gray

if TYPE_CHECKING:
    from ui.backends.v4l2 import V4L2Camera

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".tif", ".tiff", ".webp"}
)
ANIMATION_SUFFIXES = frozenset({".gif"})
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mkv", ".mov", ".webm", ".mjpeg", ".mjpg"})
_FAILED_READS_BEFORE_ERROR = 30  # a live camera may drop a few frames while it settles


def opencv_available() -> bool:
    """Whether OpenCV imports (a camera opened through it would import it anyway)."""
    try:
        import cv2  # noqa: F401
    except ImportError:
        return False
    return True


def _cv2() -> Any:
    """OpenCV, for the sources that need it; a one-line error where it is not installed."""
    try:
        import cv2
    except ImportError as exc:
        raise CameraError("OpenCV is not installed: video files need it (image files, GIFs, "
                          "frame directories and v4l2:N cameras do not)") from exc
    # OpenCV logs a missing camera as a dozen WARN/ERROR lines on stderr; our CameraError
    # already says it in one.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    return cv2


class FrameSource(ABC):
    """A stream of grayscale frames. `fps` is the nominal frame rate, None if unpaced."""

    fps: float | None = None

    def __init__(self, rotation: int = 0, mirror: bool = False) -> None:
        if rotation not in ROTATIONS:
            raise UsageError("camera rotation must be 0, 90, 180 or 270")
        self.rotation = rotation
        self.mirror = mirror

    def read(self) -> Image.Image | None:
        """The next frame (grayscale, oriented), or None when a replay has run out."""
        frame = self._grab()
        if frame is None:
            return None
        return orient(to_gray(frame), self.rotation, self.mirror)

    @abstractmethod
    def _grab(self) -> Any: ...  # a PIL image, or an OpenCV array (BGR or gray)

    def close(self) -> None:  # noqa: B027 - sources without resources need no cleanup
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class _Pacer:
    """Sleeps so that frames come out no faster than `fps` (demos replaying recordings)."""

    def __init__(self, fps: float | None) -> None:
        self.interval = 1.0 / fps if fps else 0.0
        self.next_at = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self.next_at > now:
            time.sleep(self.next_at - now)
        self.next_at = max(now, self.next_at) + self.interval


class OpenCVCamera(FrameSource):
    """A V4L2/USB camera through OpenCV: device index (`camera:0`) or path (/dev/video0)."""

    def __init__(
        self,
        device: int | str,
        width: int = 640,
        height: int = 480,
        rotation: int = 0,
        mirror: bool = False,
    ) -> None:
        super().__init__(rotation, mirror)
        # Checked first: OpenCV's ffmpeg backend would print its own error for a missing path.
        if isinstance(device, str) and not Path(device).exists():
            raise CameraError(f"no camera at {device}: is it connected?")
        cv2 = _cv2()
        self.device = device
        self.capture = cv2.VideoCapture(device)
        if not self.capture.isOpened():
            self.capture.release()
            raise CameraError(f"cannot open camera {device}: is it connected and free?")
        self.capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self.capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        # One buffered frame: the preview shows what is in front of the lens now, not 4 frames ago.
        self.capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self.fps = self.capture.get(cv2.CAP_PROP_FPS) or None

    def _grab(self) -> Any:
        for _ in range(_FAILED_READS_BEFORE_ERROR):
            ok, frame = self.capture.read()
            if ok and frame is not None:
                return frame
        raise CameraError(f"camera {self.device} stopped delivering frames")

    def close(self) -> None:
        self.capture.release()


class Picamera2Camera(FrameSource):
    """The Raspberry Pi camera module through picamera2 (optional; not tested in CI).

    Asks for YUV420 so the luminance plane is the first `height` rows: no colour conversion.
    Columns are cut to `width` too, in case libcamera pads rows to an aligned stride.
    """

    def __init__(
        self,
        camera_index: int = 0,
        width: int = 640,
        height: int = 480,
        rotation: int = 0,
        mirror: bool = False,
    ) -> None:
        super().__init__(rotation, mirror)
        try:
            from picamera2 import Picamera2  # type: ignore[import-not-found]
        except ImportError as exc:
            raise CameraError(
                "picamera2 is not installed (apt install python3-picamera2); "
                "or use the V4L2 device, e.g. camera:0"
            ) from exc
        try:
            self.camera = Picamera2(camera_index)
            config = self.camera.create_video_configuration(
                main={"size": (width, height), "format": "YUV420"}
            )
            self.camera.configure(config)
            self.camera.start()
        except (RuntimeError, IndexError, OSError) as exc:
            raise CameraError(f"cannot start the Pi camera {camera_index}: {exc}") from exc
        self.width, self.height = width, height
        self.fps = 30.0

    def _grab(self) -> Any:
        return self.camera.capture_array("main")[: self.height, : self.width]

    def close(self) -> None:
        self.camera.stop()
        self.camera.close()


class VideoFileSource(FrameSource):
    """Frames of a recorded video, optionally looped and paced at `fps`."""

    def __init__(
        self,
        path: str | Path,
        loop: bool = False,
        fps: float | None = None,
        rotation: int = 0,
        mirror: bool = False,
    ) -> None:
        super().__init__(rotation, mirror)
        self._cv2 = _cv2()
        self.path = Path(path)
        self.capture = self._cv2.VideoCapture(str(self.path))
        if not self.capture.isOpened():
            self.capture.release()
            raise CameraError(f"cannot open video {self.path}")
        self.loop = loop
        self.fps = fps if fps else (self.capture.get(self._cv2.CAP_PROP_FPS) or None)
        self.pacer = _Pacer(fps)

    def _grab(self) -> Any:
        self.pacer.wait()
        ok, frame = self.capture.read()
        if not ok and self.loop:
            self.capture.set(self._cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self.capture.read()
        return frame if ok else None

    def close(self) -> None:
        self.capture.release()


def _natural_key(path: Path) -> list[int | str]:
    """frame2.png before frame10.png: digits compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def frame_files(directory: str | Path) -> list[Path]:
    """The image files of a directory of frames, in natural sort order."""
    folder = Path(directory)
    files = [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
    if not files:
        raise CameraError(f"no image files in {folder}")
    return sorted(files, key=_natural_key)


class ImageFilesSource(FrameSource):
    """Still images (PNG, JPEG, ...; animated GIFs frame by frame) replayed in order."""

    def __init__(
        self,
        paths: Sequence[str | Path],
        loop: bool = False,
        fps: float | None = None,
        rotation: int = 0,
        mirror: bool = False,
    ) -> None:
        super().__init__(rotation, mirror)
        if not paths:
            raise UsageError("no image files given")
        self.paths = [Path(p) for p in paths]
        self.loop = loop
        self.fps = fps
        self.pacer = _Pacer(fps)
        self.frames = self._all_frames()

    def _all_frames(self) -> Iterator[Image.Image]:
        while True:
            for path in self.paths:
                yield from _image_frames(path)
            if not self.loop:
                return

    def _grab(self) -> Image.Image | None:
        self.pacer.wait()
        return next(self.frames, None)


def _image_frames(path: Path) -> Iterator[Image.Image]:
    if path.suffix.lower() in ANIMATION_SUFFIXES:
        try:
            with Image.open(path) as animation:
                for frame in ImageSequence.Iterator(animation):
                    yield frame.convert("L")
        except (OSError, UnidentifiedImageError) as exc:
            raise CameraError(f"cannot read animation {path}: {exc}") from exc
        return
    try:
        with Image.open(path) as image:
            frame = image.convert("L")
    except (OSError, UnidentifiedImageError) as exc:
        raise CameraError(f"cannot read image {path}: {exc}") from exc
    yield frame


def open_source(
    specs: Sequence[str],
    *,
    loop: bool = False,
    fps: float | None = None,
    rotation: int = 0,
    mirror: bool = False,
    width: int = 640,
    height: int = 480,
) -> FrameSource:
    """The source named on a command line.

    `camera:N` or /dev/videoN: a V4L2 camera (through OpenCV if it is installed, else
    `ui.backends.v4l2`); `v4l2:N`: always `ui.backends.v4l2`; `picamera` or `picamera:N`:
    picamera2; a video file; or any mix of image files, animated GIFs and directories of
    frames (replayed in the order given, each directory in natural sort order).
    """
    if not specs:
        raise UsageError("no QR source given")
    live = [s for s in specs if s.startswith(("camera:", "v4l2:", "picamera", "/dev/video"))]
    videos = [s for s in specs if Path(s).suffix.lower() in VIDEO_SUFFIXES]
    if (live or videos) and len(specs) > 1:
        raise UsageError("a camera or video source must be the only source")
    orientation = {"rotation": rotation, "mirror": mirror}
    if live:
        spec = live[0]
        if spec.startswith("picamera"):
            return Picamera2Camera(_device_index(spec, "picamera"), width, height, **orientation)
        if spec.startswith("v4l2:"):
            return _v4l2_camera(f"/dev/video{_device_index(spec, 'v4l2')}", width, height,
                                orientation)
        device: int | str = _device_index(spec, "camera") if spec.startswith("camera:") else spec
        if not opencv_available():
            path = device if isinstance(device, str) else f"/dev/video{device}"
            return _v4l2_camera(path, width, height, orientation)
        return OpenCVCamera(device, width, height, **orientation)
    if videos:
        _require_exists(videos[0])
        return VideoFileSource(videos[0], loop=loop, fps=fps, **orientation)
    images: list[Path] = []
    for spec in specs:
        path = _require_exists(spec)
        if path.is_dir():
            images.extend(frame_files(path))
        elif path.suffix.lower() in IMAGE_SUFFIXES | ANIMATION_SUFFIXES:
            images.append(path)
        else:
            raise UsageError(f"{spec}: not an image, GIF, video, directory or camera:N")
    return ImageFilesSource(images, loop=loop, fps=fps, **orientation)


def _v4l2_camera(path: str, width: int, height: int,
                 orientation: dict[str, Any]) -> "V4L2Camera":
    from ui.backends.v4l2 import V4L2Camera

    return V4L2Camera(path, width, height, **orientation)


def _device_index(spec: str, prefix: str) -> int:
    rest = spec.removeprefix(prefix).removeprefix(":")
    if not rest:
        return 0
    if not rest.isdigit():
        raise UsageError(f"{spec}: expected {prefix}:N with a device number")
    return int(rest)


def _require_exists(spec: str) -> Path:
    path = Path(spec)
    if not path.exists():
        raise UsageError(f"{spec}: no such file or directory")
    return path
