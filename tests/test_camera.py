"""Frame sources: replay of images, GIFs, directories and videos; orientation; errors."""

from pathlib import Path

import numpy as np
import pytest
from framegen import CLEAN, write_frames_dir, write_video
from PIL import Image

from signer.errors import CameraError, UsageError
from ui.backends.camera import ImageFilesSource, frame_files, open_source

# an asymmetric test pattern: orientation mistakes show up as different arrays
PATTERN = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20


def read_all(source) -> list[Image.Image]:
    frames = []
    with source:
        while (frame := source.read()) is not None:
            frames.append(frame)
    return frames


def test_directory_in_natural_order(tmp_path: Path) -> None:
    frames = [np.full((8, 8), value, np.uint8) for value in (10, 20, 30)]
    for name, frame in zip(["f2.png", "f10.png", "f1.png"], frames, strict=True):
        Image.fromarray(frame).save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("not a frame")
    assert [p.name for p in frame_files(tmp_path)] == ["f1.png", "f2.png", "f10.png"]
    read = read_all(open_source([str(tmp_path)]))
    assert [f.getpixel((0, 0)) for f in read] == [30, 10, 20]


@pytest.mark.parametrize(("rotation", "mirror", "expected"), [
    (0, False, PATTERN),
    (90, False, np.rot90(PATTERN, -1)),  # clockwise
    (180, False, np.rot90(PATTERN, 2)),
    (270, False, np.rot90(PATTERN, 1)),
    (0, True, PATTERN[:, ::-1]),
    (90, True, np.rot90(PATTERN, -1)[:, ::-1]),  # rotate first, then mirror
])
def test_orientation(tmp_path: Path, rotation: int, mirror: bool, expected: np.ndarray) -> None:
    path = tmp_path / "p.png"
    Image.fromarray(PATTERN).save(path)
    (frame,) = read_all(open_source([str(path)], rotation=rotation, mirror=mirror))
    np.testing.assert_array_equal(frame, expected)


def test_colour_image_becomes_luminance(tmp_path: Path) -> None:
    path = tmp_path / "c.png"
    Image.new("RGB", (4, 4), (255, 0, 0)).save(path)
    (frame,) = read_all(open_source([str(path)]))
    assert frame.mode == "L" and frame.getpixel((0, 0)) == 76  # ITU-R BT.601 weight of red


def test_gif_frames_and_loop(tmp_path: Path) -> None:
    images = [Image.fromarray(np.full((6, 6), v, np.uint8)) for v in (0, 128, 255)]
    gif = tmp_path / "a.gif"
    images[0].save(gif, save_all=True, append_images=images[1:], duration=100, loop=0)
    assert [f.getpixel((0, 0)) for f in read_all(open_source([str(gif)]))] == [0, 128, 255]
    looped = open_source([str(gif)], loop=True)
    assert [looped.read().getpixel((0, 0)) for _ in range(5)] == [0, 128, 255, 0, 128]


def test_video_replay(tmp_path: Path) -> None:
    frames = [np.full((CLEAN.height, CLEAN.width), v, np.uint8) for v in (40, 120, 200)]
    video = write_video(frames, tmp_path / "v.avi")
    read = read_all(open_source([str(video)]))
    assert [round(float(np.asarray(f).mean()) / 10) for f in read] == [4, 12, 20]  # lossy MJPEG


def test_frames_dir_helper_round_trip(tmp_path: Path) -> None:
    frames = [np.full((5, 7), v, np.uint8) for v in range(3)]
    paths = write_frames_dir(frames, tmp_path / "d")
    assert len(paths) == 3
    for got, want in zip(read_all(open_source([str(tmp_path / "d")])), frames, strict=True):
        np.testing.assert_array_equal(got, want)


def test_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "x.txt").write_text("hello")
    (tmp_path / "bad.png").write_bytes(b"not a png")
    with pytest.raises(UsageError, match="no QR source"):
        open_source([])
    with pytest.raises(UsageError, match="no such file"):
        open_source([str(tmp_path / "missing.png")])
    with pytest.raises(CameraError, match="no image files"):
        open_source([str(tmp_path / "empty")])
    with pytest.raises(UsageError, match="not an image"):
        open_source([str(tmp_path / "x.txt")])
    with pytest.raises(UsageError, match="only source"):
        open_source(["camera:0", str(tmp_path / "x.txt")])
    with pytest.raises(UsageError, match="device number"):
        open_source(["camera:abc"])
    with pytest.raises(UsageError, match="rotation"):
        ImageFilesSource([tmp_path / "bad.png"], rotation=45)
    with pytest.raises(CameraError, match="cannot read image"):
        read_all(open_source([str(tmp_path / "bad.png")]))
    with pytest.raises(CameraError, match="cannot open camera"):
        open_source(["camera:63"])


@pytest.mark.parametrize("spec", ["camera:63", "/dev/video63"])
def test_missing_camera_is_one_line_on_stderr(capfd, spec: str) -> None:
    """OpenCV and its ffmpeg backend log to fd 2 themselves; the user must see only our line."""
    from ui.cli import main

    assert main(["decode", spec]) == 1
    err = capfd.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("airsign: ") and "camera" in err
