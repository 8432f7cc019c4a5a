"""Frames are 8-bit grayscale PIL images: luminance and orientation without numpy or OpenCV.

The device has neither (numpy with its BLAS alone would be 70 MB of a root filesystem that
lives in RAM); Pillow's C routines do the per-pixel work. Desktop sources that get numpy
arrays from OpenCV hand them over through `from_array`.
"""

from typing import Any

from PIL import Image

ROTATIONS = (0, 90, 180, 270)  # degrees clockwise
_TRANSPOSE = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
              270: Image.Transpose.ROTATE_90}  # PIL's rotations are counter-clockwise


def from_array(frame: Any) -> Image.Image:
    """A grayscale, BGR or BGRA array (OpenCV's channel order) as a PIL image."""
    if frame.ndim == 3:
        frame = frame[..., 2::-1]  # BGR(A) -> RGB: channel order only, still the array's type
    return Image.fromarray(frame)


def to_gray(frame: Image.Image | Any) -> Image.Image:
    """The 8-bit luminance (ITU-R BT.601 weights) of a PIL image or an OpenCV-style array."""
    image = frame if isinstance(frame, Image.Image) else from_array(frame)
    return image if image.mode == "L" else image.convert("L")


def orient(frame: Image.Image, rotation: int, mirror: bool) -> Image.Image:
    """Rotate clockwise by `rotation` degrees, then mirror left-right."""
    if rotation:
        frame = frame.transpose(_TRANSPOSE[rotation])
    if mirror:
        frame = frame.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return frame
