"""The program's documents rendered from plain data to bytes: proof of service, posters, QR codes and tables.

Nothing here reads the database or talks to Telegram, and no user-visible word is written here: the caller passes
every text already translated, this module only lays it out.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from importlib.resources import files
from pathlib import Path

import segno
from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableBordersLayout, TextEmphasis, XPos, YPos
from fpdf.fonts import TTFFont
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter


@dataclass(frozen=True)
class CertificateData:
    """What a proof of volunteer service states: identity, service, issuer, number and date (证明出具办法)."""

    number: str
    issued_on: date
    volunteer_name: str
    identity: str  # a masked ID or the volunteer number, never a full ID number (PIPL)
    organisation: str
    person_in_charge: str
    contact: str
    period_start: date
    period_end: date
    total_hours: Decimal
    services: list[tuple[date, str, Decimal]]  # (day, service content or project title, hours)
    verify_hint: str


CERTIFICATE_LABELS = frozenset(
    {
        "title",
        "number",
        "issued_on",
        "volunteer",
        "identity",
        "organisation",
        "person_in_charge",
        "contact",
        "period",
        "total_hours",
        "date",
        "content",
        "hours",
        "statement",
    }
)

_FAMILY = "NotoSansCJK"
_MARGIN = 18.0  # mm, all round
_FOOTER = 10.0  # mm kept free above the bottom margin for the page number
_PAD = 2.0  # mm of padding left and right inside a table cell
_V_PAD = 1.0  # mm of padding above and below
_LEADING = 0.6  # line height in mm per point of font size: about 1.7 lines, what Chinese text wants
_TABLE_LEADING = 0.5  # the service list is set tighter: it may run to many rows
_SLACK = 0.5  # mm left over when breaking lines, as fpdf2 measures again when printing and may round differently
_GAP = 4.0  # mm between the parts that close a certificate
_ISSUER_COLUMNS = (40.0, 84.0)
_CELL_LINES = 20  # a table cell shows at most this many lines, so that its row fits on a page
_INK = (0, 0, 0)
_GREY_INK = (90, 90, 90)
_LABEL_FILL = (238, 238, 238)
_RULE = (170, 170, 170)
_POSTER_QR_MM = 120.0
_PRINT_DPI = 300  # the poster's QR code stays sharp on an office printer
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_TITLE_MAX = 31  # Excel refuses longer sheet names
_MISSING = "〓"
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Lines may break between any two Chinese characters and between Latin words, but a closing mark may not start
# a line and an opening mark may not end one (避头尾), so each unit carries the marks that cling to it.
_WIDE = (
    "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff"  # radicals, CJK punctuation, kana, bopomofo
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # ideographs
    "\ufe30-\ufe4f\uff00-\uffef"  # compatibility forms, full-width letters and punctuation
)
_OPENERS = "（《“‘「『【〔〈([{"
_CLOSERS = "，。、；：！？）》」』】〕〉”’,.;:!?)\\]}…·%"
_UNIT = re.compile(rf"[{_OPENERS}]*(?:[{_WIDE}]|[^\s{_WIDE}{_OPENERS}]+)[{_CLOSERS}]*|\s+")


def font_file(package: str, name: str) -> Path:
    """The path of a font shipped by one of the font packages."""
    path = files(package) / name
    assert isinstance(path, Path), "the font packages install as plain files, which fpdf2 reads by path"
    return path


class _Document(FPDF):
    """An A4 document set in Noto Sans CJK with mainland Chinese glyph forms, pages numbered "X / Y" if asked."""

    def __init__(self, *, numbered: bool) -> None:
        super().__init__(format="A4")
        self._numbered = numbered
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.c_margin = _PAD  # paragraphs start where the text in table cells does
        self.set_auto_page_break(True, margin=_MARGIN + (_FOOTER if numbered else 0))
        self.add_font(_FAMILY, "", font_file("cvttf_NotoSansCJK_Regular", "NotoSansCJKtc-Regular.otf"))
        self.add_font(_FAMILY, "B", font_file("cvttf_NotoSansCJK_Bold", "NotoSansCJKtc-Bold.otf"))
        self.use(11)
        font = self.current_font
        assert isinstance(font, TTFFont)
        self._covered = frozenset(font.cmap)  # both weights cover the same characters
        # The font holds every region's glyphs but defaults to the Taiwan ones (户 骨 直 次, centred
        # full-width punctuation); shaping with the zh-Hans language applies its mainland 'locl' forms.
        self.set_text_shaping(language="zh-Hans")

    def footer(self) -> None:
        if not self._numbered:
            return
        self.set_y(-_MARGIN - _FOOTER / 2)
        self.use(9)
        self.set_text_color(*_GREY_INK)
        # fpdf2 replaces the alias with the page count once the last page exists.
        self.cell(0, 5, f"{self.page_no()} / {self.str_alias_nb_pages}", align=Align.C)

    def use(self, size: float, *, bold: bool = False) -> None:
        self.set_font(_FAMILY, "B" if bold else "", size)

    def printable(self, text: str) -> str:
        """Text as the font can show it: a character it lacks becomes 〓, the typesetter's mark for a missing one.

        fpdf2 would silently leave such a character out, and a certificate must not shorten a name written with
        a rare character (生僻字) without anyone noticing. Marks that only modify the character before them
        (emoji variation selectors, combining accents) and control characters are dropped; spacing becomes spaces.
        """
        shown: list[str] = []
        for char in text:
            category = unicodedata.category(char)
            if char in "\r\n" or (ord(char) in self._covered and category != "Cc"):
                shown.append(char)
            elif char.isspace():
                shown.append(" ")
            elif category[0] not in "MC":
                shown.append(_MISSING)
        return "".join(shown)

    def wrap(self, text: str, width: float, *, max_lines: int | None = None) -> str:
        """Break text into lines no wider than `width` mm in the current font, the Chinese way.

        With `max_lines`, what does not fit ends in "…": a table row must fit on one page.
        """
        lines: list[str] = []
        for paragraph in self.printable(text).splitlines() or [""]:
            line = ""
            for unit in _UNIT.findall(paragraph):
                if unit.isspace() or self.get_string_width(line + unit) <= width:
                    line += unit
                    continue
                if line.strip():
                    lines.append(line.rstrip())
                    line = ""
                if self.get_string_width(unit) <= width:
                    line = unit
                    continue
                for char in unit:  # a word or link longer than a whole line is cut where it must be
                    if line and self.get_string_width(line + char) > width:
                        lines.append(line)
                        line = ""
                    line += char
            lines.append(line.rstrip())
        if max_lines is not None and len(lines) > max_lines:
            last = lines[max_lines - 1]
            while last and self.get_string_width(last + "…") > width:
                last = last[:-1]
            lines = [*lines[: max_lines - 1], last + "…"]
        return "\n".join(lines)

    def balanced_wrap(self, text: str, width: float) -> str:
        """Wrap centred text into as few lines as `width` allows, made as even as possible (no orphan)."""
        count = self.wrap(text, width).count("\n")
        low, high = width / (count + 1), width
        while high - low > 1:
            middle = (low + high) / 2
            if self.wrap(text, middle).count("\n") > count:
                low = middle
            else:
                high = middle
        return self.wrap(text, high)

    def paragraph_lines(self, text: str, *, size: float, bold: bool = False, centred: bool = False) -> str:
        self.use(size, bold=bold)
        width = self.epw - 2 * self.c_margin - _SLACK
        return self.balanced_wrap(text, width) if centred else self.wrap(text, width)

    def paragraph(self, text: str, *, size: float, bold: bool = False, centred: bool = False) -> None:
        lines = self.paragraph_lines(text, size=size, bold=bold, centred=centred)
        align = Align.C if centred else Align.L
        self.multi_cell(0, size * _LEADING, lines, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def pair_cells(
        self, rows: Sequence[tuple[str, str, bool]], *, size: float, columns: tuple[float, float]
    ) -> list[tuple[str, str, bool]]:
        """Captions and values broken into lines for their columns, with whether the value is bold."""
        caption_width, value_width = columns
        cells: list[tuple[str, str, bool]] = []
        for caption, value, bold in rows:
            self.use(size)
            caption_lines = self.wrap(caption, caption_width - 2 * _PAD - _SLACK, max_lines=_CELL_LINES)
            self.use(size, bold=bold)
            value_lines = self.wrap(value, value_width - 2 * _PAD - _SLACK, max_lines=_CELL_LINES)
            cells.append((caption_lines, value_lines, bold))
        return cells

    def pairs_height(
        self, rows: Sequence[tuple[str, str, bool]], *, size: float, columns: tuple[float, float]
    ) -> float:
        cells = self.pair_cells(rows, size=size, columns=columns)
        return sum(
            max(_line_count(caption), _line_count(value)) * size * _LEADING + 2 * _V_PAD for caption, value, _ in cells
        )

    def pairs(
        self,
        rows: Sequence[tuple[str, str, bool]],
        *,
        size: float,
        columns: tuple[float, float],
        ruled: bool = True,
        value_align: Align = Align.L,
    ) -> None:
        """Print captions beside their values (a value in bold where its row says so), right-aligned on the page."""
        cells = self.pair_cells(rows, size=size, columns=columns)
        # A table takes its base font when it is opened, and draws its rows when it is closed.
        self.use(size)
        self.set_draw_color(*_RULE)
        caption_style = FontFace(emphasis=TextEmphasis.NONE, color=_GREY_INK, fill_color=_LABEL_FILL if ruled else None)
        with self.table(
            width=sum(columns),
            align=Align.R,
            col_widths=columns,
            first_row_as_headings=False,
            borders_layout=TableBordersLayout.ALL if ruled else TableBordersLayout.NONE,
            line_height=size * _LEADING,
            padding=(_V_PAD, _PAD),
            text_align=(Align.L, value_align),
        ) as table:
            for caption_lines, value_lines, bold in cells:
                row = table.row()
                row.cell(caption_lines, style=caption_style)
                row.cell(value_lines, style=FontFace(emphasis=TextEmphasis.B if bold else TextEmphasis.NONE))


def _line_count(lines: str) -> int:
    return lines.count("\n") + 1


def _hours(value: Decimal) -> str:
    """Hours with one decimal, rounded half up as people expect (12.25 → 12.3)."""
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def certificate_pdf(data: CertificateData, labels: Mapping[str, str]) -> bytes:
    """Render a proof of volunteer service (志愿服务证明) as an A4 PDF with the Chinese font embedded."""
    missing = CERTIFICATE_LABELS.difference(labels)
    if missing:
        raise ValueError(f"certificate labels missing: {', '.join(sorted(missing))}")
    pdf = _Document(numbered=True)
    pdf.set_title(f"{labels['title']} {data.number}")
    pdf.add_page()

    pdf.pairs(
        [(labels["number"], data.number, False), (labels["issued_on"], data.issued_on.isoformat(), False)],
        size=9,
        columns=(28, 50),
        ruled=False,
        value_align=Align.R,
    )
    pdf.ln(4)
    pdf.paragraph(labels["title"], size=22, bold=True, centred=True)
    pdf.ln(5)

    pdf.pairs(
        [
            (labels["volunteer"], data.volunteer_name, False),
            (labels["identity"], data.identity, False),
            (labels["period"], f"{data.period_start.isoformat()} – {data.period_end.isoformat()}", True),
            (labels["total_hours"], _hours(data.total_hours), True),
        ],
        size=11,
        columns=(50, pdf.epw - 50),
    )
    pdf.ln(6)
    if data.services:
        _service_table(pdf, data.services, labels)
        pdf.ln(6)

    issuer = [
        (labels["organisation"], data.organisation, False),
        (labels["person_in_charge"], data.person_in_charge, False),
        (labels["contact"], data.contact, False),
    ]
    closing = (
        _line_count(pdf.paragraph_lines(labels["statement"], size=11)) * 11 * _LEADING
        + _GAP
        + pdf.pairs_height(issuer, size=11, columns=_ISSUER_COLUMNS)
        + _GAP * 2
        + _line_count(pdf.paragraph_lines(data.verify_hint, size=9)) * 9 * _LEADING
    )
    # The statement, the issuer who makes it and the way to check it stay on one page, unless they need more.
    if pdf.get_y() + closing > pdf.page_break_trigger and closing <= pdf.eph:
        pdf.add_page()
    pdf.paragraph(labels["statement"], size=11)
    pdf.ln(_GAP)
    pdf.pairs(issuer, size=11, columns=_ISSUER_COLUMNS, ruled=False)
    pdf.ln(_GAP * 1.5)
    pdf.set_draw_color(*_RULE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(_GAP * 0.5)
    pdf.set_text_color(*_GREY_INK)
    pdf.paragraph(data.verify_hint, size=9)
    return bytes(pdf.output())


def _service_table(pdf: _Document, services: Sequence[tuple[date, str, Decimal]], labels: Mapping[str, str]) -> None:
    """The services one per row; the header row comes back on every page the table runs onto."""
    size = 9.5
    day_width, hours_width = 26.0, 20.0
    content_width = pdf.epw - day_width - hours_width
    pdf.use(size)
    pdf.set_draw_color(*_RULE)
    with pdf.table(
        col_widths=(day_width, content_width, hours_width),
        line_height=size * _TABLE_LEADING,
        padding=(_V_PAD, _PAD),
        text_align=(Align.C, Align.L, Align.R),
        headings_style=FontFace(emphasis="BOLD", fill_color=_LABEL_FILL),
        repeat_headings=1,
    ) as table:
        table.row([labels["date"], labels["content"], labels["hours"]])
        for day, content, hours in services:
            lines = pdf.wrap(content, content_width - 2 * _PAD - _SLACK, max_lines=_CELL_LINES)
            table.row([day.isoformat(), lines, _hours(hours)])


def _qr(link: str) -> segno.QRCode:
    # make_qr never falls back to a Micro QR code, which many phone cameras cannot read.
    return segno.make_qr(link, error="m")


def _png(code: segno.QRCode, scale: int) -> bytes:
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_png(link: str, *, scale: int = 8) -> bytes:
    """Encode a link as a QR code PNG, `scale` pixels per module, with the standard four-module quiet zone."""
    return _png(_qr(link), scale)


def poster_pdf(title: str, subtitle: str, link: str, instructions: str) -> bytes:
    """Render an A4 poster to print and pin up: a big title, a QR code of the link and how to use it."""
    pdf = _Document(numbered=False)
    pdf.set_title(title)
    pdf.add_page()
    pdf.ln(6)
    # The largest size that keeps the title on one line, and 26 pt over two or more lines when none does.
    pdf.use(34, bold=True)
    size = next((s for s in (34, 30, 26) if pdf.get_string_width(title) * s / 34 <= pdf.epw - 2), 26)
    pdf.paragraph(title, size=size, bold=True, centred=True)
    pdf.ln(3)
    pdf.set_text_color(*_GREY_INK)
    pdf.paragraph(subtitle, size=17, centred=True)
    pdf.ln(6)

    code = _qr(link)
    modules, _ = code.symbol_size(scale=1, border=4)
    scale = math.ceil(_POSTER_QR_MM / 25.4 * _PRINT_DPI / modules)
    top = pdf.get_y()
    pdf.image(io.BytesIO(_png(code, scale)), x=(pdf.w - _POSTER_QR_MM) / 2, y=top, w=_POSTER_QR_MM)
    pdf.set_y(top + _POSTER_QR_MM)
    # Printed under the code for those who cannot scan it.
    pdf.paragraph(link, size=10, centred=True)
    pdf.ln(6)

    pdf.set_text_color(*_INK)
    pdf.paragraph(instructions, size=14, centred=True)
    return bytes(pdf.output())


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: CJK and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _shown(value: object) -> str:
    """A value as it reads in a cell or a CSV field."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")  # an aware time reads as the wall time of its own zone
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _number_format(value: Decimal) -> str:
    """Show a Decimal with the places it was given (hours 12.5 → "0.0"), since a float loses them."""
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "0." + "0" * places if places else "0"


def _sheet_title(title: str) -> str:
    cleaned = _SHEET_TITLE_FORBIDDEN.sub("-", title).strip("'")
    return cleaned[:_SHEET_TITLE_MAX]


def table_xlsx(sheet_title: str, headers: list[str], rows: list[list[object]]) -> bytes:
    """Write a table as an Excel workbook: bold frozen header, fitted columns, dates and numbers typed as such."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None, "a new workbook has one sheet"
    sheet.title = _sheet_title(sheet_title)
    widths = [_display_width(header) for header in headers]

    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_number, row in enumerate(rows, start=2):
        for column_number, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            if isinstance(value, datetime):
                # Excel has no time zones: the wall time of the zone the caller chose is what people read.
                cell.value = value.replace(tzinfo=None)
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, Decimal):
                cell.value = value
                cell.number_format = _number_format(value)
            elif isinstance(value, int | float) or value is None:
                cell.value = value
            else:
                # Control characters are not allowed in the file format; typed text such as "=HYPERLINK(…)"
                # stays text, where openpyxl would otherwise store it as a formula.
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", _shown(value))
                cell.data_type = "s"
            if column_number > len(widths):
                widths.append(0)
            longest = max((_display_width(line) for line in _shown(value).splitlines()), default=0)
            widths[column_number - 1] = max(widths[column_number - 1], longest)

    for column_number, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column_number)].width = min(width + 2, 80)
    sheet.freeze_panes = "A2"
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_field(value: object) -> str:
    text = _shown(value)
    # Excel runs a field that starts like a formula; a leading apostrophe keeps typed text inert (CSV injection).
    if isinstance(value, str) and text.startswith(_FORMULA_TRIGGERS):
        return "'" + text
    return text


def table_csv(headers: list[str], rows: list[list[object]]) -> bytes:
    """Write a table as CSV (RFC 4180, CRLF) in UTF-8 with a BOM, which Excel needs to read Chinese correctly."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_csv_field(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")
