"""Excel (.xlsx) in and out: templates, safe reading, and the exports' rows.

Reading refuses anything that is not a sound, reasonably sized .xlsx before
openpyxl parses it (openpyxl reads the sheets through defusedxml and the
workbook's other parts through lxml without resolving entities, so entity
tricks are refused too). ``sheet_check`` does it without reading a single data
row, for the web request: the header is the first row parsed alone, the rows
are counted by scanning the sheet's XML and the count stops past ``MAX_ROWS``
(openpyxl's read-only mode parses a whole sheet without a ``<dimension>`` just
to open it). The exports describe their sheets here, as rows of plain values
from ``.values_list()``; ``portal.exports`` writes them row by row and escapes
cells that a spreadsheet would run as a formula.
"""

import datetime
import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from xml.parsers import expat

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
#: How often ``read_rows`` reports its progress (rows).
PROGRESS_EVERY = 500


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


class RowCounter:
    """How many data rows the readers turned into values (tests read it)."""

    def __init__(self):
        self.count = 0

    def reset(self):
        self.count = 0


#: Data rows materialised by ``read_rows`` in this process: a web request
#: that only checks a file (``sheet_check``) leaves it unchanged.
rows_read = RowCounter()

#: A real row has at most 16,384 cells (Excel's last column, XFD).
MAX_COLUMNS = 16384
#: Bytes of XML read to find the header row, or the header's shared strings.
MAX_HEADER_XML = 4 * 1024 * 1024
CHUNK = 256 * 1024
RELATIONSHIP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#: The end of a cell value (``</v>``, an inline string's ``</t>``), any prefix.
_VALUE_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?[vt]>")
_PREFIX = re.compile(rb"[A-Za-z_][\w.-]*")
_AFTER_NAME = frozenset(b" \t\r\n/>")
#: Longest token: bytes kept from one chunk to the next so none is cut.
_OVERLAP = 512


def _checked_bytes(upload):
    """Return the bytes of ``upload`` once it looks like a sane .xlsx archive.

    Checks the name, the size (before reading), the zip signature, and the
    uncompressed size and ratio from the zip directory (before inflating).
    """
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        _refuse(_("只能导入 Excel 的 .xlsx 文件，请用模板填写后上传。"))
    size = getattr(upload, "size", None)
    limit = settings.PORTAL_MAX_UPLOAD_BYTES
    if size is not None and size > limit:
        _refuse(_("文件太大（上限 %s MB）。") % (limit // (1024 * 1024)))
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        _refuse(_("文件太大（上限 %s MB）。") % (limit // (1024 * 1024)))
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
    return data


class _Broken(Exception):
    """The workbook's XML is not what an .xlsx holds."""


class _Enough(Exception):
    """Stop parsing: what was looked for has been read."""


def _forbid(*_args):
    # A workbook never declares a DTD: refusing it refuses entity expansion
    # (billion laughs) and external entities outright.
    raise _Broken("DTD")


def _parser(start, end=None, text=None):
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.buffer_text = True
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def _local(name):
    return name.rpartition("}")[2]


def _feed(archive, path, parser, limit):
    """Feed ``path`` to ``parser`` until a handler has enough (or ``limit`` bytes)."""
    fed = 0
    try:
        with archive.open(path) as stream:
            while chunk := stream.read(64 * 1024):
                parser.Parse(chunk, False)
                fed += len(chunk)
                if fed > limit:
                    raise _Broken("too long")
            parser.Parse(b"", True)
    except _Enough:
        return


def _relationships(archive, path):
    """Return ``[(type, target path)]`` of a ``.rels`` part, in order."""
    folder = posixpath.dirname(posixpath.dirname(path))
    found = []

    def start(name, attrs):
        if _local(name) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            if target.startswith("/"):
                target = target.lstrip("/")
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
            found.append((attrs.get("Id", ""), attrs.get("Type", ""), target))

    _feed(archive, path, _parser(start), 1024 * 1024)
    return found


def _parts(archive):
    """Return the paths of the first worksheet and of the shared strings.

    The first worksheet in the workbook's order (chart sheets skipped), as
    openpyxl's ``worksheets[0]``.
    """
    book = next(
        (
            t
            for _i, kind, t in _relationships(archive, "_rels/.rels")
            if kind.endswith("/officeDocument")
        ),
        "xl/workbook.xml",
    )
    folder, name = posixpath.split(book)
    rels = {
        rid: (kind, target)
        for rid, kind, target in _relationships(
            archive, posixpath.join(folder, "_rels", name + ".rels")
        )
    }
    sheets = []

    def start(tag, attrs):
        if _local(tag) == "sheet":
            sheets.append(attrs.get(RELATIONSHIP_NS + "}id", ""))

    _feed(archive, book, _parser(start), 4 * 1024 * 1024)
    names = set(archive.namelist())
    sheet = next(
        (
            rels[rid][1]
            for rid in sheets
            if rid in rels
            and rels[rid][0].endswith("/worksheet")
            and rels[rid][1] in names
        ),
        None,
    )
    strings = next(
        (t for kind, t in rels.values() if kind.endswith("/sharedStrings")), None
    )
    if sheet is None:
        raise _Broken("no worksheet")
    return sheet, strings if strings in names else None


def _column(ref):
    """Return the 0-based column of a cell reference such as ``C5``."""
    index = 0
    for char in ref:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index - 1


def _header_cells(archive, path):
    """Return ``[(column, type, text)]`` of the sheet's first row, or ``None``.

    Parses the sheet's XML only up to the end of its first row.
    """
    state = {"row": None, "cell": None, "text": None, "phonetic": 0, "next": 0}
    cells = []

    def start(name, attrs):
        tag = _local(name)
        if tag == "row":
            if state["row"] is not None:
                raise _Enough
            state["row"] = attrs.get("r", "1")
        elif state["row"] is None:
            return
        elif tag == "c":
            ref = attrs.get("r")
            column = _column(ref) if ref else state["next"]
            state["next"] = column + 1
            if len(cells) >= MAX_COLUMNS or not 0 <= column < MAX_COLUMNS:
                raise _Broken("too many columns")
            state["cell"] = [column, attrs.get("t", "n"), []]
        elif tag == "rPh":
            state["phonetic"] += 1
        elif tag in ("v", "t") and state["cell"] is not None and not state["phonetic"]:
            state["text"] = state["cell"][2]

    def end(name):
        tag = _local(name)
        if tag == "row":
            raise _Enough
        if tag == "c" and state["cell"] is not None:
            column, kind, parts = state["cell"]
            cells.append((column, kind, "".join(parts)))
            state["cell"] = None
        elif tag == "rPh":
            state["phonetic"] -= 1
        elif tag in ("v", "t"):
            state["text"] = None

    def text(data):
        if state["text"] is not None:
            state["text"].append(data)

    _feed(archive, path, _parser(start, end, text), MAX_HEADER_XML)
    if state["row"] is None:
        return None
    if state["row"] != "1":  # the first row is empty: so is the header
        return []
    return cells


def _shared_strings(archive, path, wanted):
    """Return ``{index: text}`` of the shared strings ``wanted``.

    Parses the table only up to the last string wanted.
    """
    if not wanted:
        return {}
    if path is None:
        raise _Broken("no shared strings")
    last = max(wanted)
    state = {"index": -1, "parts": None, "phonetic": 0}
    found = {}

    def start(name, attrs):
        tag = _local(name)
        if tag == "si":
            state["index"] += 1
            state["parts"] = [] if state["index"] in wanted else None
        elif tag == "rPh":
            state["phonetic"] += 1

    def end(name):
        tag = _local(name)
        if tag == "si":
            if state["parts"] is not None:
                found[state["index"]] = "".join(state["parts"])
            if state["index"] >= last:
                raise _Enough
        elif tag == "rPh":
            state["phonetic"] -= 1

    def text(data):
        if state["parts"] is not None and not state["phonetic"]:
            state["parts"].append(data)

    _feed(archive, path, _parser(start, end, text), MAX_HEADER_XML)
    return found


def _header_labels(archive, sheet, strings):
    """Return the header row as ``{column: label}`` (``None`` for no row)."""
    cells = _header_cells(archive, sheet)
    if cells is None:
        return None
    wanted = set()
    for _column_index, kind, text in cells:
        if kind == "s":
            try:
                wanted.add(int(text))
            except ValueError:
                raise _Broken("bad string index") from None
    table = _shared_strings(archive, strings, wanted)
    labels = {}
    for column, kind, text in cells:
        label = table.get(int(text), "") if kind == "s" else text
        labels[column] = label.strip()
    return labels


def _row_starts(buffer, cut):
    """Yield ``(start, end)`` of each ``<row`` tag (any prefix) starting before
    ``cut``; ``bytes.find`` does the scanning, so a sheet of empty cells is
    passed over at memory speed."""
    i = buffer.find(b"row", 1)
    while i != -1:
        end = i + 3
        if end < len(buffer) and buffer[end] in _AFTER_NAME:
            start = None
            if buffer[i - 1] == 0x3C:  # "<"
                start = i - 1
            elif buffer[i - 1] == 0x3A:  # ":" of "<x:row"
                lt = buffer.rfind(b"<", max(0, i - 64), i)
                if lt != -1 and _PREFIX.fullmatch(buffer, lt + 1, i - 1):
                    start = lt
            if start is not None:
                if start >= cut:
                    return
                yield start, end
        i = buffer.find(b"row", end)


def _has_value(buffer, start, end, cut):
    """Return whether a value ending between ``start`` and ``end`` holds text
    (``<v></v>`` does not), its end tag starting before ``cut``."""
    found = _VALUE_END.search(buffer, start, end)
    while found is not None and found.start() < cut:
        if buffer[found.start() - 1] != 0x3E:  # ">": nothing inside
            return True
        found = _VALUE_END.search(buffer, found.end(), end)
    return False


def _count_rows(archive, path, stop_after):
    """Return how many rows of the sheet hold a value, counting no further
    than ``stop_after`` (so a huge sheet is not read to its end).

    Scans the inflated XML for row tags and the ends of non-empty values
    without parsing it: no cell becomes a value. An empty cell
    (``<c s="3"/>``) or a formatted empty row does not count, as
    ``read_rows`` skips them. The scan only sizes the file: ``read_rows``
    parses it for real later (a value of only spaces counts here, not there).
    """
    count = 0
    has_value = True  # nothing before the first row counts
    carry = b""
    with archive.open(path) as stream:
        while True:
            chunk = stream.read(CHUNK)
            buffer = carry + chunk
            # Tokens starting after ``cut`` wait for the next chunk, whole.
            cut = len(buffer) - _OVERLAP if chunk else len(buffer)
            if cut <= 0 and chunk:
                carry = buffer
                continue
            position = 0
            for start, end in _row_starts(buffer, cut):
                if not has_value and _has_value(buffer, position, start, cut):
                    count += 1
                    if count > stop_after:
                        return count
                has_value = False
                position = end
            if not has_value and _has_value(buffer, position, len(buffer), cut):
                has_value = True
                count += 1
                if count > stop_after:
                    return count
            if not chunk:
                return count
            carry = buffer[cut:]


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
