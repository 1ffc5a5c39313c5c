"""Spreadsheet exports (openpyxl), safe to open in Excel or WPS.

A text cell beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) would be read as a formula: such text is prefixed with an apostrophe
(OWASP "CSV injection"), and numbers stay numbers.
"""

import datetime
from decimal import Decimal
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Characters Excel refuses in a sheet title.
_BAD_TITLE_CHARS = set("[]:*?/\\")


def safe_cell(value):
    """Return ``value`` ready for a cell: text that could be a formula escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, (int, float, Decimal, datetime.date)):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _sheet_title(title, used):
    clean = "".join("_" if ch in _BAD_TITLE_CHARS else ch for ch in title)[:28]
    candidate, n = clean or "Sheet", 2
    while candidate in used:
        candidate, n = f"{clean[:25]}-{n}", n + 1
    used.add(candidate)
    return candidate


def _write_table(sheet, start_row, columns, rows):
    bold = Font(bold=True)
    for col, heading in enumerate(columns, start=1):
        cell = sheet.cell(row=start_row, column=col, value=safe_cell(heading))
        cell.font = bold
    for r, row in enumerate(rows, start=start_row + 1):
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=col, value=safe_cell(value))
            if isinstance(value, Decimal):
                cell.number_format = "#,##0.00"
            elif isinstance(value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    for col in range(1, len(columns) + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 18


def notice_xlsx(notice):
    """Return the notice as .xlsx bytes: a summary sheet, then one per section."""
    book = Workbook()
    summary = book.active
    used = set()
    summary.title = _sheet_title(_("通报概要"), used)
    summary["A1"] = safe_cell(notice.title)
    summary["A1"].font = Font(bold=True, size=14)
    summary["A2"] = safe_cell(_("期间：%s") % notice.period.label)
    summary["A3"] = safe_cell(
        _("生成时间：%s") % notice.generated_at.strftime("%Y-%m-%d %H:%M")
    )
    row = 5
    for section in notice.sections:
        summary.cell(row=row, column=1, value=safe_cell(section.title)).font = Font(
            bold=True
        )
        text = section.summary if section.available else section.empty_text
        cell = summary.cell(row=row, column=2, value=safe_cell(text))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    summary.column_dimensions["A"].width = 28
    summary.column_dimensions["B"].width = 100
    for section in notice.sections:
        sheet = book.create_sheet(_sheet_title(section.title, used))
        sheet["A1"] = safe_cell(section.title)
        sheet["A1"].font = Font(bold=True, size=13)
        if not section.available:
            sheet["A2"] = safe_cell(section.empty_text)
            continue
        sheet["A2"] = safe_cell(section.summary)
        if section.rows:
            _write_table(sheet, 4, section.columns, section.rows)
        else:
            sheet["A4"] = safe_cell(section.empty_text)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def table_xlsx(*, title, columns, rows):
    """Return one sheet with a heading and a table as .xlsx bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(title, set())
    sheet["A1"] = safe_cell(title)
    sheet["A1"].font = Font(bold=True, size=13)
    _write_table(sheet, 3, columns, rows)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
