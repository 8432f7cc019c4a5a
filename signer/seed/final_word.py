"""The last word: the user brings 11 or 23 words (drawn from a hat, picked by hand) and gets
every valid last word, or the one their coin flips choose.

The last word carries the final free entropy bits (7 of them for 12 words, 3 for 24) and the
checksum (4 or 8 bits), so there are 128 valid last words for 12 words and 8 for 24.
"""

from collections.abc import Sequence

from signer.errors import EntropyError, InvalidMnemonic
from signer.seed.check import check_mnemonic
from signer.seed.mnemonic import checksum_bits, checksum_of, indices_of, split_indices
from signer.seed.words import WORDLIST

FREE_BITS = {11: 7, 23: 3}


def final_words(first_words: Sequence[str] | str) -> list[str]:
    """All valid last words, in wordlist order (the first one is "take the first valid")."""
    words, free = _prefix(first_words)
    return [_last_word(words, free_value) for free_value in range(1 << free)]


def final_word_from_flips(first_words: Sequence[str] | str, flips: str) -> str:
    """The last word whose free bits are the coin flips (1 = heads, 0 = tails; H/T too),
    first flip = most significant bit, as SeedSigner does."""
    words, free = _prefix(first_words)
    bits = flips_to_bits(flips)
    if len(bits) != free:
        raise EntropyError(f"{len(words)} words leave {free} free bits: flip a coin {free} "
                           f"times, not {len(bits)}")
    return _last_word(words, int(bits, 2))


def flips_to_bits(flips: str) -> str:
    """'1'/'H' for heads -> 1, '0'/'T' for tails -> 0; spaces ignored; anything else refused."""
    table = {"1": "1", "h": "1", "0": "0", "t": "0"}
    bits = []
    for char in flips.lower():
        if char.isspace():
            continue
        if char not in table:
            raise EntropyError(f"coin flips are 1/0 or H/T (heads = 1), not {char!r}")
        bits.append(table[char])
    return "".join(bits)


def _prefix(first_words: Sequence[str] | str) -> tuple[list[str], int]:
    check = check_mnemonic(first_words)
    if len(check.words) not in FREE_BITS:
        raise InvalidMnemonic(f"bring 11 or 23 words for the final word, not {len(check.words)}")
    if check.unknown:
        raise InvalidMnemonic(check.summary(), word_index=check.unknown[0].position)
    return list(check.words), FREE_BITS[len(check.words)]


def _last_word(words: list[str], free_value: int) -> str:
    word_count = len(words) + 1
    cs = checksum_bits(word_count)
    # Entropy = the 11 bits of each given word, then the free bits of the last word.
    entropy_int, _ = split_indices([*indices_of(words), free_value << cs])
    return WORDLIST[(free_value << cs) | checksum_of(entropy_int, word_count)]
