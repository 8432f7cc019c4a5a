"""Layout checks on what a screen drew (ui.widgets.Canvas notes every text): a key fact must
be whole, on the screen, over no other text and clear of the buttons."""

from ui.theme import Metrics
from ui.widgets import DrawnText


def assert_laid_out(texts: list[DrawnText], size: tuple[int, int]) -> None:
    """Every text on the screen, whole (no ellipsis), none over another."""
    width, height = size
    for text in texts:
        left, top, right, bottom = text.box
        assert left >= 0 and top >= 0 and right <= width and bottom <= height, (
            f"{text.text!r} is drawn off the screen at {text.box}")
        assert "…" not in text.text, f"{text.text!r} is cut"
    boxes = [(t.text, t.box) for t in texts if t.text.strip()]
    for i, (a, (al, at, ar, ab)) in enumerate(boxes):
        for b, (bl, bt, br, bb) in boxes[i + 1:]:
            assert ar <= bl or br <= al or ab <= bt or bb <= at, f"{a!r} overlaps {b!r}"


def buttons_top(size: tuple[int, int]) -> int:
    """Where widgets.button_row puts the buttons' top edge."""
    metrics = Metrics.for_size(size)
    return size[1] - metrics.button_height - metrics.px(4)


def assert_clear_of_buttons(texts: list[DrawnText], size: tuple[int, int]) -> None:
    top = buttons_top(size)
    for text in texts:
        if text.box[1] < top:  # (the button labels start below the edge)
            assert text.box[3] <= top, f"{text.text!r} runs into the buttons"
