"""Reading the project's PDFs back as their readers see them, and QR codes as a phone camera does."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import zxingcpp
from PIL import Image
from pypdf import PageObject, PdfReader
from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, PdfObject, StreamObject, TextStringObject


@dataclass(frozen=True)
class Line:
    """One run of text as placed on the page, in points from the bottom left."""

    text: str
    left: float
    right: float


def dictionary(value: object) -> DictionaryObject:
    resolved = value.get_object() if isinstance(value, PdfObject) else value
    assert isinstance(resolved, DictionaryObject)
    return resolved


def stream_text(value: object) -> str:
    resolved = value.get_object() if isinstance(value, PdfObject) else value
    assert isinstance(resolved, StreamObject)
    return resolved.get_data().decode("latin-1")


def _page_fonts(page: PageObject) -> dict[str, DictionaryObject]:
    return {str(name): dictionary(ref) for name, ref in dictionary(dictionary(page["/Resources"])["/Font"]).items()}


def _bfchar_map(cmap: str) -> dict[int, str]:
    pairs = [pair for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S) for pair in block.splitlines()]
    found = (re.fullmatch(r"\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>\s*", pair) for pair in pairs)
    return {int(m[1], 16): bytes.fromhex(m[2]).decode("utf-16-be") for m in found if m}


def _cidchar_map(cmap: str) -> dict[int, int]:
    pairs = [pair for block in re.findall(r"begincidchar(.*?)endcidchar", cmap, re.S) for pair in block.splitlines()]
    found = (re.fullmatch(r"\s*<([0-9A-Fa-f]+)>\s*(\d+)\s*", pair) for pair in pairs)
    return {int(m[1], 16): int(m[2]) for m in found if m}


def _widths(descendant: DictionaryObject) -> dict[int, float]:
    """Glyph widths by CID from a CIDFont's /W array (`c [w1 w2 …]` or `c_first c_last w`)."""
    widths: dict[int, float] = {}
    entries = list(descendant.get("/W", ArrayObject()))
    index = 0
    while index < len(entries):
        first = int(entries[index])
        if isinstance(entries[index + 1], ArrayObject):
            for offset, width in enumerate(entries[index + 1]):
                widths[first + offset] = float(width)
            index += 2
        else:
            for cid in range(first, int(entries[index + 1]) + 1):
                widths[cid] = float(entries[index + 2])
            index += 3
    return widths


@dataclass(frozen=True)
class _Font:
    to_unicode: dict[int, str]
    to_cid: dict[int, int]
    widths: dict[int, float]
    default_width: float

    def decode(self, raw: bytes) -> tuple[str, float]:
        """The text of a two-byte-coded string and its width in thousandths of the font size."""
        codes = [int.from_bytes(raw[at : at + 2], "big") for at in range(0, len(raw), 2)]
        text = "".join(self.to_unicode.get(code, "\ufffd") for code in codes)
        return text, sum(self.widths.get(self.to_cid.get(code, code), self.default_width) for code in codes)


def descendant(font: DictionaryObject) -> DictionaryObject:
    descendants = font["/DescendantFonts"].get_object()
    assert isinstance(descendants, ArrayObject)
    return dictionary(descendants[0])


def _font(font: DictionaryObject) -> _Font:
    cid_font = descendant(font)
    encoding = font["/Encoding"].get_object()
    return _Font(
        to_unicode=_bfchar_map(stream_text(font["/ToUnicode"])),
        # fpdf2 maps codes to CIDs with an embedded CMap for CFF fonts; a name (Identity-H) means code = CID
        to_cid=_cidchar_map(stream_text(encoding)) if isinstance(encoding, StreamObject) else {},
        widths=_widths(cid_font),
        default_width=float(cid_font.get("/DW", 1000)),
    )


def read_lines(pdf: bytes) -> list[list[Line]]:
    """The text objects (BT … ET) of each page, each as one line, decoded through its fonts' own maps.

    pypdf's `extract_text` is not enough here: fpdf2 encodes a CFF-based font through an embedded CMap stream,
    which pypdf reads as a one-byte encoding, so every code comes out as a NUL and a guessed character. pypdf
    still parses the file and the content streams; the two-byte codes are decoded here as a PDF viewer does.
    Shaped text moves the pen between kerned runs (Tm), so a line is all the runs of one text object.
    """
    reader = PdfReader(io.BytesIO(pdf))
    pages: list[list[Line]] = []
    for page in reader.pages:
        fonts = {name: _font(font) for name, font in _page_fonts(page).items()}
        lines: list[Line] = []
        font, size, x = next(iter(fonts.values())), 0.0, 0.0
        runs: list[Line] = []
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                font, size = fonts[operands[0]], float(operands[1])
            elif operator == b"Td":
                x = float(operands[0])
            elif operator == b"Tm":
                x = float(operands[4])
            elif operator == b"Tj":
                raw = operands[0]
                text, width = font.decode(raw.original_bytes if isinstance(raw, TextStringObject) else bytes(raw))
                runs.append(Line(text, x, x + width * size / 1000))
            elif operator == b"ET" and runs:
                lines.append(Line("".join(run.text for run in runs), runs[0].left, max(run.right for run in runs)))
                runs = []
        pages.append(lines)
    return pages


def page_texts(pdf: bytes) -> list[str]:
    return ["\n".join(line.text for line in lines) for lines in read_lines(pdf)]


def fonts_of(pdf: bytes) -> Iterator[DictionaryObject]:
    for page in PdfReader(io.BytesIO(pdf)).pages:
        yield from _page_fonts(page).values()


def decode_qr(image: Image.Image) -> str:
    found = zxingcpp.read_barcodes(image.convert("L"))
    assert [code.format for code in found] == [zxingcpp.BarcodeFormat.QRCode]
    return found[0].text
