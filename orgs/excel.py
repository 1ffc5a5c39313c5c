"""Excel (.xlsx) in and out: templates, safe reading, and exports.

Reading refuses anything that is not a sound, reasonably sized .xlsx before
openpyxl parses it (openpyxl parses XML through defusedxml when installed, so
entity tricks are refused too). Writing escapes cells that a spreadsheet would
run as a formula.
"""

import datetime
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Uncompressed size allowed inside an upload (guards against zip bombs).
MAX_UNZIPPED_BYTES = 80 * 1024 * 1024
MAX_RATIO = 150
MAX_ROWS = 20000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    choices: tuple = ()
    example: object = ""
    width: int = 16


class ImportRefused(ValidationError):
    """A refused import: a summary and every bad row's number and reason."""

    def __init__(self, message, row_errors=()):
        self.summary = str(message)
        self.row_errors = list(row_errors)
        lines = [self.summary] + [
            _("第 %(row)s 行：%(reason)s") % {"row": row, "reason": reason}
            for row, reason in self.row_errors
        ]
        super().__init__(lines)


def _refuse(message):
    raise ImportRefused(message)


#: Sentence endings a row's reason may carry (Chinese and English).
_SENTENCE_ENDS = "。．.！!"


def join_reasons(reasons):
    """Return a row's reasons as one text: "甲；乙。", never "甲。；乙。".

    Each reason is a full sentence with its own full stop; all but the last
    lose theirs before the join, so the punctuation is never doubled (in
    English too: "A; B."). Repeated reasons are given once.
    """
    reasons = [str(r).strip() for r in dict.fromkeys(reasons) if str(r).strip()]
    if not reasons:
        return ""
    head = [r.rstrip(_SENTENCE_ENDS) or r for r in reasons[:-1]]
    return pgettext("punctuation", "；").join([*head, reasons[-1]])


def read_rows(upload, columns):
    """Return ``[(row number, {key: value})]`` of the first sheet of ``upload``.

    Row numbers are Excel's (the header is row 1). Empty rows are skipped.
    Raise ``ImportRefused`` with a clear Chinese message for a file that is not
    a readable .xlsx or whose header does not match the template.
    """
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        _refuse(_("只能导入 Excel 的 .xlsx 文件，请用模板填写后上传。"))
    size = getattr(upload, "size", None)
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    if size is not None and size > limit:
        _refuse(_("文件太大（上限 %s MB）。") % (limit // (1024 * 1024)))
    data = upload.read()
    if not data.startswith(b"PK\x03\x04"):
        _refuse(
            _(
                "文件不是有效的 .xlsx 文件（可能是改了扩展名的 .xls 或已损坏），请另存为 .xlsx 后重试。"
            )
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        _refuse(_("文件已损坏，无法读取。"))
    unzipped = sum(i.file_size for i in infos)
    if unzipped > MAX_UNZIPPED_BYTES or unzipped > MAX_RATIO * max(len(data), 1):
        _refuse(_("文件解压后过大，已拒绝。"))
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
        by_header = {c.header: c for c in columns}
        positions = {}
        for index, cell in enumerate(header):
            label = str(cell).strip() if cell is not None else ""
            if label in by_header:
                positions[by_header[label].key] = index
        missing = [c.header for c in columns if c.required and c.key not in positions]
        if missing:
            _refuse(
                _("表头与模板不符，缺少这些列：%s。请下载模板重新填写。")
                % pgettext("punctuation", "、").join(missing)
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


def escape(value):
    """Return ``value`` safe for a spreadsheet cell: text starting like a formula
    gets a leading apostrophe, so ``=HYPERLINK(...)`` stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="C8161D")


def template_bytes(columns, notes):
    """Return a template workbook: Chinese headers, an example row, notes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("数据")
    sheet.append([c.header for c in columns])
    sheet.append([escape(c.example) for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = column.width
        if column.choices:
            validation = DataValidation(
                type="list",
                formula1='"%s"' % ",".join(str(c) for c in column.choices),
                allow_blank=not column.required,
            )
            validation.error = _("请从下拉列表中选择。")
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet(_("填写说明"))
    help_sheet.column_dimensions["A"].width = 100
    for line in [
        _("第一行是表头，请勿修改；从第二行起每行一条（示例行可删除或覆盖）。"),
        _(
            "带“*”的列必填。整个文件有一行出错就全部不导入，并列出每个出错的行号和原因。"
        ),
        *notes,
    ]:
        help_sheet.append([str(line)])
    return _save(workbook)


def export_bytes(title, headers, rows):
    """Return a workbook of ``rows`` under ``headers``, formula-like text escaped."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(title)[:31])
    sheet.append([str(h) for h in headers])
    for row in rows:
        sheet.append([escape(v) for v in row])
    return _save(workbook)


def _save(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(content, filename):
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response


def yes_no(value):
    return _("是") if value else _("否")
