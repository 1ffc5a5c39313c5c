"""Check an upload and scan its XML without openpyxl: the workbook's parts, the
header row alone, and the number of rows holding a value.

Refuses anything that is not a sound, reasonably sized .xlsx before openpyxl
parses it. The header is the first row parsed alone, the rows are counted by
scanning the sheet's XML and the count stops past a limit (openpyxl's
read-only mode parses a whole sheet without a ``<dimension>`` just to open it).
"""

import io
import posixpath
import re
import zipfile
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

from orgs.excel.base import _refuse

#: Uncompressed size allowed inside an upload (guards against zip bombs).
MAX_UNZIPPED_BYTES = 80 * 1024 * 1024
MAX_RATIO = 150

#: A real row has at most 16,384 cells (Excel's last column, XFD).
MAX_COLUMNS = 16384
#: Bytes of XML read to find the header row, or the header's shared strings.
MAX_HEADER_XML = 4 * 1024 * 1024
#: Bytes of inflated sheet XML read at a time by ``_count_rows``: 2,000, the
#: value in effect when this lived in one module with the exports (their
#: ``CHUNK = 2000`` further down overrode the 256 KiB written here).
CHUNK = 2000
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
