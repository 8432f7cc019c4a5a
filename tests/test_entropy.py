"""Dice, coins and camera entropy, compared with independent computations written here
(hashlib over the roll string, bit strings -> int) and BIP-39 from embit."""

import hashlib
import math

import numpy as np
import pytest
from conftest import VECTORS
from embit.bip39 import mnemonic_from_bytes

from signer.errors import CameraError, EntropyError
from signer.seed.entropy import (
    camera_entropy,
    camera_health,
    coin_entropy,
    dice_entropy,
    quick_entropy,
    read_frames,
)

WORDLIST = (VECTORS / "bip39" / "english.txt").read_text().split()
ROLLS_99 = "".join(str(1 + (i * 7 + i // 6) % 6) for i in range(99))


def test_dice_24_words_is_sha256_of_the_digits() -> None:
    result = dice_entropy(ROLLS_99, 24)
    expected = hashlib.sha256(ROLLS_99.encode()).digest()
    assert result.entropy == expected and result.verifiable
    assert result.words == mnemonic_from_bytes(expected).split()
    assert result.estimated_bits == pytest.approx(99 * math.log2(6))


def test_dice_12_words_takes_first_128_bits() -> None:
    rolls = ROLLS_99[:50]
    result = dice_entropy(rolls, 12)
    digest_hex = hashlib.sha256(rolls.encode()).hexdigest()
    bits = bin(int(digest_hex[:32], 16))[2:].zfill(128)
    checksum = f"{hashlib.sha256(bytes.fromhex(digest_hex[:32])).digest()[0]:08b}"[:4]
    all_bits = bits + checksum
    expected = [WORDLIST[int(all_bits[i:i + 11], 2)] for i in range(0, 132, 11)]
    assert result.words == expected


def test_dice_separators_ignored_and_bad_digits_refused() -> None:
    spaced = " ".join(ROLLS_99[:50])
    assert dice_entropy(spaced, 12).entropy == dice_entropy(ROLLS_99[:50], 12).entropy
    with pytest.raises(EntropyError, match="not '7'"):
        dice_entropy(ROLLS_99[:49] + "7", 12)


@pytest.mark.parametrize("words, rolls", [(12, 49), (24, 98), (24, 50)])
def test_too_few_rolls_refused_with_bits(words: int, rolls: int) -> None:
    with pytest.raises(EntropyError) as caught:
        dice_entropy(ROLLS_99[:rolls], words)
    assert f"{rolls * math.log2(6):.1f} bits" in str(caught.value)
    assert ("enough for 12 words" in str(caught.value)) == (words == 24 and rolls >= 50)


def test_uneven_rolls_warn() -> None:
    assert dice_entropy("1" * 99, 24).warnings
    assert not dice_entropy(ROLLS_99, 24).warnings


@pytest.mark.parametrize("count", [128, 256])
def test_coin_flips_are_the_entropy_bits(count: int) -> None:
    bits = "".join("1" if (i * i + 3 * i) % 7 < 3 else "0" for i in range(count))
    flips = bits.replace("1", "H").replace("0", "T")
    result = coin_entropy(flips)
    expected = int(bits, 2).to_bytes(count // 8, "big")
    assert result.entropy == expected and result.verifiable
    assert coin_entropy(bits).entropy == expected
    # The first words are the flips themselves, 11 bits at a time.
    assert result.words[0] == WORDLIST[int(bits[:11], 2)]
    assert len(result.words) == count * 3 // 32


def test_wrong_number_of_flips_refused() -> None:
    with pytest.raises(EntropyError, match="127 coin flips"):
        coin_entropy("1" * 127)
    with pytest.raises(EntropyError):
        coin_entropy("1" * 127 + "x")


def noisy_frames(count: int = 6, level: float = 120.0, sigma: float = 3.0) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    base = rng.integers(40, 200, size=(60, 80)).astype(np.float64)
    return [np.clip(base + rng.normal(0, sigma, base.shape) + level - 120, 0, 255)
            .astype(np.uint8) for _ in range(count)]


class ListCamera:
    """A frame source over prepared arrays: the same read() interface as a camera."""

    def __init__(self, frames: list[np.ndarray]):
        self.frames = list(frames)

    def read(self) -> np.ndarray:
        return self.frames.pop(0)


def test_camera_mixes_noise_and_urandom() -> None:
    frames = read_frames(ListCamera(noisy_frames()), 6)
    first = camera_entropy(frames, 24)
    second = camera_entropy(frames, 24)
    assert not first.verifiable and len(first.entropy) == 32
    assert first.entropy != second.entropy  # os.urandom is always mixed in
    assert any("os.urandom" in s for s in first.sources)
    assert any("camera" in s for s in first.sources)
    assert camera_entropy(frames, 12, user_input=b"x").sources[-1].startswith("your input")
    assert len(camera_entropy(frames, 12).entropy) == 16


def test_camera_health_refuses_frozen_frames() -> None:
    frame = noisy_frames(1)[0]
    with pytest.raises(CameraError, match="frozen"):
        camera_health([frame, frame.copy(), frame.copy()])


@pytest.mark.parametrize("value", [0, 255])
def test_camera_health_refuses_black_or_saturated(value: int) -> None:
    rng = np.random.default_rng(1)
    frames = [np.full((60, 80), value, np.uint8) for _ in range(4)]
    frames[1][rng.integers(0, 60), rng.integers(0, 80)] ^= 1  # one flickering pixel
    with pytest.raises(CameraError, match="black or saturated"):
        camera_health(frames)


def test_camera_health_refuses_half_black_half_white() -> None:
    rng = np.random.default_rng(2)
    frames = [np.where(rng.random((60, 80)) < 0.5, 0, 255).astype(np.uint8) for _ in range(4)]
    with pytest.raises(CameraError, match="black or saturated"):
        camera_health(frames)


def test_camera_health_refuses_almost_no_noise() -> None:
    frames = [np.full((60, 80), 100, np.uint8) for _ in range(4)]
    frames[2][5, 5] = 101
    with pytest.raises(CameraError, match="almost no noise"):
        camera_health(frames)


def test_camera_health_estimate_grows_with_noise() -> None:
    quiet = camera_health(noisy_frames(sigma=1.0)).estimated_bits
    loud = camera_health(noisy_frames(sigma=8.0)).estimated_bits
    assert 32 <= quiet < loud


def test_quick_mode_is_labelled() -> None:
    result = quick_entropy(12)
    assert not result.verifiable and "quick" in result.sources[0]
    assert len(result.entropy) == 16
