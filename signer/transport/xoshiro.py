"""Xoshiro256** as the UR fountain code uses it (bc-ur reference): SHA-256 seeding, doubles.

Encoder and decoder must draw exactly the same numbers, so every detail here (big-endian
state words, next_double = next / 2^64, next_int by flooring) follows the reference.
"""

import hashlib

_MASK64 = (1 << 64) - 1


def _rotl(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (64 - shift))) & _MASK64


class Xoshiro256:
    """xoshiro256** 1.0 pseudo-random generator seeded from the SHA-256 of some bytes."""

    __slots__ = ("_s0", "_s1", "_s2", "_s3")

    def __init__(self, seed: bytes):
        digest = hashlib.sha256(seed).digest()
        self._s0, self._s1, self._s2, self._s3 = (
            int.from_bytes(digest[i : i + 8], "big") for i in range(0, 32, 8)
        )

    @classmethod
    def from_string(cls, text: str) -> "Xoshiro256":
        return cls(text.encode("utf-8"))

    @classmethod
    def from_uint32(cls, number: int) -> "Xoshiro256":
        return cls(number.to_bytes(4, "big"))

    def next(self) -> int:
        s0, s1, s2, s3 = self._s0, self._s1, self._s2, self._s3
        result = (_rotl((s1 * 5) & _MASK64, 7) * 9) & _MASK64
        t = (s1 << 17) & _MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 45)
        self._s0, self._s1, self._s2, self._s3 = s0, s1, s2, s3
        return result

    def next_double(self) -> float:
        # The reference divides by (double)UINT64_MAX + 1, which is exactly 2^64.
        return self.next() / 18446744073709551616.0

    def next_int(self, low: int, high: int) -> int:
        """A number in [low, high], both inclusive."""
        return int(self.next_double() * (high - low + 1)) + low

    def next_byte(self) -> int:
        return self.next_int(0, 255)

    def next_data(self, count: int) -> bytes:
        return bytes(self.next_byte() for _ in range(count))
