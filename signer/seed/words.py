"""The BIP-39 English wordlist: look-ups, typing completion and splitting user input."""

import re
import unicodedata

from embit.wordlists.bip39 import WORDLIST

INDEX: dict[str, int] = {word: i for i, word in enumerate(WORDLIST)}

# BIP-39 English is designed so that the first four letters name one word.
UNIQUE_PREFIX = 4

VALID_LENGTHS = (12, 15, 18, 21, 24)


def complete(prefix: str) -> list[str]:
    """Words the user may mean after typing `prefix`, in wordlist order.

    BIP-39 English is built so that four letters always name at most one word: once
    `complete` returns a single word the UI can accept it without more typing.
    """
    typed = normalize_word(prefix)
    if not typed:
        return []
    return [w for w in WORDLIST if w.startswith(typed)]


def resolve(typed: str) -> str | None:
    """The word meant by `typed`: the word itself, or a unique prefix of four or more
    letters (how Coldcard and steel plates abbreviate words). None when it names none."""
    word = normalize_word(typed)
    if word in INDEX:
        return word
    matches = complete(word) if len(word) >= UNIQUE_PREFIX else []
    return matches[0] if len(matches) == 1 else None


def normalize_word(text: str) -> str:
    return unicodedata.normalize("NFKD", text).strip().lower()


def split_words(text: str) -> list[str]:
    """Split pasted or typed input on whitespace, commas and numbering like "1." or "12)"."""
    tokens = re.split(r"[\s,;]+", unicodedata.normalize("NFKD", text).strip().lower())
    return [t for t in tokens if t and not re.fullmatch(r"\d+[.):]?", t)]
