"""Excel (.xlsx) in and out: templates, safe reading, and the exports' rows.

Reading refuses anything that is not a sound, reasonably sized .xlsx before
openpyxl parses it (openpyxl reads the sheets through defusedxml and the
workbook's other parts through lxml without resolving entities, so entity
tricks are refused too). The exports describe their sheets here, as rows of
plain values from ``.values_list()``; ``portal.exports`` writes them row by
row and escapes cells that a spreadsheet would run as a formula.
"""

import datetime
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from orgs.models import (
    IN_SYSTEM_KINDS,
    Gender,
    MemberStatus,
    OrgKind,
    OrgNode,
    SeatOrigin,
    SeatPosition,
    UnitKind,
    mask_phone,
)
from portal.exports import Sheet, safe_cell

#: Uncompressed size allowed inside an upload (guards against zip bombs).
MAX_UNZIPPED_BYTES = 80 * 1024 * 1024
MAX_RATIO = 150
MAX_ROWS = 20000


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


HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="C8161D")


def template_bytes(columns, notes):
    """Return a template workbook: Chinese headers, an example row, notes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("数据")
    sheet.append([c.header for c in columns])
    sheet.append([safe_cell(c.example) for c in columns])
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
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- exports: the list pages' querysets as rows of values -----------------------------

#: Rows fetched per round trip by an export's server-side cursor.
CHUNK = 2000


def _labels(choices):
    return {value: str(label) for value, label in choices}


def _phone(show):
    return (lambda value: value or "") if show else mask_phone


def units_sheet(queryset, *, show_phones):
    """Return the units of ``queryset`` (the list's, filtered) as a sheet."""
    phone = _phone(show_phones)
    kinds = _labels(UnitKind.choices)
    inside, outside = _("体制内"), _("体制外")
    # The units' party organisations, one query for all the units.
    party_orgs = {}
    for unit_id, name, secretary in (
        OrgNode.objects.filter(
            kind=OrgKind.PARTY_ORG, parent__in=queryset.order_by().values("pk")
        )
        .order_by("tree_id", "lft")
        .values_list("parent_id", "name", "secretary__name")
    ):
        party_orgs.setdefault(unit_id, []).append((name, secretary))
    comma = pgettext("punctuation", "、")
    rows = (
        [
            code,
            community or "",
            name,
            kinds.get(kind, ""),
            inside if kind in IN_SYSTEM_KINDS else outside,
            headcount,
            address,
            contact,
            phone(contact_phone),
            head or "",
            phone(head_phone) if head is not None else "",
            comma.join(n for n, _s in party_orgs.get(pk, ())),
            comma.join(s for _n, s in party_orgs.get(pk, ()) if s),
        ]
        for (
            pk,
            code,
            community,
            name,
            kind,
            headcount,
            address,
            contact,
            contact_phone,
            head,
            head_phone,
        ) in queryset.values_list(
            "pk",
            "code",
            "community__name",
            "name",
            "unit_kind",
            "headcount",
            "address",
            "contact_name",
            "contact_phone",
            "head__name",
            "head__phone",
        ).iterator(chunk_size=CHUNK)
    )
    headers = [
        _("编码"),
        _("所属社区"),
        _("单位名称"),
        _("单位性质"),
        _("体制内/外"),
        _("职工人数"),
        _("地址"),
        _("联系人"),
        _("联系电话"),
        _("负责人姓名"),
        _("负责人手机号"),
        _("党组织"),
        _("党组织书记"),
    ]
    return Sheet(title=_("驻街单位"), headers=headers, rows=rows)


def people_sheet(queryset, *, show_phones):
    """Return the people of ``queryset`` (the list's, filtered) as a sheet.

    One query, read in chunks from a server-side cursor; each row is a tuple
    of values (no Person, no tree node is built).
    """
    phone = _phone(show_phones)
    genders = _labels(Gender.choices)
    statuses = _labels(MemberStatus.choices)
    yes, no, not_member = _("是"), _("否"), _("非党员")
    rows = (
        [
            name,
            genders.get(gender, ""),
            birth_year,
            phone(mobile),
            community or "",
            unit or "",
            statuses.get(status, "") if member else not_member,
            (yes if directly_managed else no) if member else "",
            party_org or "",
            employer or "",
            residence or "",
            joined_on.isoformat() if joined_on else "",
        ]
        for (
            name,
            gender,
            birth_year,
            mobile,
            community,
            unit,
            member,
            status,
            directly_managed,
            party_org,
            employer,
            residence,
            joined_on,
        ) in queryset.values_list(
            "name",
            "gender",
            "birth_year",
            "phone",
            "community__name",
            "unit__name",
            "party_membership__id",
            "party_membership__status",
            "party_membership__directly_managed",
            "party_membership__party_org__name",
            "party_membership__employer_unit__name",
            "party_membership__residence_community__name",
            "party_membership__joined_on",
        ).iterator(chunk_size=CHUNK)
    )
    headers = [
        _("姓名"),
        _("性别"),
        _("出生年份"),
        _("手机号"),
        _("所属社区"),
        _("所在单位"),
        _("党员类别"),
        _("街道直管"),
        _("所在党组织"),
        _("工作单位"),
        _("居住社区"),
        _("入党日期"),
    ]
    return Sheet(title=_("人员"), headers=headers, rows=rows)


def seats_sheet(queryset, *, title):
    """Return the seats of ``queryset`` (one committee's) as a sheet."""
    positions = _labels(SeatPosition.choices)
    origins = _labels(SeatOrigin.choices)
    yes, no = _("是"), _("否")
    rows = (
        [
            person,
            represents or "",
            positions.get(position, ""),
            origins.get(origin, ""),
            yes if unit_secretary else no,
            term_start.isoformat(),
            term_end.isoformat() if term_end else "",
            vacated_on.isoformat() if vacated_on else "",
            reason,
        ]
        for (
            person,
            represents,
            position,
            origin,
            unit_secretary,
            term_start,
            term_end,
            vacated_on,
            reason,
        ) in queryset.values_list(
            "person__name",
            "represents__name",
            "position",
            "origin",
            "is_unit_secretary",
            "term_start",
            "term_end",
            "vacated_on",
            "vacated_reason",
        ).iterator(chunk_size=CHUNK)
    )
    headers = [
        _("姓名"),
        _("代表单位/党组织"),
        _("职务"),
        _("产生方式"),
        _("驻区单位党组织书记"),
        _("任期开始"),
        _("任期结束"),
        _("离任日期"),
        _("离任原因"),
    ]
    return Sheet(title=title, headers=headers, rows=rows)
