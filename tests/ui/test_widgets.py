"""Widget and screen behaviour that is not about pixels: addresses, amounts, wrapping,
the keyboard's BIP-39 completion, the entropy pad, scripted input."""

import time
from pathlib import Path

import pytest
from embit.wordlists.bip39 import WORDLIST
from hypothesis import given
from hypothesis import strategies as st

from signer.errors import UsageError
from ui import theme
from ui.backends import InputClosed, Key
from ui.backends.input import ScriptedInput
from ui.screens.entropy import EntropyPadScreen, EntropyPadView
from ui.screens.keyboard import KeyboardScreen, KeyboardView
from ui.widgets import (
    Canvas,
    Chrome,
    address_lines,
    format_amount,
    line_height,
    title_bar,
    wrap_text,
)

# BIP-173 / BIP-350 example addresses: the longest shapes a screen has to show.
ADDRESSES = (
    "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
    "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",
    "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
)


@pytest.mark.parametrize("width", [224, 304, 464])
@pytest.mark.parametrize("address", ADDRESSES)
def test_address_lines_keep_every_character_in_groups_of_four(address: str, width: int) -> None:
    font = theme.Metrics.for_size((width + 16, 240)).mono_font()
    lines = address_lines(address, font, width)
    assert "".join("".join(line) for line in lines) == address
    groups = [g for line in lines for g in line]
    assert all(len(g) == 4 for g in groups[:-1]) and 1 <= len(groups[-1]) <= 4
    assert all(font.getlength(" ".join(line)) <= width for line in lines)


def test_title_too_wide_beside_badge_and_fingerprint_steps_down_uncut() -> None:
    chrome = Chrome("73c5da0a", "test")
    drawn, bare = Canvas.new((240, 240)), Canvas.new((240, 240))
    bottom = title_bar(drawn, "Registered", chrome)
    title_bar(bare, "", chrome)
    smallest = drawn.metrics.title_fonts()[-1]
    assert drawn.metrics.title_fonts()[0].getlength("Registered") > 100  # cut at full size
    m = bare.metrics
    bare.draw.text((m.margin, (m.title_height - line_height(smallest)) // 2), "Registered",
                   font=smallest, fill=theme.TEXT)
    # Whole word at the smaller size, and the fingerprint and TEST badge untouched.
    assert drawn.image.crop((0, 0, 240, bottom)).tobytes() == \
        bare.image.crop((0, 0, 240, bottom)).tobytes()


@pytest.mark.parametrize(("sats", "btc", "sats_text"), [
    (0, "0.00 000 000 BTC", "0 sats"),
    (1, "0.00 000 001 BTC", "1 sats"),
    (1_234_567, "0.01 234 567 BTC", "1,234,567 sats"),
    (2_100_000_000_000_000, "21,000,000.00 000 000 BTC", "2,100,000,000,000,000 sats"),
])
def test_amounts_have_separators_and_are_never_rounded(sats: int, btc: str, sats_text: str) -> None:
    assert format_amount(sats, "btc") == btc
    assert format_amount(sats, "sats") == sats_text


@given(st.integers(min_value=0, max_value=2_100_000_000_000_000))
def test_btc_amount_reads_back_exactly(sats: int) -> None:
    text = format_amount(sats, "btc").removesuffix(" BTC").replace(",", "").replace(" ", "")
    whole, fraction = text.split(".")
    assert int(whole) * 100_000_000 + int(fraction) == sats


@given(st.text(alphabet="abcdefghij XYZ0123456789", max_size=200))
def test_wrap_text_loses_nothing_and_fits(text: str) -> None:
    font = theme.font("regular", 17)
    lines = wrap_text(text, font, 200)
    assert all(font.getlength(line) <= 200 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def _type(screen: KeyboardScreen, letters: str) -> None:
    for letter in letters:
        rows = screen.rows()
        screen.cursor = next((r, c) for r, row in enumerate(rows) for c, k in enumerate(row)
                             if k == letter)
        screen.handle(Key.PRESS)


def test_word_keyboard_completes_and_refuses_dead_ends() -> None:
    screen = KeyboardScreen(KeyboardView("w", mode="word", wordlist=tuple(WORDLIST)))
    _type(screen, "zo")
    assert screen.candidates() == ["zone", "zoo"]
    assert screen.handle(Key.KEY2) is None  # two words still possible
    _type(screen, "x")  # no BIP-39 word starts "zox": the letter is not taken
    assert screen.text == "zo"
    _type(screen, "n")
    choice = screen.handle(Key.KEY2)
    assert choice is not None and choice.text == "zone"


def test_word_keyboard_accepts_a_word_that_prefixes_others() -> None:
    # "act" is a word and the start of "action", "actor", "actress", "actual".
    screen = KeyboardScreen(KeyboardView("w", mode="word", wordlist=tuple(WORDLIST)))
    _type(screen, "act")
    choice = screen.handle(Key.KEY2)
    assert choice is not None and choice.text == "act"


def test_passphrase_keyboard_masks_all_but_the_last_letter() -> None:
    screen = KeyboardScreen(KeyboardView("p", masked=True))
    _type(screen, "secret")
    assert screen.shown_text() == "••••••••t"  # eight dots whatever the length
    screen.handle(Key.KEY3)
    assert screen.handle(Key.KEY2).text == "secre"  # type: ignore[union-attr]


def test_dice_pad_finishes_only_at_the_target() -> None:
    pad = EntropyPadScreen(EntropyPadView("Dice", 6, 3))
    for key in (Key.PRESS, Key.RIGHT, Key.PRESS):
        pad.handle(key)
    assert pad.handle(Key.KEY2) is None
    pad.handle(Key.DOWN)  # 2 -> 5
    pad.handle(Key.PRESS)
    choice = pad.handle(Key.KEY2)
    assert choice is not None and choice.text == "125"


def test_scripted_input_from_file(tmp_path: Path) -> None:
    script = tmp_path / "keys"
    script.write_text("# unlock\nup\nDOWN  # comment\nnone\nkey2\n")
    keys = ScriptedInput.from_file(script)
    assert [keys.wait(0) for _ in range(4)] == [Key.UP, Key.DOWN, None, Key.KEY2]
    with pytest.raises(InputClosed):
        keys.wait(0)
    script.write_text("jump\n")
    with pytest.raises(UsageError, match="unknown key 'jump'"):
        ScriptedInput.from_file(script)


def test_scripted_wait_lets_an_animated_screen_run_until_one_waits_for_a_key(
        monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    keys = ScriptedInput(["wait", "press"])
    # a scanning screen asks for a tick every 20 ms: no key, after the time it asked for
    assert [keys.wait(0.02) for _ in range(5)] == [None] * 5
    assert slept == [0.02] * 5
    assert keys.wait(None) is Key.PRESS  # a screen that waits for a key gets the next one
    keys = ScriptedInput(["wait", "up"])
    assert keys.wait(300.0) is Key.UP  # the auto-lock's long timeout is not an animation
    with pytest.raises(InputClosed):
        ScriptedInput(["wait"]).wait(None)
