"""Drawing primitives shared by every screen: title bar, lists, text, buttons, banners, QR.

Widgets only draw; they never decide. Each takes a Canvas (image + draw + metrics) and a box or
a top coordinate, and returns where it ended so screens can stack them.
"""

from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from ui import theme
from ui.theme import Colour, Metrics

Font = ImageFont.FreeTypeFont


@dataclass(frozen=True)
class DrawnText:
    """One text drawn on a canvas: what layout tests read (is a key fact whole, on screen?)."""

    text: str
    xy: tuple[float, float]
    font: Font

    @property
    def box(self) -> tuple[int, int, int, int]:
        left, top, right, bottom = self.font.getbbox(self.text)
        x, y = self.xy
        return (round(x + left), round(y + top), round(x + right), round(y + bottom))


class _LoggingDraw(ImageDraw.ImageDraw):
    """ImageDraw that notes every text it draws."""

    def __init__(self, image: Image.Image, log: list[DrawnText]) -> None:
        super().__init__(image)
        self.log = log

    def text(self, xy: Any, text: Any, fill: Any = None, font: Any = None, *args: Any,
             **kwargs: Any) -> None:
        self.log.append(DrawnText(str(text), (xy[0], xy[1]), font))
        super().text(xy, text, fill, font, *args, **kwargs)


@dataclass
class Canvas:
    image: Image.Image
    draw: ImageDraw.ImageDraw
    metrics: Metrics
    texts: list[DrawnText] = field(default_factory=list)  # in drawing order

    @classmethod
    def new(cls, size: tuple[int, int], background: Colour = theme.BACKGROUND) -> "Canvas":
        image = Image.new("RGB", size, background)
        texts: list[DrawnText] = []
        return cls(image, _LoggingDraw(image, texts), Metrics.for_size(size), texts)

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height


@dataclass(frozen=True)
class Chrome:
    """Device status drawn on every screen: whose seed, which network, developer overrides."""

    fingerprint: str = ""
    network: str = ""
    network_override: bool = False  # started with --dev-allow-network: permanent red banner


def text_width(text: str, font: Font) -> int:
    return round(font.getlength(text))


def line_height(font: Font) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent


def wrap_text(text: str, font: Font, width: int) -> list[str]:
    """Greedy word wrap; a word longer than the line is cut so nothing is hidden. Widths are
    compared unrounded: half a pixel over the edge is a clipped letter on the panel."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if font.getlength(candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            rest = word
            while font.getlength(rest) > width:
                cut = len(rest)
                while cut > 1 and font.getlength(rest[:cut]) > width:
                    cut -= 1
                lines.append(rest[:cut])
                rest = rest[cut:]
            current = rest
        lines.append(current)
    return lines


def wrap_parts(text: str, font: Font, width: int) -> list[str]:
    """Like wrap_text, but a line too wide breaks first between its " · " parts, so an
    amount or a path stays whole: "Output 2/2 · 0.00 039 000 BTC" -> two lines."""
    if font.getlength(text) <= width:
        return [text]
    return [line for part in text.split(" · ") for line in wrap_text(part, font, width)]


def largest_fitting(text: str, fonts: tuple[Font, ...], width: float) -> Font:
    """The first (largest) of `fonts` that draws `text` within `width`, else the smallest."""
    return next((font for font in fonts if font.getlength(text) <= width), fonts[-1])


def fit_text(text: str, font: Font, width: int) -> str:
    """Shorten with an ellipsis to fit one line (labels only, never addresses or amounts)."""
    if text_width(text, font) <= width:
        return text
    while text and text_width(text + "…", font) > width:
        text = text[:-1]
    return text + "…"


def centered_text(canvas: Canvas, text: str, y: int, font: Font, colour: Colour) -> int:
    x = (canvas.width - text_width(text, font)) // 2
    canvas.draw.text((x, y), text, font=font, fill=colour)
    return y + line_height(font)


def title_bar(canvas: Canvas, title: str, chrome: Chrome) -> int:
    """Title on the left; network badge and seed fingerprint on the right. Returns its bottom."""
    m = canvas.metrics
    top = 0
    if chrome.network_override:
        top = banner(canvas, "DEV MODE: NETWORK ON", "danger", top=0, small=True)
    bottom = top + m.title_height
    canvas.draw.rectangle((0, top, canvas.width, bottom - 1), fill=theme.TITLE_BACKGROUND)
    right = canvas.width - m.margin
    small = m.small_bold_font()
    text_y = top + (m.title_height - line_height(small)) // 2
    if chrome.network and chrome.network != "main":
        label = chrome.network.upper()[:4]
        badge_w = text_width(label, small) + m.px(8)
        colour = theme.NETWORK_COLOURS.get(chrome.network, theme.MUTED)
        canvas.draw.rounded_rectangle(
            (right - badge_w, top + m.px(6), right, bottom - m.px(6)), m.px(4), fill=colour
        )
        canvas.draw.text((right - badge_w + m.px(4), text_y), label, font=small, fill=(0, 0, 0))
        right -= badge_w + m.px(6)
    if chrome.fingerprint:
        canvas.draw.text(
            (right - text_width(chrome.fingerprint, small), text_y),
            chrome.fingerprint,
            font=small,
            fill=theme.MUTED,
        )
        right -= text_width(chrome.fingerprint, small) + m.px(6)
    space = right - m.margin
    font = largest_fitting(title, m.title_fonts(), space)
    label = fit_text(title, font, space)
    canvas.draw.text(
        (m.margin, top + (m.title_height - line_height(font)) // 2), label, font=font,
        fill=theme.TEXT,
    )
    return bottom


BANNER_COLOURS: dict[str, tuple[Colour, Colour]] = {
    "danger": (theme.DANGER, theme.DANGER_TEXT),
    "caution": (theme.CAUTION, theme.CAUTION_TEXT),
    "info": (theme.SURFACE, theme.TEXT),
    "success": (theme.SUCCESS, (0, 0, 0)),
}


def banner_height(canvas: Canvas, text: str, small: bool = False) -> int:
    """The height `banner` draws `text` in (to place one above something)."""
    m = canvas.metrics
    font = m.small_bold_font() if small else m.bold_font()
    return len(wrap_text(text, font, canvas.width - 2 * m.margin)) * line_height(font) + 2 * m.px(3)


def banner(canvas: Canvas, text: str, tone: str, top: int, small: bool = False) -> int:
    """A full-width coloured strip with centred text (wrapped); returns its bottom."""
    m = canvas.metrics
    font = m.small_bold_font() if small else m.bold_font()
    background, foreground = BANNER_COLOURS[tone]
    lines = wrap_text(text, font, canvas.width - 2 * m.margin)
    pad = m.px(3)
    height = banner_height(canvas, text, small)
    canvas.draw.rectangle((0, top, canvas.width, top + height - 1), fill=background)
    y = top + pad
    for line in lines:
        y = centered_text(canvas, line, y, font, foreground)
    return top + height


def text_lines(
    canvas: Canvas, lines: list[str], top: int, font: Font, colour: Colour = theme.TEXT,
    *, left: int | None = None,
) -> int:
    x = canvas.metrics.margin if left is None else left
    for line in lines:
        canvas.draw.text((x, top), line, font=font, fill=colour)
        top += line_height(font)
    return top


def scrollbar(canvas: Canvas, span: tuple[int, int], first: int, visible: int, total: int) -> None:
    """A thin bar on the right edge over span (top, bottom), only when there is more than fits."""
    if total <= visible:
        return
    top, bottom = span
    m = canvas.metrics
    x0, x1 = canvas.width - m.px(4), canvas.width - m.px(1)
    span = bottom - top
    thumb = max(m.px(12), span * visible // total)
    y = top + (span - thumb) * first // max(1, total - visible)
    canvas.draw.rectangle((x0, top, x1, bottom), fill=theme.SURFACE)
    canvas.draw.rectangle((x0, y, x1, y + thumb), fill=theme.MUTED)


@dataclass(frozen=True)
class ListRow:
    label: str
    detail: str = ""  # right-aligned value, e.g. the current setting
    colour: Colour = theme.TEXT


def first_visible(selected: int, visible: int, total: int) -> int:
    """Scroll so the selection stays on screen with one row of context where possible."""
    if total <= visible:
        return 0
    return max(0, min(selected - visible // 2, total - visible))


def list_rows(canvas: Canvas, rows: list[ListRow], selected: int, top: int, bottom: int) -> None:
    m = canvas.metrics
    row_h = m.row_height
    visible = max(1, (bottom - top) // row_h)
    first = first_visible(selected, visible, len(rows))
    font, detail_font = m.body_font(), m.small_font()
    width = canvas.width - m.px(6)
    for offset, row in enumerate(rows[first : first + visible]):
        index = first + offset
        y = top + offset * row_h
        chosen = index == selected
        if chosen:
            canvas.draw.rounded_rectangle(
                (m.px(3), y + m.px(2), width, y + row_h - m.px(2)), m.px(6), fill=theme.ACCENT
            )
        colour = theme.ACCENT_TEXT if chosen else row.colour
        right = width - m.margin
        if row.detail:
            detail = fit_text(row.detail, detail_font, (width - 2 * m.margin) // 2)
            dw = text_width(detail, detail_font)
            canvas.draw.text(
                (right - dw, y + (row_h - line_height(detail_font)) // 2), detail,
                font=detail_font, fill=theme.ACCENT_TEXT if chosen else theme.MUTED,
            )
            right -= dw + m.px(6)
        label = fit_text(row.label, font, right - 2 * m.margin)
        canvas.draw.text(
            (2 * m.margin, y + (row_h - line_height(font)) // 2), label, font=font, fill=colour
        )
    scrollbar(canvas, (top, bottom), first, visible, len(rows))


def button_row(canvas: Canvas, labels: list[str], selected: int, tone: str = "normal") -> int:
    """Buttons side by side along the bottom edge; returns their top so content stops above."""
    m = canvas.metrics
    if not labels:
        return canvas.height
    top = canvas.height - m.button_height - m.px(4)
    gap = m.px(6)
    width = (canvas.width - 2 * m.margin - gap * (len(labels) - 1)) // len(labels)
    font = m.key_font()
    if any(text_width(label, font) > width - m.px(8) for label in labels):
        font = m.small_bold_font()  # a smaller whole label beats a cut one
    # On a red screen the selected button is white with red text: unmistakable either way.
    if tone == "danger":
        chosen_fill, chosen_text = theme.TEXT, theme.DANGER
        other_fill, other_text, outline = theme.DANGER, theme.TEXT, theme.TEXT
    else:
        chosen_fill, chosen_text = theme.ACCENT, theme.ACCENT_TEXT
        other_fill, other_text, outline = theme.SURFACE, theme.TEXT, theme.DIM
    for index, label in enumerate(labels):
        x = m.margin + index * (width + gap)
        chosen = index == selected
        canvas.draw.rounded_rectangle(
            (x, top, x + width, top + m.button_height), m.px(8),
            fill=chosen_fill if chosen else other_fill, outline=outline, width=m.px(2),
        )
        colour = chosen_text if chosen else other_text
        text = fit_text(label, font, width - m.px(8))
        canvas.draw.text(
            (x + (width - text_width(text, font)) // 2,
             top + (m.button_height - line_height(font)) // 2),
            text, font=font, fill=colour,
        )
    return top - m.px(4)


def progress_bar(canvas: Canvas, box: tuple[int, int, int, int], fraction: float) -> None:
    m = canvas.metrics
    x0, y0, x1, y1 = box
    canvas.draw.rounded_rectangle(box, m.px(4), fill=theme.SURFACE, outline=theme.DIM)
    filled = x0 + round((x1 - x0) * max(0.0, min(1.0, fraction)))
    if filled > x0 + m.px(2):
        canvas.draw.rounded_rectangle((x0, y0, filled, y1), m.px(4), fill=theme.ACCENT)


def address_groups(address: str) -> list[str]:
    """Groups of four characters, the way people compare addresses aloud."""
    return [address[i : i + 4] for i in range(0, len(address), 4)]


def address_lines(address: str, font: Font, width: int) -> list[list[str]]:
    """Whole groups per line, as many as fit; never splits a group, never hides a character."""
    groups = address_groups(address)
    per_line = max(1, (width + text_width(" ", font)) // text_width("0000 ", font))
    return [groups[i : i + per_line] for i in range(0, len(groups), per_line)]


def address_height(address: str, font: Font, width: int, spacing: int) -> int:
    """How tall draw_address draws `address` in `font` within `width`."""
    return len(address_lines(address, font, width)) * (line_height(font) + spacing)


def draw_address(canvas: Canvas, address: str, top: int, font: Font | None = None) -> int:
    """The address in alternating-colour groups of four, centred; returns the bottom."""
    m = canvas.metrics
    font = font or m.mono_font()
    space = text_width(" ", font)
    y = top
    group_index = 0
    for line in address_lines(address, font, canvas.width - 2 * m.margin):
        line_w = text_width(" ".join(line), font)
        x = (canvas.width - line_w) // 2
        for group in line:
            colour = theme.GROUP_COLOURS[group_index % 2]
            canvas.draw.text((x, y), group, font=font, fill=colour)
            x += text_width(group, font) + space
            group_index += 1
        y += line_height(font) + m.px(2)
    return y


def format_amount(sats: int, denomination: str) -> str:
    """1,234,567 sats or 0.01 234 567 BTC: digits grouped in thousands, never rounded."""
    sign = "-" if sats < 0 else ""
    sats = abs(sats)
    if denomination == "sats":
        return f"{sign}{sats:,} sats"
    whole, fraction = divmod(sats, 100_000_000)
    digits = f"{fraction:08d}"
    # Group the eight decimals 2-3-3 like a sats count, so 0.00 012 345 reads as 12,345 sats.
    return f"{sign}{whole:,}.{digits[:2]} {digits[2:5]} {digits[5:]} BTC"


def key_grid(
    canvas: Canvas, keys: list[list[str]], selected: tuple[int, int], top: int, bottom: int,
) -> None:
    """A grid of on-screen keys, the selected one highlighted; rows may differ in length."""
    m = canvas.metrics
    rows = len(keys)
    gap = m.px(3)
    cell_h = (bottom - top - gap * (rows - 1)) // rows
    font = m.key_font()
    for r, row in enumerate(keys):
        cell_w = (canvas.width - 2 * m.px(4) - gap * (len(row) - 1)) // len(row)
        y = top + r * (cell_h + gap)
        for c, label in enumerate(row):
            x = m.px(4) + c * (cell_w + gap)
            chosen = (r, c) == selected
            canvas.draw.rounded_rectangle(
                (x, y, x + cell_w, y + cell_h), m.px(4),
                fill=theme.ACCENT if chosen else theme.SURFACE,
            )
            text = fit_text(label, font, cell_w - 2)
            canvas.draw.text(
                (x + (cell_w - text_width(text, font)) // 2,
                 y + (cell_h - line_height(font)) // 2),
                text, font=font, fill=theme.ACCENT_TEXT if chosen else theme.TEXT,
            )
