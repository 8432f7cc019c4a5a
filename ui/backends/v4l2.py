"""A V4L2 camera in pure Python: ioctl + mmap streaming, no OpenCV.

The structures and request numbers follow the kernel's include/uapi/linux/videodev2.h
(the userspace ABI): VIDIOC_QUERYCAP, S_FMT (YUYV or GREY), REQBUFS, QUERYBUF, QBUF, DQBUF,
STREAMON/STREAMOFF with memory-mapped buffers. Only the luminance is kept: the Y bytes of
YUYV, the Y plane of I420 (YU12, which the Pi camera's bcm2835-v4l2 driver delivers too), or
GREY as it is. ctypes lays the structures out like the C compiler does for this
machine (pointer-sized members set the alignment), so one definition fits 32- and 64-bit.

Not verified on camera hardware yet (developed without a camera; the layouts and request
numbers are unit-tested against the kernel header's values, the conversion against
hand-made frames).
"""

import contextlib
import ctypes
import errno
import fcntl
import mmap
import os
import select
from dataclasses import dataclass

from PIL import Image

from signer.errors import CameraError
from ui.backends.camera import FrameSource

# --- videodev2.h -------------------------------------------------------------------------
V4L2_BUF_TYPE_VIDEO_CAPTURE = 1
V4L2_MEMORY_MMAP = 1
V4L2_FIELD_ANY = 0
V4L2_CAP_VIDEO_CAPTURE = 0x00000001
V4L2_CAP_STREAMING = 0x04000000
V4L2_CAP_DEVICE_CAPS = 0x80000000


def fourcc(code: str) -> int:
    """v4l2_fourcc: four ASCII characters, first in the lowest byte."""
    return int.from_bytes(code.encode("ascii"), "little")


PIX_FMT_YUYV = fourcc("YUYV")
PIX_FMT_GREY = fourcc("GREY")
PIX_FMT_I420 = fourcc("YU12")  # planar 4:2:0: the Y plane first, bytes_per_line per row


class Capability(ctypes.Structure):
    _fields_ = [
        ("driver", ctypes.c_char * 16),
        ("card", ctypes.c_char * 32),
        ("bus_info", ctypes.c_char * 32),
        ("version", ctypes.c_uint32),
        ("capabilities", ctypes.c_uint32),
        ("device_caps", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32 * 3),
    ]


class PixFormat(ctypes.Structure):
    _fields_ = [
        ("width", ctypes.c_uint32),
        ("height", ctypes.c_uint32),
        ("pixelformat", ctypes.c_uint32),
        ("field", ctypes.c_uint32),
        ("bytesperline", ctypes.c_uint32),
        ("sizeimage", ctypes.c_uint32),
        ("colorspace", ctypes.c_uint32),
        ("priv", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("ycbcr_enc", ctypes.c_uint32),  # a union with hsv_enc: both u32
        ("quantization", ctypes.c_uint32),
        ("xfer_func", ctypes.c_uint32),
    ]


class _FormatUnion(ctypes.Union):
    # raw_data[200] is the union's size; v4l2_window inside it holds pointers, which gives
    # the union pointer alignment (offset 8 on 64-bit, 4 on 32-bit)
    _fields_ = [
        ("pix", PixFormat),
        ("raw_data", ctypes.c_uint8 * 200),
        ("_pointer_alignment", ctypes.c_void_p),
    ]


class Format(ctypes.Structure):
    _fields_ = [("type", ctypes.c_uint32), ("fmt", _FormatUnion)]


class RequestBuffers(ctypes.Structure):
    _fields_ = [
        ("count", ctypes.c_uint32),
        ("type", ctypes.c_uint32),
        ("memory", ctypes.c_uint32),
        ("capabilities", ctypes.c_uint32),
        ("flags", ctypes.c_uint8),
        ("reserved", ctypes.c_uint8 * 3),
    ]


class TimeVal(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class TimeCode(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("frames", ctypes.c_uint8),
        ("seconds", ctypes.c_uint8),
        ("minutes", ctypes.c_uint8),
        ("hours", ctypes.c_uint8),
        ("userbits", ctypes.c_uint8 * 4),
    ]


class _BufferLocation(ctypes.Union):
    _fields_ = [
        ("offset", ctypes.c_uint32),
        ("userptr", ctypes.c_ulong),
        ("planes", ctypes.c_void_p),
        ("fd", ctypes.c_int32),
    ]


class Buffer(ctypes.Structure):
    _fields_ = [
        ("index", ctypes.c_uint32),
        ("type", ctypes.c_uint32),
        ("bytesused", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("field", ctypes.c_uint32),
        ("timestamp", TimeVal),
        ("timecode", TimeCode),
        ("sequence", ctypes.c_uint32),
        ("memory", ctypes.c_uint32),
        ("m", _BufferLocation),
        ("length", ctypes.c_uint32),
        ("reserved2", ctypes.c_uint32),
        ("request_fd", ctypes.c_int32),  # a union with reserved: both 32-bit
    ]


# asm-generic/ioctl.h: direction in bits 30-31, size in 16-29, type in 8-15, number in 0-7
_IOC_WRITE, _IOC_READ = 1, 2


def _ioc(direction: int, number: int, size: int) -> int:
    return (direction << 30) | (size << 16) | (ord("V") << 8) | number


VIDIOC_QUERYCAP = _ioc(_IOC_READ, 0, ctypes.sizeof(Capability))
VIDIOC_S_FMT = _ioc(_IOC_READ | _IOC_WRITE, 5, ctypes.sizeof(Format))
VIDIOC_REQBUFS = _ioc(_IOC_READ | _IOC_WRITE, 8, ctypes.sizeof(RequestBuffers))
VIDIOC_QUERYBUF = _ioc(_IOC_READ | _IOC_WRITE, 9, ctypes.sizeof(Buffer))
VIDIOC_QBUF = _ioc(_IOC_READ | _IOC_WRITE, 15, ctypes.sizeof(Buffer))
VIDIOC_DQBUF = _ioc(_IOC_READ | _IOC_WRITE, 17, ctypes.sizeof(Buffer))
VIDIOC_STREAMON = _ioc(_IOC_WRITE, 18, ctypes.sizeof(ctypes.c_int))
VIDIOC_STREAMOFF = _ioc(_IOC_WRITE, 19, ctypes.sizeof(ctypes.c_int))
# ------------------------------------------------------------------------------------------

_FAILED_READS_BEFORE_ERROR = 30  # a camera may drop frames while it settles
_FRAME_TIMEOUT = 2.0  # seconds to wait for one frame


@dataclass(frozen=True)
class FrameLayout:
    """What the driver agreed to in S_FMT."""

    width: int
    height: int
    pixel_format: int
    bytes_per_line: int


def luminance(data: bytes | memoryview | mmap.mmap, layout: FrameLayout) -> Image.Image:
    """The Y plane of a YUYV, I420 or GREY frame as a width x height 8-bit image (a copy).

    YUYV packs two pixels in four bytes, Y0 U Y1 V: the even bytes are the luminance. I420
    and GREY start with the Y plane. Rows may be padded (bytes_per_line > the pixels' bytes);
    the padding is dropped.
    """
    size = layout.height * layout.bytes_per_line
    if len(data) < size:
        raise CameraError(f"short V4L2 frame: {len(data)} bytes, expected {size}")
    rows = bytes(data[:size])
    if layout.pixel_format == PIX_FMT_YUYV:
        rows, row_pixels = rows[::2], layout.bytes_per_line // 2
    elif layout.pixel_format in (PIX_FMT_GREY, PIX_FMT_I420):
        row_pixels = layout.bytes_per_line
    else:
        raise CameraError(f"unsupported V4L2 pixel format {layout.pixel_format:#010x}")
    image = Image.frombytes("L", (row_pixels, layout.height), rows)
    if row_pixels == layout.width:
        return image
    return image.crop((0, 0, layout.width, layout.height))


class V4L2Camera(FrameSource):
    """A /dev/videoN capture device, streaming through memory-mapped buffers."""

    def __init__(
        self,
        path: str = "/dev/video0",
        width: int = 640,
        height: int = 480,
        *,
        rotation: int = 0,
        mirror: bool = False,
        buffer_count: int = 2,
    ) -> None:
        super().__init__(rotation, mirror)
        self.path = path
        self._buffers: list[mmap.mmap] = []
        self._streaming = False
        self.fd = _open(path)
        try:
            self._check_capabilities()
            self.layout = self._set_format(width, height)
            self._start(buffer_count)
        except BaseException:
            self.close()
            raise

    def _ioctl(self, request: int, argument: ctypes.Structure | ctypes.c_int, what: str) -> None:
        try:
            fcntl.ioctl(self.fd, request, argument)
        except OSError as exc:
            if exc.errno in (errno.ENOTTY, errno.EINVAL) and request == VIDIOC_QUERYCAP:
                raise CameraError(f"{self.path} is not a V4L2 camera") from None
            raise CameraError(f"camera {self.path}: {what} failed: {exc.strerror}") from None

    def _check_capabilities(self) -> None:
        capability = Capability()
        self._ioctl(VIDIOC_QUERYCAP, capability, "VIDIOC_QUERYCAP")
        caps = capability.capabilities
        if caps & V4L2_CAP_DEVICE_CAPS:
            caps = capability.device_caps  # this node's, not the whole device's
        if not caps & V4L2_CAP_VIDEO_CAPTURE:
            raise CameraError(f"{self.path} ({capability.card.decode(errors='replace')}) "
                              "does not capture video: try the next /dev/videoN")
        if not caps & V4L2_CAP_STREAMING:
            raise CameraError(f"{self.path} does not support streaming capture")

    def _set_format(self, width: int, height: int) -> FrameLayout:
        for wanted in (PIX_FMT_YUYV, PIX_FMT_I420, PIX_FMT_GREY):
            request = Format(type=V4L2_BUF_TYPE_VIDEO_CAPTURE)
            pix = request.fmt.pix
            pix.width, pix.height = width, height
            pix.pixelformat, pix.field = wanted, V4L2_FIELD_ANY
            self._ioctl(VIDIOC_S_FMT, request, "VIDIOC_S_FMT")
            if pix.pixelformat == wanted:  # the driver may substitute another format
                bytes_per_pixel = 2 if wanted == PIX_FMT_YUYV else 1  # I420: its Y plane
                return FrameLayout(pix.width, pix.height, wanted,
                                   max(pix.bytesperline, pix.width * bytes_per_pixel))
        raise CameraError(f"camera {self.path} offers no YUYV, I420 or GREY frames")

    def _start(self, buffer_count: int) -> None:
        request = RequestBuffers(count=buffer_count, type=V4L2_BUF_TYPE_VIDEO_CAPTURE,
                                 memory=V4L2_MEMORY_MMAP)
        self._ioctl(VIDIOC_REQBUFS, request, "VIDIOC_REQBUFS")
        if request.count < 1:
            raise CameraError(f"camera {self.path} gave no capture buffers")
        for index in range(request.count):
            buffer = self._buffer(index)
            self._ioctl(VIDIOC_QUERYBUF, buffer, "VIDIOC_QUERYBUF")
            self._buffers.append(mmap.mmap(self.fd, buffer.length, mmap.MAP_SHARED,
                                           mmap.PROT_READ | mmap.PROT_WRITE,
                                           offset=buffer.m.offset))
            self._ioctl(VIDIOC_QBUF, buffer, "VIDIOC_QBUF")
        self._ioctl(VIDIOC_STREAMON, ctypes.c_int(V4L2_BUF_TYPE_VIDEO_CAPTURE), "VIDIOC_STREAMON")
        self._streaming = True

    @staticmethod
    def _buffer(index: int = 0) -> Buffer:
        return Buffer(index=index, type=V4L2_BUF_TYPE_VIDEO_CAPTURE, memory=V4L2_MEMORY_MMAP)

    def _grab(self) -> Image.Image:
        for _ in range(_FAILED_READS_BEFORE_ERROR):
            ready, _, _ = select.select([self.fd], [], [], _FRAME_TIMEOUT)
            if not ready:
                continue
            buffer = self._buffer()
            try:
                fcntl.ioctl(self.fd, VIDIOC_DQBUF, buffer)
            except OSError as exc:
                if exc.errno == errno.EAGAIN:
                    continue
                raise CameraError(f"camera {self.path}: {exc.strerror}") from None
            try:
                return luminance(self._buffers[buffer.index], self.layout)
            finally:
                self._ioctl(VIDIOC_QBUF, buffer, "VIDIOC_QBUF")
        raise CameraError(f"camera {self.path} stopped delivering frames")

    def close(self) -> None:
        if self.fd < 0:
            return
        if self._streaming:
            # the device may be gone (unplugged): closing it is all that is left to do
            with contextlib.suppress(OSError):
                fcntl.ioctl(self.fd, VIDIOC_STREAMOFF,
                            ctypes.c_int(V4L2_BUF_TYPE_VIDEO_CAPTURE))
            self._streaming = False
        for mapped in self._buffers:
            mapped.close()
        self._buffers.clear()
        os.close(self.fd)
        self.fd = -1


def _open(path: str) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_NONBLOCK)
    except FileNotFoundError:
        raise CameraError(f"no camera at {path}: is it connected?") from None
    except PermissionError:
        raise CameraError(f"no permission to open {path}: add the user to the video "
                          "group") from None
    except OSError as exc:
        raise CameraError(f"cannot open camera {path}: {exc.strerror}") from None
