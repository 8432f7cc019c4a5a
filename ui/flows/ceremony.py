"""First run: make a seed from dice or coins (or enter or scan an existing one), show the
words to write down, choose the keystore passphrase, store it encrypted."""

import re

from signer.errors import AirsignError
from ui.flows import Destination, FlowContext, go
from ui.screens.keyboard import KeyboardScreen, KeyboardView
from ui.screens.menu import MenuItem, MenuScreen, MenuView
from ui.screens.words import WordsScreen, WordsView

FIRST_RUN_ITEMS = (
    MenuItem("New seed: dice", "dice"),
    MenuItem("New seed: coins", "coins"),
    MenuItem("Enter 12 words", "enter-12"),
    MenuItem("Enter 24 words", "enter-24"),
    MenuItem("Scan a SeedQR", "scan"),
)
WORD_COUNT = 24
KEYSTORE_PASSPHRASE = "Keystore passphrase"
# Owners of other devices know "passphrase" as BIP-39's 25th word, which changes the wallet.
KEYSTORE_PASSPHRASE_HINT = "Encrypts this device's storage.\nNot a BIP-39 passphrase."


def first_run(ctx: FlowContext) -> Destination | None:
    choice = ctx.show(MenuScreen(MenuView("New device", FIRST_RUN_ITEMS, can_go_back=False)))
    if choice.action in ("dice", "coins"):
        return go(from_entropy, sides=6 if choice.action == "dice" else 2)
    if choice.action.startswith("enter-"):
        return go(enter_words, count=int(choice.action.removeprefix("enter-")))
    return go(scan_seed)


def from_entropy(ctx: FlowContext, sides: int) -> Destination | None:
    from signer.seed.entropy import MIN_ROLLS, coin_entropy, dice_entropy
    from ui.screens.entropy import EntropyPadScreen, EntropyPadView

    target = MIN_ROLLS[WORD_COUNT] if sides == 6 else 256
    title = "Dice rolls" if sides == 6 else "Coin flips"
    choice = ctx.show(EntropyPadScreen(EntropyPadView(title, sides, target)))
    if choice.action == "back":
        return go(first_run)
    entropy = dice_entropy(choice.text, WORD_COUNT) if sides == 6 else coin_entropy(choice.text)
    for warning in entropy.warnings:
        ctx.message("Entropy", warning, tone="caution")
    return go(write_down, words=" ".join(entropy.words))


def quiz_title(position: int, number: int, count: int) -> str:
    """The word asked comes first: a title cut on a small screen must not hide it."""
    return f"Word {position + 1}? ({number}/{count})"


def quiz_position(title: str) -> int | None:
    """The 0-based word position a quiz title asks for; None for any other title."""
    match = re.fullmatch(r"Word (\d+)\? \(\d+/\d+\)", title)
    return int(match[1]) - 1 if match else None


def write_down(ctx: FlowContext, words: str) -> Destination | None:
    """Show the new words, then a short quiz: a seed nobody wrote down is a seed lost."""
    from signer.seed.quiz import make_quiz

    ctx.show(WordsScreen(WordsView("Write down", tuple(words.split()))))
    quiz = make_quiz(words.split())
    answers = []
    for number, question in enumerate(quiz.questions, start=1):
        items = tuple(MenuItem(word, word) for word in question.choices)
        title = quiz_title(question.position, number, len(quiz.questions))
        choice = ctx.show(MenuScreen(MenuView(title, items, can_go_back=False)))
        answers.append(choice.action)
    result = quiz.check(answers)
    if not result.passed:
        wrong = ", ".join(str(p + 1) for p in result.wrong_positions)
        ctx.message("Check", f"Word {wrong} did not match. Look at the words again.",
                    tone="caution")
        return go(write_down, words=words)
    return go(choose_passphrase, words=words)


def enter_words(ctx: FlowContext, count: int, words: tuple[str, ...] = ()) -> Destination | None:
    """One word per keyboard screen; BACK takes the previous word back."""
    from embit.wordlists.bip39 import WORDLIST

    from signer.seed.check import check_mnemonic

    if len(words) == count:
        try:
            check_mnemonic(list(words)).require_valid()
        except AirsignError as exc:
            ctx.message("Words", str(exc), tone="caution")
            return go(enter_words, count=count, words=words[:-1])
        return go(choose_passphrase, words=" ".join(words))
    view = KeyboardView(f"Word {len(words) + 1}/{count}", mode="word",
                        wordlist=tuple(WORDLIST))
    choice = ctx.show(KeyboardScreen(view))
    if choice.action == "back":
        return go(enter_words, count=count, words=words[:-1]) if words else go(first_run)
    return go(enter_words, count=count, words=(*words, choice.text))


def scan_seed(ctx: FlowContext) -> Destination | None:
    from signer.seed.importing import words_from_payload
    from ui.flows.scan import scan_payload

    payload = scan_payload(ctx, "Scan SeedQR")
    if payload is None:
        return go(first_run)
    return go(choose_passphrase, words=" ".join(words_from_payload(payload)))


def choose_passphrase(ctx: FlowContext, words: str) -> Destination | None:
    from signer.keystore import Keystore
    from ui.flows.home import home

    first = ctx.show(KeyboardScreen(KeyboardView(KEYSTORE_PASSPHRASE, KEYSTORE_PASSPHRASE_HINT,
                                                 masked=True)))
    if first.action == "back" or not first.text:
        return go(first_run)
    again = ctx.show(KeyboardScreen(KeyboardView(KEYSTORE_PASSPHRASE, "The same once more",
                                                 masked=True)))
    if again.text != first.text:
        ctx.message(KEYSTORE_PASSPHRASE, "The two passphrases differ. Choose again.",
                    tone="caution")
        return go(choose_passphrase, words=words)
    try:
        ctx.keystore = Keystore.create(ctx.keystore_path, words, first.text,
                                       kdf=ctx.new_keystore_kdf,
                                       kdf_cost_check=ctx.kdf_cost_check)
    except AirsignError as exc:
        ctx.message("Not stored", str(exc), tone="danger")
        return go(first_run)
    return go(home)
