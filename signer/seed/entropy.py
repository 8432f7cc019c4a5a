"""Where a new seed's entropy comes from, and an honest account of it.

Verifiable sources (dice, coin flips) are reproducible from the user's input alone, so
the result can be checked with independent tools. Camera noise and user input are not
verifiable, so they are always mixed with os.urandom; system randomness alone is only
used when asked for (`quick`) and says so.
"""

import hashlib
import math
import operator
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from signer.errors import CameraError, EntropyError
from signer.seed.final_word import flips_to_bits
from signer.seed.mnemonic import words_from_entropy

BITS_PER_ROLL = math.log2(6)
ENTROPY_BITS = {12: 128, 24: 256}
# Rolls needed for the full entropy of the mnemonic: ceil(bits / log2(6)); Coldcard and
# SeedSigner use the same 50 and 99.
MIN_ROLLS = {12: 50, 24: 99}
CAMERA_FRAMES = 8
URANDOM_BYTES = 32
MIN_CAMERA_BITS = 32  # below this the sensor is likely stuck, even if a few pixels flicker


@dataclass(frozen=True)
class SeedEntropy:
    """The entropy for a new seed and what went into it."""

    entropy: bytes = field(repr=False)
    sources: tuple[str, ...]  # what was mixed in, for the report screen
    estimated_bits: float  # entropy credited to the sources, capped at the mnemonic's size
    verifiable: bool  # reproducible from the user's own input with independent tools
    how_to_verify: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def words(self) -> list[str]:
        return words_from_entropy(self.entropy)


def _check_words(words: int) -> None:
    if words not in ENTROPY_BITS:
        raise EntropyError(f"a new seed has 12 or 24 words, not {words}")


# --- dice -------------------------------------------------------------------
def parse_rolls(rolls: str) -> str:
    """The roll digits as entered (1-6), separators (spaces, commas) dropped."""
    digits = []
    for char in rolls:
        if char.isspace() or char in ",;-":
            continue
        if char not in "123456":
            raise EntropyError(f"dice rolls are the digits 1 to 6, not {char!r}")
        digits.append(char)
    return "".join(digits)


def dice_entropy(rolls: str, words: int = 24) -> SeedEntropy:
    """SHA-256 of the roll digits as an ASCII string (the Coldcard and SeedSigner method);
    12 words take the first 128 bits of the hash, 24 words all 256."""
    _check_words(words)
    digits = parse_rolls(rolls)
    bits = len(digits) * BITS_PER_ROLL
    if len(digits) < MIN_ROLLS[words]:
        enough_for_12 = words == 24 and len(digits) >= MIN_ROLLS[12]
        raise EntropyError(
            f"{len(digits)} rolls give {bits:.1f} bits of entropy; {words} words need "
            f"{MIN_ROLLS[words]} rolls ({ENTROPY_BITS[words]} bits)"
            + ("; they are enough for 12 words" if enough_for_12 else "")
        )
    digest = hashlib.sha256(digits.encode("ascii")).digest()
    return SeedEntropy(
        entropy=digest[: ENTROPY_BITS[words] // 8],
        sources=(f"{len(digits)} dice rolls",),
        estimated_bits=float(min(bits, ENTROPY_BITS[words])),
        verifiable=True,
        how_to_verify=(
            "entropy = SHA-256 of the roll digits as typed"
            + (", first 128 bits (32 hex digits)" if words == 12 else "")
            + "; check with: echo -n ROLLS | sha256sum"
        ),
        warnings=roll_warnings(digits),
    )


def roll_warnings(digits: str) -> tuple[str, ...]:
    """Flag rolls that look biased or made up (a chi-squared test at p < 0.001)."""
    counts = Counter(digits)
    expected = len(digits) / 6
    chi2 = sum((counts.get(face, 0) - expected) ** 2 / expected for face in "123456")
    # 20.52 is the chi-squared critical value for 5 degrees of freedom at p = 0.001.
    if chi2 > 20.52:
        spread = ", ".join(f"{face}: {counts.get(face, 0)}" for face in "123456")
        return (f"the rolls look uneven ({spread}); a loaded die or made-up numbers "
                "give less entropy than counted",)
    return ()


# --- coin flips -------------------------------------------------------------
def coin_entropy(flips: str) -> SeedEntropy:
    """128 or 256 flips are the entropy bits themselves (heads = 1, first flip = most
    significant bit); the last word's checksum bits are computed."""
    bits = flips_to_bits(flips)
    if len(bits) not in (128, 256):
        raise EntropyError(
            f"{len(bits)} coin flips give {len(bits)} bits; flip 128 times for 12 words or "
            "256 times for 24 words"
        )
    return SeedEntropy(
        entropy=int(bits, 2).to_bytes(len(bits) // 8, "big"),
        sources=(f"{len(bits)} coin flips",),
        estimated_bits=float(len(bits)),
        verifiable=True,
        how_to_verify="entropy = the flips as bits (heads = 1), first flip first",
    )


# --- camera noise -----------------------------------------------------------
class Frame(Protocol):
    """An 8-bit luminance frame (a PIL "L" image; an array in tests): its bytes are its pixels."""

    def tobytes(self) -> bytes: ...


class FrameSource(Protocol):
    def read(self) -> Frame | None: ...


@dataclass(frozen=True)
class CameraHealth:
    frames: int
    mean_level: float  # 0..255
    changed_fraction: float  # share of pixels that differ between consecutive frames
    estimated_bits: float


_CLIPPED_LEVELS = (b"\x00", b"\x01", b"\xfe", b"\xff")


def camera_health(frames: Sequence[Frame]) -> CameraHealth:
    """Refuse frames that carry no noise: a frozen camera (identical frames) or a black or
    saturated image. Estimate the noise entropy conservatively.

    Plain Python over the pixel bytes (no numpy on the device): sums and counts run in C, the
    frame differences as one map over each pair.
    """
    if len(frames) < 2:
        raise CameraError("need at least two camera frames to judge the sensor noise")
    planes = [frame.tobytes() for frame in frames]
    size = len(planes[0])
    if any(len(plane) != size for plane in planes):
        raise CameraError("camera frames changed size while reading")
    total = size * len(planes)
    mean = sum(sum(plane) for plane in planes) / total
    clipped = sum(plane.count(level) for plane in planes for level in _CLIPPED_LEVELS) / total
    if mean < 2 or mean > 253 or clipped > 0.98:
        raise CameraError("the camera image is black or saturated: uncover the lens or "
                          "point it at something lit")
    diffs = [Counter(map(operator.sub, later, earlier))
             for earlier, later in zip(planes, planes[1:], strict=False)]
    changed = sum(size - diff[0] for diff in diffs) / (size * len(diffs))
    if changed == 0:
        raise CameraError("the camera frames are identical: the camera looks frozen")
    bits = sum(_noise_bits(diff, size) for diff in diffs)
    if bits < MIN_CAMERA_BITS:
        raise CameraError(f"the camera frames carry almost no noise (~{bits:.0f} bits); "
                          "check the camera")
    return CameraHealth(len(frames), mean, changed, bits)


def _noise_bits(diff: Counter[int], pixels: int) -> float:
    """Min-entropy of the frame difference per pixel times the pixel count, divided by 64
    because neighbouring pixels and frames are correlated (a deliberately low estimate)."""
    min_entropy = -math.log2(max(diff.values()) / pixels)
    return min_entropy * pixels / 64


def read_frames(source: FrameSource, count: int = CAMERA_FRAMES) -> list[Frame]:
    frames = []
    for _ in range(count):
        frame = source.read()
        if frame is None:
            raise CameraError("the camera returned no frame")
        frames.append(frame)
    return frames


def camera_entropy(frames: Sequence[Frame], words: int = 24,
                   user_input: bytes = b"") -> SeedEntropy:
    """SHA-256 over the camera frames, os.urandom and the user's input (each
    length-prefixed so no source can shift another)."""
    _check_words(words)
    health = camera_health(frames)
    system = os.urandom(URANDOM_BYTES)
    digest = hashlib.sha256(b"airsign camera entropy v1")
    for frame in frames:
        data = frame.tobytes()
        digest.update(len(data).to_bytes(8, "big") + data)
    for part in (system, user_input):
        digest.update(len(part).to_bytes(8, "big") + part)
    sources = [f"camera noise ({health.frames} frames, ~{health.estimated_bits:.0f} bits)",
               f"os.urandom ({8 * len(system)} bits)"]
    if user_input:
        sources.append(f"your input ({len(user_input)} bytes, not counted)")
    return SeedEntropy(
        entropy=digest.digest()[: ENTROPY_BITS[words] // 8],
        sources=tuple(sources),
        estimated_bits=float(min(health.estimated_bits + 8 * len(system), ENTROPY_BITS[words])),
        verifiable=False,
        how_to_verify="not verifiable: camera noise is mixed with the system's randomness",
    )


# --- system randomness only -------------------------------------------------
def quick_entropy(words: int = 24) -> SeedEntropy:
    """os.urandom alone. Labelled as such: nothing the user can check."""
    _check_words(words)
    return SeedEntropy(
        entropy=os.urandom(ENTROPY_BITS[words] // 8),
        sources=("os.urandom only (quick mode)",),
        estimated_bits=float(ENTROPY_BITS[words]),
        verifiable=False,
        how_to_verify="not verifiable: system randomness only; use dice or coins to check",
    )
