"""The worked examples in docs/seed.md hold: recomputed here with hashlib and the word list,
and through the CLI's library."""

import hashlib
import re

from conftest import REPO, VECTORS

from signer.seed.entropy import dice_entropy
from signer.seed.final_word import final_word_from_flips, final_words

DOC = (REPO / "docs" / "seed.md").read_text()
WORDLIST = (VECTORS / "bip39" / "english.txt").read_text().split()


def test_dice_worked_example() -> None:
    rolls = re.search(r"echo -n (\d+) \| sha256sum", DOC).group(1)
    digest = re.search(r"\n([0-9a-f]{64})  -\n", DOC).group(1)
    assert hashlib.sha256(rolls.encode()).hexdigest() == digest
    entropy = bytes.fromhex(digest[:32])
    number = int.from_bytes(entropy, "big") << 4 | hashlib.sha256(entropy).digest()[0] >> 4
    expected = [WORDLIST[number >> (11 * i) & 2047] for i in reversed(range(12))]
    assert " ".join(expected) in DOC
    assert dice_entropy(rolls, 12).words == expected


def test_final_word_example() -> None:
    first = re.search(r"airsign seed final-word ((?:[a-z]+ ){10}[a-z]+)\n", DOC).group(1)
    coins = re.search(r"Here `--coins (\w+)` gives `(\w+)` and `--first`\s+gives `(\w+)`", DOC)
    assert final_word_from_flips(first, coins.group(1)) == coins.group(2)
    assert final_words(first)[0] == coins.group(3)
