"""Frame arithmetic in numpy (no OpenCV on the device): luminance and orientation."""

import numpy as np

ROTATIONS = (0, 90, 180, 270)  # degrees clockwise

# ITU-R BT.601 luma in 14-bit fixed point, the weights OpenCV's BGR2GRAY uses
_LUMA_SHIFT = 14
_LUMA_R, _LUMA_G, _LUMA_B = 4899, 9617, 1868


def to_gray(frame: np.ndarray) -> np.ndarray:
    """The 8-bit luminance of a grayscale, BGR or BGRA frame (OpenCV's channel order)."""
    if frame.ndim == 2:
        return frame
    channels = frame[..., :3].astype(np.uint32)
    luma = (channels[..., 2] * _LUMA_R + channels[..., 1] * _LUMA_G + channels[..., 0] * _LUMA_B
            + (1 << (_LUMA_SHIFT - 1))) >> _LUMA_SHIFT
    return luma.astype(np.uint8)


def orient(frame: np.ndarray, rotation: int, mirror: bool) -> np.ndarray:
    """Rotate clockwise by `rotation` degrees, then mirror left-right; contiguous result."""
    if rotation:
        frame = np.rot90(frame, -(rotation // 90))
    if mirror:
        frame = frame[:, ::-1]
    return np.ascontiguousarray(frame)
