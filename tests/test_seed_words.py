"""BIP-39 words, the which-word-is-wrong check and the final word, against the public
vectors and independent brute force (hashlib over bit strings written here)."""

import hashlib

import pytest
from conftest import VECTORS, load_vectors

from signer.errors import EntropyError, InvalidMnemonic
from signer.seed.check import check_mnemonic
from signer.seed.final_word import final_word_from_flips, final_words
from signer.seed.mnemonic import words_from_entropy
from signer.seed.words import complete, resolve, split_words

WORDLIST = (VECTORS / "bip39" / "english.txt").read_text().split()
ENGLISH = load_vectors("bip39/vectors.json")["english"]
INDEX = {w: i for i, w in enumerate(WORDLIST)}


def independent_valid(words: list[str]) -> bool:
    """BIP-39 checksum from the spec: bits of the indices, SHA-256 of the entropy part."""
    bits = "".join(f"{INDEX[w]:011b}" for w in words)
    cs = len(bits) // 33
    entropy = int(bits[:-cs], 2).to_bytes((len(bits) - cs) // 8, "big")
    return f"{hashlib.sha256(entropy).digest()[0]:08b}"[:cs] == bits[-cs:]


@pytest.mark.parametrize("entropy_hex, mnemonic, seed_hex, xprv", ENGLISH)
def test_bip39_vectors(entropy_hex: str, mnemonic: str, seed_hex: str, xprv: str) -> None:
    assert words_from_entropy(bytes.fromhex(entropy_hex)) == mnemonic.split()
    check = check_mnemonic(mnemonic)
    assert check.valid and check.require_valid() == mnemonic.split()


@pytest.mark.parametrize("language", [k for k in load_vectors("bip39/vectors.json")
                                      if k != "english"])
def test_other_languages_are_refused(language: str) -> None:
    for _, mnemonic, _, _ in load_vectors("bip39/vectors.json")[language]:
        check = check_mnemonic(mnemonic.replace("\u3000", " "))
        assert not check.valid


def test_completion_unique_four_letters() -> None:
    for word in WORDLIST:
        assert complete(word[:4]) == [word] or len(word) < 4
        assert resolve(word[:4]) == word or len(word) < 4
    assert complete("act") == [w for w in WORDLIST if w.startswith("act")]
    assert len(complete("act")) > 1 and resolve("act") == "act"
    assert resolve("ab") is None and resolve("xyzw") is None and complete("") == []
    assert split_words("1. Abandon, 2) ability\n3: able") == ["abandon", "ability", "able"]


def test_unknown_word_is_named_by_position() -> None:
    words = ENGLISH[3][1].split()
    words[4] = "bitcoinz"
    check = check_mnemonic(" ".join(words))
    assert not check.valid and [u.position for u in check.unknown] == [4]
    assert check_mnemonic(" ".join(words[:4] + ["abandan"] + words[5:])).unknown[
        0].suggestions()[0] == "abandon"
    assert "position 5" in check.summary()
    with pytest.raises(InvalidMnemonic) as caught:
        check.require_valid()
    assert caught.value.word_index == 4
    assert "bitcoinz" not in str(caught.value)


def test_bad_length() -> None:
    assert not check_mnemonic("abandon " * 11).length_ok


@pytest.mark.parametrize("vector", [ENGLISH[1], ENGLISH[5]])  # 12 and 18 words
def test_checksum_failure_lists_single_word_fixes(vector: list[str]) -> None:
    words = vector[1].split()
    wrong = 2
    words[wrong] = next(w for w in WORDLIST if w != words[wrong]
                        and not independent_valid(words[:wrong] + [w] + words[wrong + 1:]))
    check = check_mnemonic(words)
    assert not check.checksum_ok and not check.unknown
    assert "cannot say which" in check.summary()
    by_position = {s.position: set(s.candidates) for s in check.substitutions}
    # Independent brute force of every single-word substitution.
    for position in range(len(words)):
        expected = {w for w in WORDLIST if w != words[position]
                    and independent_valid(words[:position] + [w] + words[position + 1:])}
        assert by_position.get(position, set()) == expected
    assert vector[1].split()[wrong] in by_position[wrong]


def test_candidates_ranked_by_spelling() -> None:
    words = ENGLISH[0][1].split()  # abandon x11 about
    words[11] = "above"  # a plausible misreading of "about"
    fix = next(s for s in check_mnemonic(words).substitutions if s.position == 11)
    assert fix.candidates[0] == "about"


@pytest.mark.parametrize("count, expected", [(11, 128), (23, 8)])
def test_final_words_match_brute_force(count: int, expected: int) -> None:
    first = ENGLISH[8 if count == 23 else 4][1].split()[:count]
    brute = [w for w in WORDLIST if independent_valid(first + [w])]
    assert final_words(first) == brute and len(brute) == expected


def test_final_word_from_coin_flips() -> None:
    first = ENGLISH[4][1].split()[:11]
    flips = "HTTHHTH"
    free = "1001101"
    got = final_word_from_flips(first, flips)
    index = WORDLIST.index(got)
    assert f"{index:011b}"[:7] == free and independent_valid(first + [got])
    assert final_word_from_flips(first, "1001101") == got
    first24 = ENGLISH[8][1].split()[:23]
    last24 = final_word_from_flips(" ".join(first24), "TH0")
    assert f"{WORDLIST.index(last24):011b}"[:3] == "010" and independent_valid(first24 + [last24])
    with pytest.raises(EntropyError, match="7 free bits"):
        final_word_from_flips(first, "101")
    with pytest.raises(InvalidMnemonic):
        final_words(first[:10])
