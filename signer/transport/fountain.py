"""Fountain codes for multi-part URs (BCR-2020-005 and the bc-ur reference implementation).

The encoder emits the message's fragments one by one ("pure" parts 1..seqLen), then XORs of
pseudo-randomly chosen fragments ("mixed" parts) forever; which fragments a part mixes
follows from its sequence number and the message checksum alone, so both sides agree.

The decoder treats every part as a linear equation over GF(2) and keeps the system in
reduced row-echelon form as parts arrive (bitset rows are Python ints), so every mixed part
that carries new information counts, not only those a peeling decoder could use.
"""

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from signer.errors import PayloadTooLarge, SequenceMismatch, TransportError
from signer.transport import cbor
from signer.transport.xoshiro import Xoshiro256

MAX_MESSAGE_LEN = 4 * 1024 * 1024  # larger messages are refused before anything is allocated
MAX_FRAGMENTS = 32_768  # 2 MB at 64-byte fragments; bounds the decoder's memory and time
_UINT32 = 0xFFFFFFFF


def find_nominal_fragment_length(message_len: int, min_fragment_len: int,
                                 max_fragment_len: int) -> int:
    """The smallest fragment count whose fragments fit max_fragment_len, as a length."""
    if message_len < 1 or min_fragment_len < 1 or max_fragment_len < min_fragment_len:
        raise ValueError("need message_len >= 1 and 1 <= min_fragment_len <= max_fragment_len")
    max_fragment_count = max(1, message_len // min_fragment_len)
    fragment_len = message_len
    for fragment_count in range(1, max_fragment_count + 1):
        fragment_len = -(-message_len // fragment_count)
        if fragment_len <= max_fragment_len:
            break
    return fragment_len


def partition(message: bytes, fragment_len: int) -> list[bytes]:
    """The message in fragment_len pieces, the last one padded with zero bytes."""
    padded_len = -(-len(message) // fragment_len) * fragment_len
    padded = message.ljust(padded_len, b"\0")
    return [padded[i : i + fragment_len] for i in range(0, padded_len, fragment_len)]


class RandomSampler:
    """Walker's alias method, built exactly as the reference builds it (same float steps)."""

    def __init__(self, probabilities: Sequence[float]):
        count = len(probabilities)
        total = 0.0
        for p in probabilities:
            total += p
        scaled = [p * float(count) / total for p in probabilities]
        small = [i for i in range(count - 1, -1, -1) if scaled[i] < 1]
        large = [i for i in range(count - 1, -1, -1) if scaled[i] >= 1]
        self._probs = [0.0] * count
        self._aliases = [0] * count
        while small and large:
            less, more = small.pop(), large.pop()
            self._probs[less] = scaled[less]
            self._aliases[less] = more
            scaled[more] += scaled[less] - 1
            (small if scaled[more] < 1 else large).append(more)
        for index in large + small:  # leftovers in `small` only come from rounding
            self._probs[index] = 1.0

    def next(self, random_double: Callable[[], float]) -> int:
        r1 = random_double()
        r2 = random_double()
        index = int(len(self._probs) * r1)
        return index if r2 < self._probs[index] else self._aliases[index]


@lru_cache(maxsize=4)
def _degree_sampler(seq_len: int) -> RandomSampler:
    return RandomSampler([1.0 / i for i in range(1, seq_len + 1)])


def choose_degree(seq_len: int, rng: Xoshiro256) -> int:
    """How many fragments a mixed part XORs: P(d) proportional to 1/d."""
    return _degree_sampler(seq_len).next(rng.next_double) + 1


def shuffled(items: Sequence[int], rng: Xoshiro256, count: int | None = None) -> list[int]:
    """The reference shuffle; with count, only its first count items (the same prefix)."""
    remaining = list(items)
    wanted = len(remaining) if count is None else count
    return [remaining.pop(rng.next_int(0, len(remaining) - 1)) for _ in range(wanted)]


def choose_fragments(seq_num: int, seq_len: int, checksum: int) -> list[int]:
    """0-based fragment indexes part seq_num mixes (not sorted)."""
    if seq_num <= seq_len:
        return [seq_num - 1]
    rng = Xoshiro256(seq_num.to_bytes(4, "big") + checksum.to_bytes(4, "big"))
    degree = choose_degree(seq_len, rng)
    return shuffled(range(seq_len), rng, degree)


@dataclass(frozen=True)
class FountainPart:
    seq_num: int
    seq_len: int
    message_len: int
    checksum: int
    data: bytes

    def to_cbor(self) -> bytes:
        return cbor.dumps([self.seq_num, self.seq_len, self.message_len, self.checksum,
                           self.data])

    @classmethod
    def from_cbor(cls, encoded: bytes) -> "FountainPart":
        value = cbor.loads(encoded)
        if not (isinstance(value, list) and len(value) == 5):
            raise TransportError("UR part: expected a 5-item CBOR array")
        *numbers, data = value
        if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= _UINT32
                   for n in numbers) or not isinstance(data, bytes):
            raise TransportError("UR part: fields are not four numbers and a byte string")
        seq_num, seq_len, message_len, checksum = numbers
        if seq_num < 1 or seq_len < 1 or message_len < 1 or not data:
            raise TransportError("UR part: zero sequence number, length or empty fragment")
        return cls(seq_num, seq_len, message_len, checksum, data)


class FountainEncoder:
    """Pure parts 1..seq_len first, then mixed parts forever (seq_num wraps to 1)."""

    def __init__(self, message: bytes, max_fragment_len: int, min_fragment_len: int = 10,
                 first_seq_num: int = 0):
        if not message:
            raise ValueError("cannot fountain-encode an empty message")
        self.message_len = len(message)
        self.checksum = zlib.crc32(message)
        self.fragment_len = find_nominal_fragment_length(len(message), min_fragment_len,
                                                         max_fragment_len)
        self._fragments = [int.from_bytes(f, "big")
                           for f in partition(message, self.fragment_len)]
        self.seq_num = first_seq_num & _UINT32

    @property
    def seq_len(self) -> int:
        return len(self._fragments)

    @property
    def is_complete(self) -> bool:
        """Every fragment has been sent at least once (as a pure part)."""
        return self.seq_num >= self.seq_len

    def next_part(self) -> FountainPart:
        # After 2^32 - 1 comes 1, not 0: there is no part 0 (the reference would misbehave).
        self.seq_num = self.seq_num % _UINT32 + 1
        mixed = 0
        for index in choose_fragments(self.seq_num, self.seq_len, self.checksum):
            mixed ^= self._fragments[index]
        return FountainPart(self.seq_num, self.seq_len, self.message_len, self.checksum,
                            mixed.to_bytes(self.fragment_len, "big"))


@dataclass(frozen=True)
class _Sequence:
    """What every part of one fountain-coded message agrees on."""

    seq_len: int
    message_len: int
    checksum: int
    fragment_len: int


class FountainDecoder:
    """Collects parts of one message; solves the GF(2) system incrementally.

    Invariant (reduced row-echelon form): each known equation has a pivot fragment that no
    other equation mentions. Equations that name one fragment are `_solved` (index -> data);
    the rest are `_mixed` (pivot -> (bitmask of fragments, XOR of their data)). A new part is
    reduced by the known pivots (cost: its degree), and its pivot is then removed from the
    few mixed equations that mention it, so no part costs more than O(fragments) big-int
    operations and most cost far less.
    """

    def __init__(self, max_message_len: int = MAX_MESSAGE_LEN,
                 max_fragments: int = MAX_FRAGMENTS):
        self._max_message_len = max_message_len
        self._max_fragments = max_fragments
        self._reset()

    def _reset(self) -> None:
        self._sequence: _Sequence | None = None
        self._seen: set[int] = set()
        self._solved: dict[int, int] = {}
        self._solved_mask = 0
        self._mixed: dict[int, tuple[int, int]] = {}
        self._mixed_mask = 0
        self._message: bytes | None = None

    @property
    def is_complete(self) -> bool:
        return self._message is not None

    @property
    def seq_len(self) -> int:
        return self._sequence.seq_len if self._sequence else 0

    @property
    def rank(self) -> int:
        """Independent equations collected: useful parts so far."""
        return len(self._solved) + len(self._mixed)

    @property
    def started(self) -> bool:
        return self._sequence is not None

    def message(self) -> bytes:
        if self._message is None:
            raise TransportError("the animated QR is not complete yet")
        return self._message

    def _check_sequence(self, part: FountainPart) -> _Sequence:
        sequence = _Sequence(part.seq_len, part.message_len, part.checksum, len(part.data))
        if self._sequence is not None:
            if sequence != self._sequence:
                raise SequenceMismatch(
                    f"this QR is from another animation ({part.seq_len} fragments, checksum "
                    f"{part.checksum:08x}) than the one being scanned ({self._sequence.seq_len} "
                    f"fragments, checksum {self._sequence.checksum:08x})")
            return sequence
        if part.message_len > self._max_message_len:
            raise PayloadTooLarge(f"animated QR claims {part.message_len} bytes; the limit is "
                                  f"{self._max_message_len}")
        if part.seq_len > self._max_fragments:
            raise PayloadTooLarge(f"animated QR claims {part.seq_len} fragments; the limit is "
                                  f"{self._max_fragments}")
        if part.seq_len != -(-part.message_len // len(part.data)):
            raise TransportError("UR part: fragment count does not match message and "
                                 "fragment lengths")
        self._sequence = sequence
        return sequence

    def receive(self, part: FountainPart) -> bool:
        """Add a part; True if it was new and added information. Raises on a foreign part."""
        if self._message is not None:
            return False
        sequence = self._check_sequence(part)
        if part.seq_num in self._seen:
            return False
        self._seen.add(part.seq_num)
        mask = 0
        for index in choose_fragments(part.seq_num, sequence.seq_len, sequence.checksum):
            mask |= 1 << index
        useful = self._add_equation(mask, int.from_bytes(part.data, "big"))
        if useful and len(self._solved) == sequence.seq_len:
            self._finish(sequence)
        return useful

    def _add_equation(self, mask: int, data: int) -> bool:
        known = mask & self._solved_mask
        if known:
            mask ^= known
            while known:
                low = known & -known
                data ^= self._solved[low.bit_length() - 1]
                known ^= low
        hits = mask & self._mixed_mask
        while hits:
            low = hits & -hits
            row_mask, row_data = self._mixed[low.bit_length() - 1]
            mask ^= row_mask
            data ^= row_data
            hits ^= low
        if not mask:
            return False  # nothing new (or, with a corrupted part, inconsistent: the CRC decides)
        pivot_bit = mask & -mask
        pivot = pivot_bit.bit_length() - 1
        for row_pivot, (row_mask, row_data) in list(self._mixed.items()):
            if row_mask & pivot_bit:
                self._store(row_pivot, row_mask ^ mask, row_data ^ data)
        self._store(pivot, mask, data)
        return True

    def _store(self, pivot: int, mask: int, data: int) -> None:
        pivot_bit = 1 << pivot
        if mask == pivot_bit:
            if pivot in self._mixed:
                del self._mixed[pivot]
                self._mixed_mask ^= pivot_bit
            self._solved[pivot] = data
            self._solved_mask |= pivot_bit
        else:
            self._mixed[pivot] = (mask, data)
            self._mixed_mask |= pivot_bit

    def _finish(self, sequence: _Sequence) -> None:
        message = b"".join(self._solved[i].to_bytes(sequence.fragment_len, "big")
                           for i in range(sequence.seq_len))[: sequence.message_len]
        if zlib.crc32(message) != sequence.checksum:
            self._reset()
            raise TransportError("animated QR: the reassembled message fails its checksum; "
                                 "scan it again")
        self._message = message
