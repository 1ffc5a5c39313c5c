"""The one .xlsx writer of every export (``portal.exports``)."""

import datetime
import io
import zoneinfo
from decimal import Decimal

from openpyxl import load_workbook

from portal.exports import Sheet, Styled, safe_cell, xlsx_bytes, xlsx_response


def _book(content):
    return load_workbook(io.BytesIO(content))


def _values(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_safe_cell_escapes_text_that_a_spreadsheet_would_run():
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    for text in ("+1", "-1+2", "@SUM(A1)", "\tcmd", "\rcmd"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("正常文本") == "正常文本"


def test_safe_cell_keeps_numbers_dates_and_empty_cells_and_reads_bools():
    assert safe_cell(-5) == -5 and safe_cell(1.5) == 1.5  # numbers stay numbers
    assert safe_cell(Decimal("-2.50")) == Decimal("-2.50")
    assert safe_cell(datetime.date(2026, 6, 18)) == datetime.date(2026, 6, 18)
    assert safe_cell(None) is None
    assert (safe_cell(True), safe_cell(False)) == ("是", "否")


def test_safe_cell_writes_an_aware_time_as_local_time():
    # given 02:00 UTC, which is 10:00 in Shanghai
    moment = datetime.datetime(2026, 6, 18, 2, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))
    # then the cell holds 10:00 without a zone (a spreadsheet has none)
    assert safe_cell(moment) == datetime.datetime(2026, 6, 18, 10, 0)


def test_safe_cell_drops_characters_a_workbook_cannot_hold():
    assert safe_cell("张\x07三\x00") == "张三"
    assert safe_cell("\x01=1+1") == "'=1+1"  # and still escapes what is left


def test_a_sheet_has_its_lines_headers_and_rows_in_order():
    # given a sheet with a heading, a blank line, headers and generated rows
    sheet = Sheet(
        title="名单",
        lines=["标题", ""],
        headers=["姓名", "金额", "日期"],
        rows=(
            [f"人{i}", Decimal("1.50"), datetime.date(2026, 6, i + 1)] for i in range(3)
        ),
        widths=[10, 12, 14],
    )
    # when it is written
    book = _book(xlsx_bytes(sheet))
    # then the rows follow the lines and headers, values as given
    ws = book["名单"]
    assert _values(ws) == [
        ["标题", None, None],
        [None, None, None],
        ["姓名", "金额", "日期"],
        ["人0", 1.5, datetime.datetime(2026, 6, 1)],
        ["人1", 1.5, datetime.datetime(2026, 6, 2)],
        ["人2", 1.5, datetime.datetime(2026, 6, 3)],
    ]
    # with the heading and the headers in bold, money and dates formatted
    assert ws["A1"].font.b and ws["A3"].font.b and not ws["A4"].font.b
    assert ws["B4"].number_format == "#,##0.00"
    assert ws["C4"].number_format == "yyyy-mm-dd"
    # the header row frozen, the widths set, and the rows counted
    assert ws.freeze_panes == "A4"
    assert ws.column_dimensions["C"].width == 14
    assert sheet.count == 3


def test_styled_cells_and_unfit_sheet_titles():
    # given two sheets whose titles Excel would refuse, the same once cleaned
    first = Sheet(title="甲/乙:[季度]" + "长" * 40, rows=[[Styled("要点", bold=True)]])
    second = Sheet(
        title="甲/乙:[季度]" + "长" * 40,
        rows=[["说明", Styled("很长的一段话", wrap=True)]],
    )
    # when written
    book = _book(xlsx_bytes(first, second))
    # then each title is valid and distinct, and the styles are kept
    one, two = book.sheetnames
    assert one != two and len(one) <= 31 and len(two) <= 31
    assert not set("[]:*?/\\") & set(one + two)
    assert book[one]["A1"].font.b
    assert book[two]["B1"].alignment.wrap_text


def test_the_response_is_a_download_no_cache_keeps():
    # when a sheet is sent under a Chinese file name
    response = xlsx_response(
        "人员-20260618.xlsx", Sheet(title="人员", headers=["姓名"])
    )
    # then it is an attachment of that name, kept by no cache
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "%E4%BA%BA%E5%91%98-20260618.xlsx" in disposition  # 人员, UTF-8
    assert "no-store" in response["Cache-Control"]
    assert _values(_book(response.content).active) == [["姓名"]]
