"""The program's documents read back the way their readers and a phone camera see them."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from handlers.documents import (
    CERTIFICATE_LABELS,
    CertificateData,
    certificate_pdf,
    poster_pdf,
    qr_png,
    table_csv,
    table_xlsx,
)
from tests.pdftext import Line, decode_qr, descendant, dictionary, fonts_of, page_texts, read_lines, stream_text

LABELS_ZH = {
    "title": "志愿服务证明",
    "number": "证明编号",
    "issued_on": "出具日期",
    "volunteer": "志愿者",
    "identity": "身份标识",
    "organisation": "出具单位",
    "person_in_charge": "负责人",
    "contact": "联系电话",
    "period": "服务期间",
    "total_hours": "服务总时长（小时）",
    "date": "日期",
    "content": "服务内容",
    "hours": "时长",
    "statement": "兹证明，上述志愿者在服务期间参加了以下志愿服务，服务时长真实有效。特此证明。",
}
LABELS_EN = {
    "title": "Certificate of Volunteer Service",
    "number": "Certificate No.",
    "issued_on": "Issued on",
    "volunteer": "Volunteer",
    "identity": "Identity",
    "organisation": "Issued by",
    "person_in_charge": "Person in charge",
    "contact": "Contact",
    "period": "Period",
    "total_hours": "Total hours",
    "date": "Date",
    "content": "Service",
    "hours": "Hours",
    "statement": "This is to certify that the volunteer above gave the service listed here, truthfully recorded.",
}
MARGIN_PT = 18 / 25.4 * 72


def _services(count: int) -> list[tuple[date, str, Decimal]]:
    return [
        (date(2026, 1, 1) + timedelta(days=index), f"关爱独居老人上门探访 第{index + 1}次", Decimal("2.5"))
        for index in range(count)
    ]


CERTIFICATE = CertificateData(
    number="XM-2026-000123-7F3K",
    issued_on=date(2026, 12, 5),
    volunteer_name="陈小明",
    identity="志愿者编号 V000123",
    organisation="厦门市思明区阳光社会工作服务中心",
    person_in_charge="林晓燕",
    contact="0592-1234567",
    period_start=date(2026, 1, 1),
    period_end=date(2026, 4, 30),
    total_hours=Decimal("12.5"),
    services=_services(120),
    verify_hint="核验：在机器人中发送证明编号 XM-2026-000123-7F3K",
)


# -- reading a PDF back ---------------------------------------------------------------------------------------


def assert_within_margins(pages: list[list[Line]]) -> None:
    """Every line starts and ends inside the 18 mm margins of an A4 page (595.28 pt wide)."""
    for lines in pages:
        for line in lines:
            assert line.left >= MARGIN_PT - 1, line.text[:20]
            assert line.right <= 595.28 - MARGIN_PT + 1, line.text[:20]


def flat(text: str) -> str:
    """Text with its line breaks and spaces taken out, to compare what may have been wrapped."""
    return re.sub(r"\s", "", text)


# -- certificates ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate_zh() -> bytes:
    return certificate_pdf(CERTIFICATE, LABELS_ZH)


EN_VERIFY_HINT = "To check this certificate, send its number to the bot."


@pytest.fixture(scope="module")
def certificate_en() -> bytes:
    data = replace(
        CERTIFICATE,
        volunteer_name="Chen Xiaoming",
        identity="Volunteer No. V000123",
        organisation="Sunshine Social Work Centre, Siming",
        person_in_charge="Lin Xiaoyan",
        services=[(date(2026, 3, 7), "Home visits to older people living alone", Decimal("12.5"))],
        verify_hint=EN_VERIFY_HINT,
    )
    return certificate_pdf(data, LABELS_EN)


@pytest.mark.parametrize(
    ("document", "labels", "values"),
    [
        ("certificate_zh", LABELS_ZH, ("陈小明", "志愿者编号 V000123", "关爱独居老人上门探访 第1次")),
        ("certificate_en", LABELS_EN, ("Chen Xiaoming", "Volunteer No. V000123", "Home visits to older people")),
    ],
)
def test_certificate_prints_every_caption_and_field(
    document: str, labels: dict[str, str], values: tuple[str, ...], request: pytest.FixtureRequest
) -> None:
    pdf: bytes = request.getfixturevalue(document)
    pages = page_texts(pdf)
    text = "\n".join(pages)
    first, last = pages[0], pages[-1]

    for key in CERTIFICATE_LABELS:
        assert flat(labels[key]) in flat(text), key
    for value in values:
        assert value in first
    assert flat(labels["statement"]) in flat(last)
    assert "XM-2026-000123-7F3K" in first
    assert "2026-12-05" in first
    assert "2026-01-01 – 2026-04-30" in first
    assert re.search(r"^12\.5$", first, re.M)  # the total, one decimal
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata is not None
    assert metadata.title == f"{labels['title']} XM-2026-000123-7F3K"


@pytest.mark.parametrize(
    ("document", "issuer"),
    [
        ("certificate_zh", ("厦门市思明区阳光社会工作服务中心", "林晓燕", "0592-1234567")),
        ("certificate_en", ("Sunshine Social Work Centre, Siming", "Lin Xiaoyan", "0592-1234567")),
    ],
)
def test_certificate_names_the_issuer_and_how_to_verify(
    document: str, issuer: tuple[str, ...], request: pytest.FixtureRequest
) -> None:
    pdf: bytes = request.getfixturevalue(document)
    last = page_texts(pdf)[-1]

    for value in issuer:
        assert value in last
    assert flat(CERTIFICATE.verify_hint if document == "certificate_zh" else EN_VERIFY_HINT) in flat(last)


def test_service_days_are_printed_iso(certificate_zh: bytes) -> None:
    lines = page_texts(certificate_zh)[0].splitlines()

    days = [line for line in lines if re.fullmatch(r"\d{4}-\d{2}-\d{2}", line)]
    assert days[0] == "2026-12-05"  # the issue date, top right
    assert days[1:4] == ["2026-01-01", "2026-01-02", "2026-01-03"]


def test_hours_are_printed_with_one_decimal_rounded_half_up() -> None:
    services = [(date(2026, 1, 1), "探访", Decimal("3")), (date(2026, 1, 2), "探访", Decimal("2.25"))]
    data = replace(CERTIFICATE, total_hours=Decimal("5.25"), services=services)
    lines = page_texts(certificate_pdf(data, LABELS_ZH))[0].splitlines()

    assert {"3.0", "2.3", "5.3"} <= set(lines)


def test_long_service_list_runs_over_pages_with_the_header_on_each(certificate_zh: bytes) -> None:
    pages = page_texts(certificate_zh)

    assert len(pages) >= 3  # 120 rows cannot fit on two A4 pages
    for number, text in enumerate(pages, start=1):
        lines = text.splitlines()
        assert {"日期", "服务内容", "时长"} <= set(lines)
        assert f"{number} / {len(pages)}" in lines
    rows = [line for text in pages for line in text.splitlines() if line.startswith("关爱独居老人上门探访")]
    assert rows == [content for _, content, _ in CERTIFICATE.services]


def test_statement_issuer_and_verify_hint_are_not_split_over_pages() -> None:
    # With 17 services the table ends so low on the first page that the closing part would run over.
    pages = [
        flat(text) for text in page_texts(certificate_pdf(replace(CERTIFICATE, services=_services(17)), LABELS_ZH))
    ]

    closing = [flat(LABELS_ZH["statement"]), "林晓燕", flat(CERTIFICATE.verify_hint)]
    assert len(pages) == 2
    assert all(part in pages[-1] for part in closing)


def test_certificate_embeds_a_subset_of_the_chinese_font(certificate_zh: bytes) -> None:
    fonts = list(fonts_of(certificate_zh))

    assert fonts
    for font in fonts:
        descriptor = dictionary(descendant(font)["/FontDescriptor"])
        program = next(descriptor[key] for key in ("/FontFile", "/FontFile2", "/FontFile3") if key in descriptor)
        assert re.fullmatch(r"/[A-Z]{6}\+NotoSansCJK\w+", str(font["/BaseFont"]))
        assert len(stream_text(program)) < 1_000_000  # a subset: the whole font is 16 MB


def test_certificate_text_stays_within_the_margins(certificate_zh: bytes) -> None:
    assert_within_margins(read_lines(certificate_zh))


MARKUP = "<b>陈</b> & <script>alert('x')</script>"


@pytest.fixture(scope="module")
def unruly_certificate() -> bytes:
    """Fields as people may really type them: markup, rare characters, emoji, and far too much text."""
    data = replace(
        CERTIFICATE,
        volunteer_name=MARKUP,
        identity="V" + "0" * 240,
        organisation="厦门市思明区阳光社会工作服务中心" * 12,
        person_in_charge="陈\U0002a6a5明😀\u200d\tZ",
        services=[
            (date(2026, 1, 1), "长" * 1200, Decimal("1")),
            (date(2026, 1, 2), "https://example.org/" + "a" * 300, Decimal("1")),
        ],
        verify_hint="核验 " * 200,
    )
    return certificate_pdf(data, LABELS_ZH)


def test_markup_and_very_long_fields_are_printed_literally_and_wrapped(unruly_certificate: bytes) -> None:
    pages = read_lines(unruly_certificate)

    text = flat("".join(line.text for lines in pages for line in lines))
    assert flat(MARKUP) in text
    assert "V" + "0" * 240 in text
    assert "https://example.org/" + "a" * 300 in text
    assert_within_margins(pages)


def test_a_cell_too_long_for_a_page_is_cut_with_an_ellipsis(unruly_certificate: bytes) -> None:
    content = [line.text for lines in read_lines(unruly_certificate) for line in lines if line.text.startswith("长")]

    assert len(content) == 20
    assert content[-1].endswith("…")


def test_characters_the_font_lacks_are_marked_not_silently_dropped(unruly_certificate: bytes) -> None:
    lines = "\n".join(page_texts(unruly_certificate)).splitlines()

    assert "陈〓明〓 Z" in lines


def test_certificate_refuses_labels_that_are_missing() -> None:
    labels = {key: text for key, text in LABELS_EN.items() if key != "statement"}

    with pytest.raises(ValueError, match="statement"):
        certificate_pdf(CERTIFICATE, labels)


# -- QR codes and posters -------------------------------------------------------------------------------------

LINK = "https://t.me/xm_volunteer_bot?start=pj_42"


@pytest.mark.parametrize(
    "link",
    [LINK, "https://example.org/verify?number=XM-2026-000123-7F3K&issued=2026-12-05&lang=zh-CN&from=poster#top"],
)
def test_qr_png_decodes_to_exactly_the_link(link: str) -> None:
    assert decode_qr(Image.open(io.BytesIO(qr_png(link)))) == link


def test_qr_png_scale_sets_pixels_per_module() -> None:
    small, large = (Image.open(io.BytesIO(qr_png(LINK, scale=scale))) for scale in (2, 6))

    assert small.format == "PNG"
    assert large.width == 3 * small.width
    assert decode_qr(small) == LINK


@pytest.fixture(scope="module")
def poster() -> bytes:
    return poster_pdf(
        "扫码报名：关爱独居老人志愿服务",
        "湖里区金山街道 · 每周六上午",
        LINK,
        "用手机相机扫描二维码，打开 Telegram 后点击“开始”，按提示完成注册和报名。",
    )


def test_poster_is_one_page_with_the_link_as_a_scannable_image(poster: bytes) -> None:
    pages = PdfReader(io.BytesIO(poster)).pages
    images = pages[0].images

    assert len(pages) == 1
    assert len(images) == 1
    image = images[0].image
    assert image is not None
    assert decode_qr(image) == LINK


def test_poster_prints_its_chinese_texts(poster: bytes) -> None:
    text = page_texts(poster)[0]

    assert "扫码报名：关爱独居老人志愿服务" in text.splitlines()
    assert "湖里区金山街道 · 每周六上午" in text
    assert LINK in text
    assert "按提示完成注册和报名。" in flat(text)
    assert all("NotoSansCJK" in str(font["/BaseFont"]) for font in fonts_of(poster))


# -- tables ---------------------------------------------------------------------------------------------------

HEADERS = ["志愿者", "日期", "时长", "次数", "备注"]
ROWS: list[list[object]] = [
    ["陈小明", date(2026, 12, 5), Decimal("12.5"), 3, "社区探访, 第一期"],
    ["Lin", date(2026, 1, 31), Decimal("0.5"), 1, 'He said "hi"\nthen left'],
    ["林晓燕", date(2026, 2, 1), Decimal("100.0"), 12, None],
]


@pytest.fixture(scope="module")
def sheet_rows() -> list[tuple[object, ...]]:
    sheet = load_workbook(io.BytesIO(table_xlsx("服务时长", HEADERS, ROWS))).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_xlsx_keeps_headers_and_chinese_text(sheet_rows: list[tuple[object, ...]]) -> None:
    assert list(sheet_rows[0]) == HEADERS
    assert [row[0] for row in sheet_rows[1:]] == ["陈小明", "Lin", "林晓燕"]
    assert sheet_rows[1][4] == "社区探访, 第一期"
    assert sheet_rows[2][4] == 'He said "hi"\nthen left'


def test_xlsx_stores_dates_as_dates_and_amounts_as_numbers(sheet_rows: list[tuple[object, ...]]) -> None:
    day, hours, count = sheet_rows[1][1:4]

    assert isinstance(day, datetime)  # openpyxl reads every Excel date as a datetime
    assert day.date() == date(2026, 12, 5)
    assert hours == 12.5
    assert count == 3
    assert sheet_rows[3][4] is None


def test_xlsx_header_is_bold_frozen_and_columns_fit_chinese() -> None:
    book = load_workbook(io.BytesIO(table_xlsx("2026/01–2026/12: 服务时长 [全市]", HEADERS, ROWS)))
    sheet = book.active
    assert sheet is not None

    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet["B2"].is_date
    assert sheet["B2"].number_format == "yyyy-mm-dd"
    assert sheet["C2"].number_format == "0.0"
    assert sheet.column_dimensions["A"].width >= 2 * len("林晓燕")
    assert sheet.column_dimensions["E"].width >= 2 * len("社区探访") + len(", ") + 2 * len("第一期")
    assert not re.search(r"[\[\]:*?/\\]", sheet.title)
    assert len(sheet.title) <= 31


def test_xlsx_keeps_text_that_looks_like_a_formula_as_text() -> None:
    book = load_workbook(io.BytesIO(table_xlsx("t", ["名字"], [['=HYPERLINK("http://x","点我")']])))
    sheet = book.active
    assert sheet is not None

    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value == '=HYPERLINK("http://x","点我")'


def test_xlsx_leaves_out_control_characters_and_writes_other_values_as_text() -> None:
    sheet = load_workbook(io.BytesIO(table_xlsx("t", ["备注", "编号"], [["响\x07铃\x00", ZoneInfo("UTC")]]))).active
    assert sheet is not None

    assert [sheet["A2"].value, sheet["B2"].value] == ["响铃", "UTC"]


def test_xlsx_writes_aware_times_as_their_wall_time() -> None:
    moment = datetime(2026, 12, 5, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    sheet = load_workbook(io.BytesIO(table_xlsx("t", ["签到"], [[moment]]))).active
    assert sheet is not None

    value = sheet["A2"].value
    assert isinstance(value, datetime)
    assert (value.date(), value.time(), value.tzinfo) == (date(2026, 12, 5), time(9, 30), None)


def _read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_reads_back_identical_with_commas_quotes_and_newlines() -> None:
    rows: list[list[object]] = [
        ["陈小明", "社区探访, 第一期", 'He said "hi"\nthen left'],
        ["林晓燕", "", "厦门市，思明区"],
    ]
    data = table_csv(["志愿者", "项目", "备注"], rows)

    assert _read_csv(data) == [["志愿者", "项目", "备注"], *rows]
    assert b"\r\n" in data


def test_csv_writes_dates_iso_and_decimals_as_given() -> None:
    data = table_csv(["日期", "时长", "次数", "备注"], [[date(2026, 12, 5), Decimal("12.5"), 3, None]])

    assert _read_csv(data)[1] == ["2026-12-05", "12.5", "3", ""]


def test_csv_defuses_text_that_excel_would_run_as_a_formula() -> None:
    rows: list[list[object]] = [['=HYPERLINK("http://x")', "+86 138 0013 8000", "@SUM(A1)", -3]]

    assert _read_csv(table_csv(["a", "b", "c", "d"], rows))[1] == [
        '\'=HYPERLINK("http://x")',
        "'+86 138 0013 8000",
        "'@SUM(A1)",
        "-3",
    ]
