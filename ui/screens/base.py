"""What every screen is: it draws a view model and turns keys into a Choice. No decisions.

A screen keeps only presentation state (cursor, scroll, the letters typed so far). The flow
that showed it reads the Choice and decides what comes next.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass

from PIL import Image

from ui.backends import Key
from ui.widgets import Canvas, Chrome


@dataclass(frozen=True)
class Choice:
    """What the user did: an action name the flow knows, with text for entry screens."""

    action: str
    text: str = ""
    index: int = -1


BACK = Choice("back")


@dataclass(frozen=True)
class Button:
    label: str
    action: str

# Keys that mean "go back" everywhere, and "yes / select" everywhere.
BACK_KEYS = (Key.BACK, Key.KEY1)
SELECT_KEYS = (Key.PRESS, Key.KEY2)


def button_row_key(key: Key, buttons: tuple[Button, ...], selected: int,
                   back_action: str | None) -> tuple[int, Choice | None]:
    """The keys of a row of buttons: LEFT/RIGHT move along it, select chooses, BACK/KEY1
    leave with back_action (None: ignored). Returns the new selection and the Choice, if any."""
    if key is Key.LEFT and buttons:
        return max(0, selected - 1), None
    if key is Key.RIGHT and buttons:
        return min(len(buttons) - 1, selected + 1), None
    if key in SELECT_KEYS and buttons:
        return selected, Choice(buttons[selected].action, index=selected)
    if key in BACK_KEYS and back_action:
        return selected, Choice(back_action)
    return selected, None


class Screen(ABC):
    """Subclasses implement draw() and handle(); animated ones set tick_seconds and tick()."""

    tick_seconds: float | None = None

    def render(self, size: tuple[int, int], chrome: Chrome) -> Image.Image:
        return self.layout(size, chrome).image

    def layout(self, size: tuple[int, int], chrome: Chrome) -> Canvas:
        """The drawn canvas, with the texts it holds (for layout checks)."""
        canvas = Canvas.new(size, self.background())
        self.draw(canvas, chrome)
        return canvas

    def background(self) -> tuple[int, int, int]:
        return (0, 0, 0)

    @abstractmethod
    def draw(self, canvas: Canvas, chrome: Chrome) -> None: ...

    @abstractmethod
    def handle(self, key: Key) -> Choice | None:
        """A Choice ends the screen; None means redraw and wait for the next key."""

    def tick(self) -> Choice | None:
        """Advance an animation by one step (QR frames, camera preview); a scan screen may end
        itself here when its source reports a result. Static screens have nothing to do."""
        return None
