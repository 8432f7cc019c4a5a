"""`airsign seed new | final-word | check`: make a seed from dice, coins or camera noise,
find the last word of hand-picked words, and say which word of a mnemonic is wrong.

`seed new` prints the words (that is what it is for) unless --store, which shows them one
at a time on the terminal, quizzes the user, stores the seed and prints only its fingerprint.
"""

import argparse
import sys
import textwrap
from typing import TextIO

from signer.errors import BackupCheckFailed, KeystoreExists, UsageError
from signer.keys import master_fingerprint, root_from_mnemonic
from signer.keystore import Keystore
from signer.seed.check import MnemonicCheck, check_mnemonic
from signer.seed.entropy import (
    CAMERA_FRAMES,
    SeedEntropy,
    camera_entropy,
    coin_entropy,
    dice_entropy,
    quick_entropy,
    read_frames,
)
from signer.seed.final_word import final_word_from_flips, final_words
from signer.seed.quiz import make_quiz
from signer.settings import Settings
from ui.cli import AddCommand
from ui.cli.common import (
    add_location_options,
    device_network,
    keystore_path,
    read_bip39_passphrase,
    read_passphrase,
    read_secret_line,
)

SHOWN_CANDIDATES = 6
CLEAR_SCREEN = "\033[2J\033[H"


def register(add_command: AddCommand) -> None:
    parser = add_command("seed")
    actions = parser.add_subparsers(dest="seed_action", metavar="ACTION", required=True)

    new = actions.add_parser("new", help="a new seed from dice, coin flips or camera noise")
    source = new.add_mutually_exclusive_group(required=True)
    source.add_argument("--dice", metavar="ROLLS",
                        help="d6 rolls as digits 1-6 (- to type them unseen); verifiable")
    source.add_argument("--coins", metavar="FLIPS",
                        help="128 or 256 flips as 1/0 or H/T, heads = 1 (- to type); verifiable")
    source.add_argument("--camera", metavar="SOURCE",
                        help="camera index, camera:N, v4l2:N or a video file: sensor noise "
                             "mixed with os.urandom")
    source.add_argument("--quick", action="store_true",
                        help="system randomness (os.urandom) only: quick, not verifiable")
    new.add_argument("--words", type=int, choices=[12, 24],
                     help="12 or 24 words (default 24; coin flips: from their count)")
    new.add_argument("--frames", type=int, default=CAMERA_FRAMES,
                     help=f"camera frames to hash (default {CAMERA_FRAMES})")
    new.add_argument("--mix", metavar="TEXT", default="",
                     help="extra text of yours mixed into camera entropy (not counted)")
    new.add_argument("--store", action="store_true",
                     help="back the words up (shown one by one, then a quiz), store the seed "
                          "in the keystore and print only its fingerprint")
    add_location_options(new, "seed")
    new.set_defaults(func=run_new)

    final = actions.add_parser("final-word", help="every valid last word for 11 or 23 words")
    final.add_argument("first_words", nargs="+", metavar="WORD",
                       help="the 11 or 23 words (- to type them unseen)")
    choose = final.add_mutually_exclusive_group()
    choose.add_argument("--coins", metavar="FLIPS",
                        help="7 (12 words) or 3 (24 words) flips choose the free bits")
    choose.add_argument("--first", action="store_true", help="take the first valid word")
    final.set_defaults(func=run_final_word)

    check = actions.add_parser("check", help="words from stdin: checksum, and which is wrong")
    check.add_argument("--bip39-passphrase", action="store_true",
                       help="also show the fingerprint with a BIP-39 passphrase (asked)")
    check.set_defaults(func=run_check)


# --- seed new ---------------------------------------------------------------------------
def _entropy(args: argparse.Namespace) -> SeedEntropy:
    if args.coins is not None:
        flips = read_secret_line("Coin flips (not shown): ") if args.coins == "-" else args.coins
        result = coin_entropy(flips)
        if args.words and len(result.words) != args.words:
            raise UsageError(f"{len(result.words)} words come from these flips, not "
                             f"{args.words}")
        return result
    words = args.words or 24
    if args.dice is not None:
        rolls = read_secret_line("Dice rolls (not shown): ") if args.dice == "-" else args.dice
        return dice_entropy(rolls, words)
    if args.camera is not None:
        if args.frames < 2:
            raise UsageError("--frames must be at least 2")
        from ui.backends.camera import open_source

        spec = f"camera:{args.camera}" if args.camera.isdigit() else args.camera
        with open_source([spec]) as source:
            frames = read_frames(source, args.frames)
        return camera_entropy(frames, words, args.mix.encode("utf-8"))
    return quick_entropy(words)


def _report(result: SeedEntropy, out: TextIO) -> None:
    print(f"airsign: entropy from {', '.join(result.sources)}; "
          f"estimate {result.estimated_bits:.1f} bits", file=out)
    if result.verifiable:
        print(f"airsign: verifiable: {result.how_to_verify}", file=out)
    else:
        print(f"airsign: {result.how_to_verify}", file=out)
    for warning in result.warnings:
        print(f"airsign: WARNING: {warning}", file=out)


def run_new(args: argparse.Namespace) -> int:
    path = keystore_path(args)
    if args.store and Keystore.exists(path):
        raise KeystoreExists(f"a seed is already stored in {path}; this device holds one seed")
    if args.mix and args.camera is None:
        raise UsageError("--mix goes with --camera (dice and coins stay reproducible)")
    result = _entropy(args)
    words = result.words
    _report(result, sys.stderr)
    if not args.store:
        print(" ".join(words))  # what `seed new` without --store is asked for
        print(f"airsign: fingerprint {_fingerprint(words)} (without a BIP-39 passphrase)",
              file=sys.stderr)
        return 0
    backup_ceremony(words, sys.stdin, sys.stderr)
    passphrase = read_passphrase("New keystore passphrase: ", confirm=True)
    settings = Settings(network=device_network(args, None))
    with Keystore.create(path, " ".join(words), passphrase, settings=settings) as keystore:
        print(f"airsign: seed stored in {path}", file=sys.stderr)
        print(keystore.fingerprint.hex())
    return 0


def backup_ceremony(words: list[str], answers: TextIO, screen: TextIO) -> None:
    """Show the words one at a time, then quiz; BackupCheckFailed if an answer is wrong."""
    interactive = answers.isatty()
    print("Write down these words, in order. Nothing is stored until you pass the quiz.",
          file=screen)
    for number, word in enumerate(words, 1):
        print(f"Word {number:>2}/{len(words)}: {word}", file=screen)
        if interactive:
            print("(Enter for the next word)", file=screen, end="", flush=True)
            answers.readline()
            print(CLEAR_SCREEN, file=screen, end="")
    quiz = make_quiz(words)
    replies = []
    for question in quiz.questions:
        print(f"Quiz: word #{question.position + 1}?", file=screen, flush=True)
        reply = answers.readline()
        if not reply:
            raise BackupCheckFailed("the quiz was not answered: nothing stored")
        replies.append(reply.strip())
    outcome = quiz.check(replies)
    if not outcome.passed:
        wrong = ", ".join(f"#{p + 1}" for p in outcome.wrong_positions)
        raise BackupCheckFailed(f"wrong answer for word {wrong}: nothing stored; check your "
                                "copy and run seed new again")


def _fingerprint(words: list[str], bip39_passphrase: str = "") -> str:
    """The master fingerprint (hex) these words give: public, shown so the user can compare."""
    return master_fingerprint(root_from_mnemonic(" ".join(words), bip39_passphrase)).hex()


# --- seed final-word --------------------------------------------------------------------
def run_final_word(args: argparse.Namespace) -> int:
    typed = (read_secret_line("Words (not shown): ") if args.first_words == ["-"]
             else " ".join(args.first_words))
    if args.coins is not None:
        print(final_word_from_flips(typed, args.coins))
        return 0
    candidates = final_words(typed)
    if args.first:
        print(candidates[0])
        return 0
    print(f"{len(candidates)} valid last words (any one completes the checksum):",
          file=sys.stderr)
    print(textwrap.fill(" ".join(candidates), width=78))
    return 0


# --- seed check -------------------------------------------------------------------------
def run_check(args: argparse.Namespace) -> int:
    check = check_mnemonic(read_secret_line("Words (not shown): ") if sys.stdin.isatty()
                           else sys.stdin.read())
    if check.valid:
        line = (f"valid BIP-39 mnemonic, {len(check.words)} words, fingerprint "
                f"{_fingerprint(check.words)}")
        if args.bip39_passphrase:
            passphrase = read_bip39_passphrase()
            line += f"; with the BIP-39 passphrase {_fingerprint(check.words, passphrase)}"
        print(line)
        return 0
    _explain(check)
    raise check.error()


def _explain(check: MnemonicCheck) -> None:
    for unknown in check.unknown:
        print(f"word {unknown.position + 1}: {unknown.typed!r} is not a BIP-39 word; "
              f"closest: {', '.join(unknown.suggestions())}")
    if check.substitutions:
        print("The checksum does not say which word is wrong. Changing one of these words "
              "would make it valid:")
    for fix in check.substitutions:
        shown = ", ".join(fix.candidates[:SHOWN_CANDIDATES])
        more = len(fix.candidates) - SHOWN_CANDIDATES
        print(f"word {fix.position + 1} ({fix.typed}): {shown}"
              + (f" (+{more} more)" if more > 0 else ""))
