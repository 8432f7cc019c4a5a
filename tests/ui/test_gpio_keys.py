"""The HAT's key handling: debounce and joystick repeat (pure logic), and a clean one-line
refusal where the GPIO and SPI devices do not exist (this machine has no HAT)."""

import pytest

from signer.errors import UsageError
from ui.backends import Key
from ui.backends.display import ST7789Display
from ui.backends.input import GpioInput, KeySampler

KEYS = (Key.UP, Key.KEY1)


def run(sampler: KeySampler, reads: list[tuple[float, set[Key]]]) -> list[tuple[float, Key]]:
    out = []
    for now, held in reads:
        out += [(now, key) for key in sampler.sample({k: k in held for k in KEYS}, now)]
    return out


def test_a_single_low_read_is_a_bounce_not_a_press() -> None:
    sampler = KeySampler(KEYS)
    assert run(sampler, [(0.00, {Key.KEY1}), (0.01, set()), (0.02, {Key.KEY1}),
                         (0.03, set())]) == []


def test_two_low_reads_press_once_and_a_key_does_not_repeat() -> None:
    sampler = KeySampler(KEYS, repeat_every=0.25)
    reads = [(t / 100, {Key.KEY1}) for t in range(100)]  # held for a second
    assert run(sampler, reads) == [(0.01, Key.KEY1)]


def test_a_held_joystick_repeats_and_release_resets() -> None:
    sampler = KeySampler(KEYS, repeat_every=0.25)
    held = [(t / 100, {Key.UP}) for t in range(60)]  # 0.00 .. 0.59 s
    released = [(0.60, set()), (0.61, {Key.UP}), (0.62, {Key.UP})]
    assert [key for _, key in run(sampler, held + released)] == [Key.UP] * 4
    times = [t for t, _ in run(KeySampler(KEYS, 0.25), held)]
    assert times == [0.01, 0.26, 0.51]


def test_without_the_hat_the_backends_refuse_in_one_line(tmp_path) -> None:
    with pytest.raises(UsageError, match="keys are not reachable"):
        GpioInput(gpio_chip=str(tmp_path / "gpiochip0"))
    with pytest.raises(UsageError, match="ST7789 display is not reachable"):
        ST7789Display(spi_device=str(tmp_path / "spidev0.0"))
