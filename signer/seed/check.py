"""Which word is wrong: diagnose a mnemonic the user typed, scanned or brought.

An unknown word is named by its position. A checksum failure cannot name one word with
certainty (any word may be the wrong one), so it lists every position where replacing a
single word gives a valid mnemonic, with those candidate words, closest spelling first.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from signer.errors import InvalidMnemonic
from signer.seed.mnemonic import checksum_valid, indices_of
from signer.seed.words import VALID_LENGTHS, WORDLIST, resolve, split_words


@dataclass(frozen=True)
class UnknownWord:
    position: int  # 0-based
    typed: str

    def suggestions(self, count: int = 3) -> tuple[str, ...]:
        """The list words closest in spelling (computed on demand: it is not cheap)."""
        return closest_words(self.typed, count)


@dataclass(frozen=True)
class Substitution:
    """Replacing the word at `position` by any of `candidates` makes the checksum valid."""

    position: int  # 0-based
    typed: str
    candidates: tuple[str, ...]  # closest to `typed` first


@dataclass(frozen=True)
class MnemonicCheck:
    words: tuple[str, ...]  # as resolved (abbreviations expanded); unknown ones as typed
    unknown: tuple[UnknownWord, ...] = ()
    length_ok: bool = True
    checksum_ok: bool = False
    substitutions: tuple[Substitution, ...] = ()

    @property
    def valid(self) -> bool:
        return self.length_ok and not self.unknown and self.checksum_ok

    def summary(self) -> str:
        """One line that says what is wrong, without repeating any word."""
        if not self.length_ok:
            return (f"{len(self.words)} words: a BIP-39 mnemonic has "
                    f"{', '.join(map(str, VALID_LENGTHS))} words")
        if self.unknown:
            positions = ", ".join(str(u.position + 1) for u in self.unknown)
            return f"not BIP-39 words at position {positions}"
        if not self.checksum_ok:
            return ("checksum mismatch: at least one word is wrong, but the checksum cannot "
                    f"say which; {len(self.substitutions)} positions could be fixed by "
                    "changing one word")
        return "valid BIP-39 mnemonic"

    def require_valid(self) -> list[str]:
        """The words if valid, else raise error()."""
        if not self.valid:
            raise self.error()
        return list(self.words)

    def error(self) -> InvalidMnemonic:
        """What is wrong, naming the culprit's position when one is certain."""
        index = self.unknown[0].position if self.unknown else None
        return InvalidMnemonic(self.summary(), word_index=index)


def check_mnemonic(text: str | Sequence[str]) -> MnemonicCheck:
    typed = split_words(text) if isinstance(text, str) else [w.strip().lower() for w in text]
    resolved = [resolve(w) for w in typed]
    words = tuple(r if r is not None else t for r, t in zip(resolved, typed, strict=True))
    unknown = tuple(UnknownWord(i, t) for i, (r, t)
                    in enumerate(zip(resolved, typed, strict=True)) if r is None)
    if len(words) not in VALID_LENGTHS:
        return MnemonicCheck(words, unknown, length_ok=False)
    if unknown:
        return MnemonicCheck(words, unknown)
    indices = indices_of(words)
    if checksum_valid(indices):
        return MnemonicCheck(words, checksum_ok=True)
    return MnemonicCheck(words, substitutions=single_word_fixes(indices, words))


def single_word_fixes(indices: Sequence[int], words: Sequence[str]) -> tuple[Substitution, ...]:
    fixes = []
    for position, current in enumerate(indices):
        found = []
        for candidate in range(len(WORDLIST)):
            if candidate == current:
                continue
            trial = list(indices)
            trial[position] = candidate
            if checksum_valid(trial):
                found.append(WORDLIST[candidate])
        if found:
            found.sort(key=lambda w: (edit_distance(words[position], w), w))
            fixes.append(Substitution(position, words[position], tuple(found)))
    return tuple(fixes)


def closest_words(typed: str, count: int = 3) -> tuple[str, ...]:
    return tuple(sorted(WORDLIST, key=lambda w: (edit_distance(typed, w), w))[:count])


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: how many typed letters differ, to rank likely misreadings."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
