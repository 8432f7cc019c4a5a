"""The pure-Python V4L2 capture without a camera: structure layouts and request numbers
against the kernel's videodev2.h (compiled with the system C compiler when there is one,
and the published 64-bit values), the YUYV/GREY luminance extraction, device errors, and
the scan path working with OpenCV absent."""

import ctypes
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from signer.errors import CameraError
from ui.backends import camera, v4l2
from ui.backends.v4l2 import PIX_FMT_GREY, PIX_FMT_YUYV, FrameLayout, luminance

HEADER = Path("/usr/include/linux/videodev2.h")
STRUCTS = {
    "v4l2_capability": (v4l2.Capability, ["capabilities", "device_caps"]),
    "v4l2_pix_format": (v4l2.PixFormat, ["pixelformat", "bytesperline", "xfer_func"]),
    "v4l2_format": (v4l2.Format, ["fmt"]),
    "v4l2_requestbuffers": (v4l2.RequestBuffers, ["memory", "capabilities", "flags"]),
    "v4l2_buffer": (v4l2.Buffer, ["timestamp", "timecode", "sequence", "memory", "m",
                                  "length", "request_fd"]),
}
REQUESTS = ["VIDIOC_QUERYCAP", "VIDIOC_S_FMT", "VIDIOC_REQBUFS", "VIDIOC_QUERYBUF",
            "VIDIOC_QBUF", "VIDIOC_DQBUF", "VIDIOC_STREAMON", "VIDIOC_STREAMOFF"]


def _c_program() -> str:
    lines = []
    for name, (_, fields) in STRUCTS.items():
        lines.append(f'printf("sizeof {name} %zu\\n", sizeof(struct {name}));')
        for field in fields:
            lines.append(f'printf("offsetof {name}.{field} %zu\\n", '
                         f"offsetof(struct {name}, {field}));")
    for request in REQUESTS:
        lines.append(f'printf("ioctl {request} %lu\\n", (unsigned long){request});')
    lines.append('printf("fourcc YUYV %u\\n", V4L2_PIX_FMT_YUYV);')
    lines.append('printf("fourcc GREY %u\\n", V4L2_PIX_FMT_GREY);')
    body = textwrap.indent("\n".join(lines), "    ")
    return ("#include <stdio.h>\n#include <stddef.h>\n#include <linux/videodev2.h>\n"
            f"int main(void) {{\n{body}\n    return 0;\n}}\n")


@pytest.mark.skipif(not HEADER.exists() or shutil.which("cc") is None,
                    reason="needs the kernel's videodev2.h and a C compiler")
def test_layouts_match_the_compiled_kernel_header(tmp_path: Path) -> None:
    source = tmp_path / "layout.c"
    source.write_text(_c_program())
    subprocess.run(["cc", "-o", str(tmp_path / "layout"), str(source)], check=True)
    output = subprocess.run([str(tmp_path / "layout")], check=True, capture_output=True,
                            text=True).stdout
    facts = {" ".join(line.split()[:2]): int(line.split()[2]) for line in output.splitlines()}
    for name, (struct, fields) in STRUCTS.items():
        assert ctypes.sizeof(struct) == facts[f"sizeof {name}"], name
        for field in fields:
            assert getattr(struct, field).offset == facts[f"offsetof {name}.{field}"], field
    for request in REQUESTS:
        assert getattr(v4l2, request) == facts[f"ioctl {request}"], request
    assert (facts["fourcc YUYV"], facts["fourcc GREY"]) == (PIX_FMT_YUYV, PIX_FMT_GREY)


@pytest.mark.skipif(ctypes.sizeof(ctypes.c_void_p) != 8, reason="64-bit values")
def test_request_numbers_on_64_bit() -> None:
    # the values strace and v4l2 tools print on x86-64 and arm64
    assert v4l2.VIDIOC_QUERYCAP == 0x80685600
    assert v4l2.VIDIOC_S_FMT == 0xC0D05605
    assert v4l2.VIDIOC_REQBUFS == 0xC0145608
    assert v4l2.VIDIOC_QUERYBUF == 0xC0585609
    assert v4l2.VIDIOC_QBUF == 0xC058560F
    assert v4l2.VIDIOC_DQBUF == 0xC0585611
    assert v4l2.VIDIOC_STREAMON == 0x40045612
    assert v4l2.VIDIOC_STREAMOFF == 0x40045613
    assert PIX_FMT_YUYV == 0x56595559


def test_yuyv_luminance_drops_chroma_and_row_padding() -> None:
    width, height, stride = 4, 3, 12  # 8 bytes of pixels + 4 bytes of padding per row
    luma = np.arange(width * height, dtype=np.uint8).reshape(height, width) * 10 + 5
    frame = np.full((height, stride), 0xEE, dtype=np.uint8)  # padding
    frame[:, 0:8:2] = luma  # Y0 Y1 Y2 Y3
    frame[:, 1:8:4] = 0x80  # U
    frame[:, 3:8:4] = 0x7F  # V
    got = luminance(frame.tobytes(), FrameLayout(width, height, PIX_FMT_YUYV, stride))
    assert got.mode == "L" and got.size == (width, height)
    np.testing.assert_array_equal(np.asarray(got), luma)


def test_grey_luminance_and_unknown_format() -> None:
    rows = np.array([[1, 2, 3, 99], [4, 5, 6, 99]], dtype=np.uint8)
    got = luminance(rows.tobytes(), FrameLayout(3, 2, PIX_FMT_GREY, 4))
    np.testing.assert_array_equal(np.asarray(got), rows[:, :3])
    with pytest.raises(CameraError, match="unsupported V4L2 pixel format"):
        luminance(rows.tobytes(), FrameLayout(3, 2, v4l2.fourcc("MJPG"), 4))


def test_device_errors() -> None:
    with pytest.raises(CameraError, match="no camera at /dev/video63"):
        camera.open_source(["v4l2:63"])
    with pytest.raises(CameraError, match="/dev/null is not a V4L2 camera"):
        v4l2.V4L2Camera("/dev/null")  # a real ioctl: QUERYCAP fails with ENOTTY


def test_camera_spec_falls_back_to_v4l2_without_opencv(monkeypatch) -> None:
    monkeypatch.setattr(camera, "opencv_available", lambda: False)
    with pytest.raises(CameraError, match="no camera at /dev/video7"):
        camera.open_source(["camera:7"])


def test_scan_path_runs_without_opencv(tmp_path: Path) -> None:
    """The device image has no OpenCV: sources, decoders, scanner and renderer must not
    need it (a fresh interpreter where importing cv2 fails)."""
    script = textwrap.dedent(f"""
        import sys
        sys.modules["cv2"] = None  # import cv2 -> ImportError
        from signer.transport.encoders import encode_frames
        from signer.transport.types import Format
        from ui.scan.sources import load_source, write_qr_frames
        from ui.backends.camera import opencv_available
        assert not opencv_available()
        frames = encode_frames(b"psbt\\xff" + bytes(900), Format.BBQR, density="low")
        write_qr_frames(frames, gif={str(tmp_path / 'a.gif')!r})
        payload = load_source([{str(tmp_path / 'a.gif')!r}])
        assert payload.data == b"psbt\\xff" + bytes(900)
        assert "cv2" not in sys.modules or sys.modules["cv2"] is None
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[1], check=False)
    assert result.stdout.strip() == "ok", result.stderr
