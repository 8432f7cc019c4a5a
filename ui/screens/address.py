"""One address, every character visible: a PSBT output, a verified address, a receive address.

The kind badge (SEND / CHANGE / TO SELF / NOT OURS ...) has its own colour so an external
payment never looks like change.
"""

from dataclasses import dataclass

from ui import theme
from ui.backends import Key
from ui.screens.base import Button, Choice, Screen, button_row_key
from ui.theme import Colour
from ui.widgets import (
    Canvas,
    Chrome,
    address_height,
    button_row,
    centered_text,
    draw_address,
    largest_fitting,
    line_height,
    text_width,
    title_bar,
    wrap_parts,
)


@dataclass(frozen=True)
class AddressView:
    title: str
    address: str
    badge: str  # "SEND", "CHANGE", "TO SELF", "OURS", "NOT OURS"
    badge_colour: Colour
    amount: str = ""  # already formatted in the user's denomination
    details: tuple[str, ...] = ()  # small lines under the address: wallet, path, label
    buttons: tuple[Button, ...] = (Button("Back", "back"), Button("Next", "next"))
    back_action: str = "back"


class AddressScreen(Screen):
    def __init__(self, view: AddressView):
        self.view = view
        self.selected = len(view.buttons) - 1

    def draw(self, canvas: Canvas, chrome: Chrome) -> None:
        m = canvas.metrics
        view = self.view
        y = title_bar(canvas, view.title, chrome) + m.px(6)
        bottom = button_row(canvas, [b.label for b in view.buttons], self.selected)
        width = canvas.width - 2 * m.margin
        small = m.small_font()
        details = [line for detail in view.details for line in wrap_parts(detail, small, width)]
        badge_font = m.small_bold_font()
        badge_h = line_height(badge_font) + m.px(4)
        # Everything must show on one screen (the proof of a change output is what makes it
        # change): a smaller address font before anything is left out.
        room = bottom - y - (badge_h + m.px(6)) - len(details) * line_height(small) - m.px(4)
        fonts = m.address_fonts()
        address_font = next((f for f in fonts
                             if address_height(view.address, f, width, m.px(2)) <= room),
                            fonts[-1])
        gap = m.px(6) if address_height(view.address, address_font, width,
                                        m.px(2)) + m.px(4) <= room else m.px(2)
        badge_w = text_width(view.badge, badge_font) + m.px(12)
        x = m.margin
        canvas.draw.rounded_rectangle((x, y, x + badge_w, y + badge_h), m.px(4),
                                      fill=view.badge_colour)
        canvas.draw.text((x + m.px(6), y + m.px(2)), view.badge, font=badge_font, fill=(0, 0, 0))
        if view.amount:
            room_w = width - badge_w - m.px(2)
            # A long BTC amount beside CHANGE steps down rather than overlapping the badge.
            amount_font = largest_fitting(view.amount, (m.bold_font(), m.small_bold_font()),
                                          room_w)
            canvas.draw.text(
                (canvas.width - m.margin - text_width(view.amount, amount_font), y),
                view.amount, font=amount_font, fill=view.badge_colour,
            )
        y += badge_h + gap
        y = draw_address(canvas, view.address, y, address_font) + m.px(2)
        for line in details:
            y = centered_text(canvas, line, y, small, theme.MUTED)

    def handle(self, key: Key) -> Choice | None:
        self.selected, choice = button_row_key(key, self.view.buttons, self.selected,
                                               self.view.back_action)
        return choice
