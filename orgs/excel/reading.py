"""Read the import workbook: ``sheet_check`` for the web request (no data row
read), ``read_rows`` for the task, and the cell converters the imports use.
"""

import datetime
import io
import zipfile
import zlib
from xml.parsers import expat

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import load_workbook

from orgs.excel.base import ImportRefused, _refuse
from orgs.excel.scan import _Broken, _checked_bytes, _count_rows, _header_labels, _parts

MAX_ROWS = 20000
#: How often ``read_rows`` reports its progress (rows).
PROGRESS_EVERY = 500


class RowCounter:
    """How many data rows the readers turned into values (tests read it)."""

    def __init__(self):
        self.count = 0

    def reset(self):
        self.count = 0


#: Data rows materialised by ``read_rows`` in this process: a web request
#: that only checks a file (``sheet_check``) leaves it unchanged.
rows_read = RowCounter()


def _positions(labels, columns):
    """Return ``{key: column}``; refuse a header that lacks a required column."""
    by_header = {c.header: c for c in columns}
    positions = {}
    for index, label in sorted(labels.items()):
        if label in by_header:  # a repeated header: the last one, as before
            positions[by_header[label].key] = index
    missing = [c.header for c in columns if c.required and c.key not in positions]
    if missing:
        _refuse(
            _("表头与模板不符，缺少这些列：%s。请下载模板重新填写。")
            % pgettext("punctuation", "、").join(missing)
        )
    return positions


def _sheet_facts(data, columns):
    """Return the number of data rows of a checked file, reading none of them.

    Reads the header (the first row only) and refuses a header that does not
    match; counts the rows that hold a value, stopping as soon as there are
    more than ``MAX_ROWS``; refuses an empty file or one over the limit.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            try:
                sheet, strings = _parts(archive)
            except KeyError:
                _refuse(_("文件已损坏或不是 Excel 工作簿，无法读取。"))
            labels = _header_labels(archive, sheet, strings)
            if labels is None:
                _refuse(_("文件是空的。"))
            _positions(labels, columns)
            rows = _count_rows(archive, sheet, MAX_ROWS + 1) - 1
    except ImportRefused:
        raise
    except (
        _Broken,
        expat.ExpatError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        OSError,
        EOFError,
        zlib.error,
        NotImplementedError,
    ):
        _refuse(_("文件已损坏，无法读取。"))
    if rows > MAX_ROWS:
        _refuse(_("一次最多导入 %s 行，请分批导入。") % MAX_ROWS)
    if rows <= 0:
        _refuse(_("文件中没有数据行。"))
    return rows


def sheet_check(upload, columns):
    """Return how many data rows ``upload`` holds; refuse a file the import
    would refuse for its form, without reading a single data row.

    For the web request: not an .xlsx, too big (checked before reading), a
    zip bomb, a broken workbook, a header that does not match ``columns``
    (only the first row is parsed), no data, or more than ``MAX_ROWS`` rows
    (counted by scanning the sheet's XML, which stops past the limit) are
    each refused with a clear Chinese message in well under a second.
    """
    return _sheet_facts(_checked_bytes(upload), columns)


def read_rows(upload, columns, progress=None):
    """Return ``[(row number, {key: value})]`` of the first sheet of ``upload``.

    Row numbers are Excel's (the header is row 1). Empty rows are skipped.
    Raise ``ImportRefused`` with a clear Chinese message for a file that is not
    a readable .xlsx or whose header does not match the template: the checks
    of ``sheet_check`` come first, so such a file is refused before openpyxl
    opens it. ``progress(read, total)`` is called every ``PROGRESS_EVERY``
    rows.
    """
    data = _checked_bytes(upload)
    total = _sheet_facts(data, columns)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file: one answer.
        _refuse(_("文件已损坏或不是 Excel 工作簿，无法读取。"))
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            _refuse(_("文件是空的。"))
        positions = _positions(
            {
                index: str(cell).strip() if cell is not None else ""
                for index, cell in enumerate(header)
            },
            columns,
        )
        out = []
        for number, row in enumerate(rows, start=2):
            values = {
                key: _normalise(row[i] if i < len(row) else None)
                for key, i in positions.items()
            }
            if all(v in (None, "") for v in values.values()):
                continue
            if len(out) >= MAX_ROWS:
                _refuse(_("一次最多导入 %s 行，请分批导入。") % MAX_ROWS)
            out.append((number, values))
            rows_read.count += 1
            if progress is not None and len(out) % PROGRESS_EVERY == 0:
                progress(len(out), max(total, len(out)))
    except ImportRefused:
        raise
    except Exception:  # a sheet that breaks half-way is as broken as the rest
        _refuse(_("文件已损坏，无法读取。"))
    finally:
        workbook.close()
    if not out:
        _refuse(_("文件中没有数据行。"))
    return out


def _normalise(value):
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def as_text(value):
    """Return a cell value as text (numbers typed into text columns included)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return str(value).strip()


def as_int(value):
    """Return a cell as an int, ``None`` when empty; raise ``ValueError`` if not."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return int(str(value).strip())


def as_date(value):
    """Return a cell as a date (Excel date, 2019-06-01, 2019/6/1 or 2019.6.1)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    parts = text.split("-")
    if len(parts) == 2:
        parts.append("1")
    year, month, day = (int(p) for p in parts)
    return datetime.date(year, month, day)
