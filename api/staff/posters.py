"""QR codes and the printable A4 poster for a registration office (served by api/staff/qr.py).

One code per office: it opens `/start?src=<office>`, where the resident picks any language (the
phone's language is preselected), so the same poster serves everyone; the languages chosen on the
staff page are the greetings printed around it.

The poster is drawn by matplotlib (already used for the yearly report), because its text layout
uses libraqm, i.e. HarfBuzz and FriBidi: Arabic, Persian and Pashto are shaped with the font's
own contextual forms and ordered right to left. Presentation-form reshaping (arabic-reshaper) is
no alternative: Unicode has no initial or medial forms for Pashto's ښ ځ څ ګ ڼ ټ, so they would
print unjoined. The font: Noto Sans Arabic (OFL, in fonts/; DejaVu Sans lacks ۍ) for the
right-to-left languages, matplotlib's DejaVu Sans for Latin and Cyrillic.
"""

import io
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import matplotlib
import segno
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as GraphicPath

from i18n.catalogs import N_, gettext
from i18n.languages import LANGUAGES

FONTS = Path(__file__).resolve().parent / "fonts"
ARABIC_FAMILY = "Noto Sans Arabic"
LATIN_FAMILY = "DejaVu Sans"

# The poster's words, one block per language (German source in einfache Sprache).
POSTER_WELCOME = N_("Willkommen! Haben Sie Fragen?")
POSTER_CHAT = N_("Schreiben Sie uns in Ihrer Sprache. Scannen Sie den Code.")

# QR: error correction M (15 %) survives a scuffed or partly covered poster; segno raises it
# further when the URL leaves room in the same symbol size.
QR_ERROR = "m"
QR_BORDER = 4  # the quiet zone the standard asks for, in modules
SVG_SCALE = 8
PNG_SCALE = 16  # 16 px per module: about 8 cm at 300 dpi for a short link

A4 = (8.27, 11.69)  # inches
MARGIN = 0.6
INK = "#1b1b1b"
ACCENT = "#0b4f8a"
MUTED = "#4a4a4a"
COLUMN_GAP = 28.0  # points
# matplotlib's settings are global: one poster at a time (they are made now and then, by staff).
_DRAWING = threading.Lock()


def start_url(base_url: str, office: str) -> str:
    """What the code opens: the front door with the office as the conversation's source."""
    return f"{base_url.rstrip('/')}/start?src={office}"


def printed_link(url: str) -> str:
    """The link as printed under the code, to type in: without the scheme."""
    return url.split("://", 1)[-1]


def qr_code(url: str) -> segno.QRCode:
    return segno.make_qr(url, error=QR_ERROR)


def qr_svg(url: str) -> bytes:
    """The SVG file to download (for the office's own print layouts)."""
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="svg", scale=SVG_SCALE, border=QR_BORDER, title=url)
    return buffer.getvalue()


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="png", scale=PNG_SCALE, border=QR_BORDER)
    return buffer.getvalue()


def qr_svg_inline(url: str, label: str) -> str:
    """The code on the staff page: an image with a name for screen readers, scaled by CSS."""
    svg = qr_code(url).svg_inline(
        scale=SVG_SCALE, border=QR_BORDER, omitsize=True, svgclass="qr", title=label
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


# --- the poster ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    for path in sorted(FONTS.glob("*.ttf")):
        font_manager.fontManager.addfont(str(path))


# Arabic letters are small on the body: at the same point size they read a size smaller.
ARABIC_SCALE = 1.15


def _font(language: str, size: float, bold: bool = False) -> FontProperties:
    rtl = LANGUAGES[language].direction == "rtl"
    families = [ARABIC_FAMILY, LATIN_FAMILY] if rtl else [LATIN_FAMILY]
    return FontProperties(
        family=families,
        size=size * (ARABIC_SCALE if rtl else 1),
        weight="bold" if bold else "normal",
    )


@dataclass(frozen=True)
class Line:
    text: str
    font: FontProperties
    height: float  # points, with leading


@dataclass(frozen=True)
class Block:
    language: str
    lines: list[Line]

    @property
    def height(self) -> float:
        return sum(line.height for line in self.lines)


class _Measure:
    """Widths of text as matplotlib will lay it out (same shaping), in points."""

    def __init__(self) -> None:
        figure = Figure(figsize=A4, dpi=72)
        self.renderer = FigureCanvasAgg(figure).get_renderer()

    def width(self, text: str, font: FontProperties) -> float:
        width, _, _ = self.renderer.get_text_width_height_descent(text, font, ismath=False)
        return width

    def wrap(self, text: str, font: FontProperties, limit: float) -> list[str]:
        """Greedy wrapping on spaces, in reading order (each line is laid out on its own, so
        right-to-left lines come out right)."""
        lines: list[str] = []
        current = ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            if current and self.width(candidate, font) > limit:
                lines.append(current)
                current = word
            else:
                current = candidate
        if current:
            lines.append(current)
        return lines


def _blocks(measure: _Measure, languages: list[str], size: float, width: float) -> list[Block]:
    blocks = []
    for code in languages:
        name_font = _font(code, size * 0.8, bold=True)
        lines = [Line(LANGUAGES[code].native_name, name_font, name_font.get_size() * 1.4)]
        for message, bold in ((POSTER_WELCOME, True), (POSTER_CHAT, False)):
            font = _font(code, size, bold=bold)
            for text in measure.wrap(gettext(code, message), font, width):
                lines.append(Line(text, font, font.get_size() * 1.45))
        blocks.append(Block(code, lines))
    return blocks


def _columns(blocks: list[Block], count: int) -> list[list[Block]]:
    """Blocks in reading order, filled column by column with about the same number each."""
    per_column = -(-len(blocks) // count)
    return [blocks[i : i + per_column] for i in range(0, len(blocks), per_column)]


def _fit(
    measure: _Measure, languages: list[str], width: float, height: float, columns: int
) -> tuple[list[list[Block]], float]:
    """The largest type, in half points from 7 to 24, at which every block fits the area."""
    column_width = (width - COLUMN_GAP * (columns - 1)) / columns

    def fitted(size: float) -> list[list[Block]] | None:
        stacked = _columns(_blocks(measure, languages, size, column_width), columns)
        tallest = max(
            sum(b.height for b in column) + size * (len(column) - 1) for column in stacked
        )
        return stacked if tallest <= height else None

    low, high = 14, 48  # half points
    best = fitted(low / 2) or _columns(_blocks(measure, languages, 7, column_width), columns)
    best_size = low / 2
    while low < high:
        middle = (low + high + 1) // 2
        stacked = fitted(middle / 2)
        if stacked is None:
            high = middle - 1
        else:
            low, best, best_size = middle, stacked, middle / 2
    return best, best_size


def _layout(
    measure: _Measure, languages: list[str], width: float, height: float
) -> tuple[list[list[Block]], float]:
    """One column or two, whichever allows the larger type (one when it is a tie)."""
    single = _fit(measure, languages, width, height, 1)
    if len(languages) < 3:
        return single
    double = _fit(measure, languages, width, height, 2)
    return double if double[1] > single[1] else single


def _draw_qr(figure: Figure, url: str, box: tuple[float, float, float, float]) -> None:
    """The code as vector squares (crisp at any print size), quiet zone included; `box` is
    (left, bottom, width, height) as fractions of the page."""
    matrix = qr_code(url).matrix
    modules = len(matrix) + 2 * QR_BORDER
    axes = figure.add_axes(box)
    axes.set_xlim(0, modules)
    axes.set_ylim(modules, 0)
    axes.set_axis_off()
    axes.add_patch(Rectangle((0, 0), modules, modules, facecolor="white", edgecolor="none"))
    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    for row, values in enumerate(matrix):
        column = 0
        while column < len(values):
            if not values[column]:
                column += 1
                continue
            start = column
            while column < len(values) and values[column]:
                column += 1
            x0, x1, y0, y1 = (
                start + QR_BORDER,
                column + QR_BORDER,
                row + QR_BORDER,
                row + 1 + QR_BORDER,
            )
            vertices += [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
            codes += [GraphicPath.MOVETO] + [GraphicPath.LINETO] * 3 + [GraphicPath.CLOSEPOLY]
    axes.add_patch(
        PathPatch(GraphicPath(vertices, codes), facecolor="black", edgecolor="none", lw=0)
    )


def poster_pdf(*, url: str, languages: list[str], county_name: str, office_name: str) -> bytes:
    """A4 portrait: the sender, the code with its link, then one block per language (its name in
    its own script, the greeting, what to do), right-aligned for right-to-left languages."""
    _register_fonts()
    width_in, height_in = A4
    # Type 3 fonts name every glyph drawn (uni069A.medi): the tests read the shaping from them.
    with _DRAWING, matplotlib.rc_context({"pdf.fonttype": 3, "text.color": INK}):
        figure = Figure(figsize=A4, dpi=72)
        measure = _Measure()
        points = 72.0

        def fx(inches: float) -> float:
            return inches / width_in

        def fy(inches: float) -> float:
            return inches / height_in

        top = height_in - MARGIN
        header = FontProperties(family=[LATIN_FAMILY], size=15, weight="bold")
        sender = f"Integrations-Management (KIM) – {county_name}"  # who hangs it: in German
        figure.text(fx(MARGIN), fy(top), sender, fontproperties=header, va="top", color=ACCENT)
        figure.add_artist(
            Rectangle(
                (fx(MARGIN), fy(top - 0.38)), fx(width_in - 2 * MARGIN), fy(0.03),
                transform=figure.transFigure, facecolor=ACCENT, edgecolor="none",
            )
        )  # fmt: skip

        # Inches: 8.4 cm, scannable from about two metres; 7.4 cm leaves room for many languages.
        side = 3.3 if len(languages) <= 6 else 2.9
        qr_top = top - 0.6
        _draw_qr(figure, url, (fx((width_in - side) / 2), fy(qr_top - side), fx(side), fy(side)))
        link_font = FontProperties(family=[LATIN_FAMILY], size=13, weight="bold")
        link_y = qr_top - side - 0.12
        figure.text(
            0.5, fy(link_y), printed_link(url), fontproperties=link_font, ha="center", va="top"
        )

        area_top = link_y - 0.55
        footer_y = MARGIN
        area_height = (area_top - footer_y - 0.35) * points
        area_width = (width_in - 2 * MARGIN) * points
        columns, size = _layout(measure, languages, area_width, area_height)
        column_width = (area_width - COLUMN_GAP * (len(columns) - 1)) / max(len(columns), 1)
        for index, column in enumerate(columns):
            left = MARGIN * points + index * (column_width + COLUMN_GAP)
            y = area_top * points
            for block in column:
                rtl = LANGUAGES[block.language].direction == "rtl"
                x = left + column_width if rtl else left
                for line in block.lines:
                    figure.text(
                        x / points / width_in,
                        y / points / height_in,
                        line.text,
                        fontproperties=line.font,
                        ha="right" if rtl else "left",
                        va="top",
                        language=block.language,
                        color=ACCENT if line is block.lines[0] else INK,
                    )
                    y -= line.height
                y -= size

        footer = FontProperties(family=[LATIN_FAMILY], size=9)
        figure.text(
            fx(MARGIN), fy(footer_y), office_name, fontproperties=footer, color=MUTED, va="bottom"
        )
        figure.text(
            fx(width_in - MARGIN), fy(footer_y), printed_link(url), fontproperties=footer,
            color=MUTED, va="bottom", ha="right",
        )  # fmt: skip

        buffer = io.BytesIO()
        figure.savefig(
            buffer,
            format="pdf",
            metadata={
                "Title": f"KIM: QR-Plakat {office_name}",
                "Creator": "KIM front door",
                "CreationDate": None,
            },
        )
    return buffer.getvalue()
