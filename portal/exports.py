"""Spreadsheet exports: every .xlsx the portal hands out is written here.

One writer for every export, so each gets the same three things:

- **Row by row.** openpyxl's write-only mode sends each row to the sheet's
  XML as it comes (through lxml, pinned in requirements.txt) and keeps no
  cell objects; callers give plain values, from ``.values_list()`` or an
  ``iterator()``, never model instances, so a street's 12,000 people build
  no tree nodes (``bench/exports.py`` measures it).
- **No formulas.** Text that a spreadsheet would run as a formula (starting
  with ``= + - @``, a tab or a carriage return) gets a leading apostrophe
  (OWASP "CSV injection"); numbers and dates stay numbers and dates;
  characters an .xlsx cannot hold are dropped instead of failing the export.
- **One response.** An attachment under the given (Chinese) file name that no
  shared cache keeps.

A sheet is described by a ``Sheet``: optional lines above the table (the
first in bold, as its heading), the column headers (bold, frozen on scroll)
and the rows. After writing, ``Sheet.count`` holds how many rows went out,
for ``portal.audit.log_access(..., export=True)``.
"""

import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Characters Excel refuses in a sheet title, and its longest title.
_BAD_TITLE_CHARS = frozenset("[]:*?/\\")
_MAX_TITLE = 31
_NUMBERS = (int, float, Decimal)


def safe_cell(value):
    """Return ``value`` ready for a cell: text that could be a formula escaped.

    ``None`` stays an empty cell, a bool reads 是/否, numbers and dates stay
    what they are (an aware datetime in local time), anything else is text.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        return _("是") if value else _("否")
    elif isinstance(value, _NUMBERS):
        return value
    elif isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    elif isinstance(value, datetime.date):
        return value
    else:  # a lazy translation, a choice label, anything printable
        text = str(value)
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


@dataclass(frozen=True)
class Styled:
    """A cell value with a look: bold, a font size, wrapped text."""

    value: object
    bold: bool = False
    size: float | None = None
    wrap: bool = False


@dataclass
class Sheet:
    """One sheet: ``lines`` above the table, then ``headers`` and ``rows``.

    ``lines`` are single cells down column A, the first in bold (the sheet's
    heading); an empty string is a blank row. ``widths`` is one width for
    every header column or one per column. ``rows`` may be any iterable of
    sequences (a generator over ``.values_list()`` is read once, row by row);
    a value may be a ``Styled``.
    """

    title: str
    headers: Sequence = ()
    rows: Iterable = ()
    lines: Sequence = ()
    widths: int | Sequence[int] | None = None
    freeze: bool = True
    #: Rows written, set once the sheet has been written.
    count: int = field(default=0, init=False)


def _sheet_title(title, used):
    clean = "".join("_" if ch in _BAD_TITLE_CHARS else ch for ch in str(title))
    clean = clean.strip("'")[:_MAX_TITLE] or "Sheet"
    candidate, n = clean, 2
    while candidate.lower() in used:
        suffix = f"-{n}"
        candidate, n = clean[: _MAX_TITLE - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _styled_cell(ws, styled, *, default_bold=False, default_size=None):
    cell = _plain(ws, styled.value)
    if not isinstance(cell, Cell):
        cell = WriteOnlyCell(ws, value=cell)
    bold = styled.bold or default_bold
    size = styled.size or default_size
    if bold or size:
        cell.font = Font(bold=bold, size=size)
    if styled.wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _plain(ws, value):
    """Return ``value`` escaped; a Decimal as a cell showing two decimals."""
    value = safe_cell(value)
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "#,##0.00"
        return cell
    return value


def _converter(ws):
    """Return a function making one row's values ready for ``ws``."""

    def convert(row):
        out = []
        for value in row:
            # The common cases first, inline: this runs for every cell.
            if value is None or value.__class__ is int:
                out.append(value)
            elif value.__class__ is str:
                if ILLEGAL_CHARACTERS_RE.search(value) or value.startswith(
                    FORMULA_PREFIXES
                ):
                    value = safe_cell(value)
                out.append(value)
            elif isinstance(value, Styled):
                out.append(_styled_cell(ws, value))
            else:
                out.append(_plain(ws, value))
        return out

    return convert


def _write_sheet(book, sheet, used):
    ws = book.create_sheet(_sheet_title(sheet.title, used))
    headers = list(sheet.headers)
    lines = list(sheet.lines)
    # Widths and the frozen pane go before the first row (write-only mode).
    widths = sheet.widths
    if isinstance(widths, int):
        widths = [widths] * len(headers)
    for index, width in enumerate(widths or (), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    if headers and sheet.freeze:
        ws.freeze_panes = f"A{len(lines) + 2}"
    for index, line in enumerate(lines):
        if line == "":
            ws.append([])
            continue
        if not isinstance(line, Styled):
            line = Styled(line)
        first = index == 0
        ws.append(
            [
                _styled_cell(
                    ws, line, default_bold=first, default_size=13 if first else None
                )
            ]
        )
    if headers:
        ws.append([_styled_cell(ws, Styled(h, bold=True)) for h in headers])
    convert = _converter(ws)
    count = 0
    append = ws.append
    for row in sheet.rows:
        append(convert(row))
        count += 1
    sheet.count = count


def write_xlsx(out, *sheets):
    """Write ``sheets`` as one workbook to the binary file ``out``."""
    book = Workbook(write_only=True)
    used = set()
    for sheet in sheets:
        _write_sheet(book, sheet, used)
    if not sheets:
        book.create_sheet("Sheet")
    book.save(out)


def xlsx_bytes(*sheets):
    """Return ``sheets`` as the bytes of one .xlsx workbook."""
    buffer = io.BytesIO()
    write_xlsx(buffer, *sheets)
    return buffer.getvalue()


def attachment(content, filename):
    """Return an .xlsx download of ``content`` named ``filename``."""
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=str(filename)
    )
    # Personal data: neither a shared nor the browser's cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_response(filename, *sheets):
    """Return ``sheets`` written row by row as an .xlsx download."""
    return attachment(xlsx_bytes(*sheets), filename)
