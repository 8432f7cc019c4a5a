"""BIP-39 arithmetic on word indices: entropy <-> words and the checksum.

Working on integers (11 bits per word) rather than strings keeps the which-word-is-wrong
search and the final-word enumeration fast.
"""

import hashlib
from collections.abc import Sequence

from embit.bip39 import mnemonic_from_bytes

from signer.errors import EntropyError
from signer.seed.words import INDEX

ENTROPY_BYTES = {12: 16, 15: 20, 18: 24, 21: 28, 24: 32}


def words_from_entropy(entropy: bytes) -> list[str]:
    if len(entropy) not in ENTROPY_BYTES.values():
        raise EntropyError(f"entropy must be 16 to 32 bytes in steps of 4, not {len(entropy)}")
    return mnemonic_from_bytes(bytes(entropy)).split()


def checksum_bits(word_count: int) -> int:
    """BIP-39: one checksum bit per 32 bits of entropy (4 for 12 words, 8 for 24)."""
    return word_count * 11 // 33


def split_indices(indices: Sequence[int]) -> tuple[int, int]:
    """(entropy as an integer, checksum bits as an integer) of a full mnemonic."""
    packed = 0
    for index in indices:
        packed = (packed << 11) | index
    cs = checksum_bits(len(indices))
    return packed >> cs, packed & ((1 << cs) - 1)


def checksum_of(entropy_int: int, word_count: int) -> int:
    """The checksum bits BIP-39 requires for this entropy."""
    cs = checksum_bits(word_count)
    entropy = entropy_int.to_bytes(ENTROPY_BYTES[word_count], "big")
    return hashlib.sha256(entropy).digest()[0] >> (8 - cs)


def checksum_valid(indices: Sequence[int]) -> bool:
    """Whether a full mnemonic's checksum bits are the ones its entropy requires."""
    entropy_int, checksum = split_indices(indices)
    return checksum_of(entropy_int, len(indices)) == checksum


def indices_of(words: Sequence[str]) -> list[int]:
    """Wordlist indices of words already known to be on the list."""
    return [INDEX[w] for w in words]
