"""A scrolling list of choices: home, wallets, settings, any "pick one"."""

from dataclasses import dataclass

from ui import theme
from ui.backends import Key
from ui.screens.base import BACK, BACK_KEYS, SELECT_KEYS, Choice, Screen
from ui.widgets import Canvas, Chrome, ListRow, banner, list_rows, title_bar


@dataclass(frozen=True)
class MenuItem:
    label: str
    action: str
    detail: str = ""  # shown right-aligned: a current setting, a count
    danger: bool = False


@dataclass(frozen=True)
class MenuView:
    title: str
    items: tuple[MenuItem, ...]
    can_go_back: bool = True
    selected: int = 0
    notice: str = ""  # a caution strip under the title (e.g. "Test network")


class MenuScreen(Screen):
    def __init__(self, view: MenuView):
        self.view = view
        self.selected = min(view.selected, len(view.items) - 1)

    def draw(self, canvas: Canvas, chrome: Chrome) -> None:
        top = title_bar(canvas, self.view.title, chrome)
        if self.view.notice:
            top = banner(canvas, self.view.notice, "caution", top, small=True)
        rows = [
            ListRow(item.label, item.detail, theme.DANGER if item.danger else theme.TEXT)
            for item in self.view.items
        ]
        list_rows(canvas, rows, self.selected, top + canvas.metrics.px(4), canvas.height)

    def handle(self, key: Key) -> Choice | None:
        count = len(self.view.items)
        if key is Key.UP:
            self.selected = (self.selected - 1) % count
        elif key is Key.DOWN:
            self.selected = (self.selected + 1) % count
        elif key in SELECT_KEYS or key is Key.RIGHT:
            return Choice(self.view.items[self.selected].action, index=self.selected)
        elif (key in BACK_KEYS or key is Key.LEFT) and self.view.can_go_back:
            return BACK
        return None
