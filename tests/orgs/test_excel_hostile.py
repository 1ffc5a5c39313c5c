"""Hostile Excel files: each a clear Chinese refusal, in bounded memory.

Malformed files, an ``.xls`` renamed ``.xlsx``, zip bombs (honest and with a
central directory that lies about sizes), billion-laughs and external-entity
XML. Memory is measured with ``tracemalloc`` around the import's reading.
"""

import io
import struct
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from orgs import excel
from orgs.imports import UNIT_COLUMNS
from orgs.models import OrgNode, Person
from tests.conftest import login

#: Far above what reading a refused file needs, far below what a bomb takes.
MEMORY_LIMIT = 25 * 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">\n' for i in range(1, 10)
    )
    + "]>\n"
)
BILLION_LAUGHS_SHEET = (
    LAUGHS + f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">'
    '<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
).encode()
EXTERNAL_ENTITY_SHEET = (
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">'
    '<c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>'
).encode()


def _good_workbook():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([c.header for c in UNIT_COLUMNS])
    sheet.append(["甲社区", "新单位", "民营企业"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_part(part, content):
    """The good workbook with ``part`` replaced by ``content``."""
    source = zipfile.ZipFile(io.BytesIO(_good_workbook()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = content if info.filename == part else source.read(info)
            target.writestr(info.filename, data)
    return buffer.getvalue()


def _lying_about(data, part, size):
    """Rewrite the central directory so that ``part`` claims ``size`` bytes."""
    out = bytearray(data)
    position = out.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", out, position + 28)[0]
        name = bytes(out[position + 46 : position + 46 + name_length]).decode()
        if name == part:
            struct.pack_into("<I", out, position + 24, size)
        position = out.find(b"PK\x01\x02", position + 46)
    return bytes(out)


def _lying_zip_bomb():
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 2)
    )
    body = (
        f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
        + rows
        + b" " * (120 * 1024 * 1024)
        + b"</sheetData></worksheet>"
    )
    return _lying_about(_with_part(SHEET, body), SHEET, 4096)


HOSTILE = {
    "not a zip at all": lambda: b"\x00\x01garbage" * 100,
    "xls renamed to xlsx": lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096,
    "truncated xlsx": lambda: _good_workbook()[:700],
    "sheet that is not XML": lambda: _with_part(SHEET, b"<worksheet><row"),
    "billion laughs in the sheet": lambda: _with_part(SHEET, BILLION_LAUGHS_SHEET),
    "billion laughs in the workbook": lambda: _with_part(
        "xl/workbook.xml", BILLION_LAUGHS_SHEET
    ),
    "external entity": lambda: _with_part(SHEET, EXTERNAL_ENTITY_SHEET),
    "zip bomb": lambda: _with_part(SHEET, b"0" * (100 * 1024 * 1024)),
    "zip bomb lying about its size": _lying_zip_bomb,
}


def test_openpyxl_parses_without_expanding_entities():
    """The sheets go through defusedxml's ``iterparse``; the workbook's other
    parts through defusedxml, or, lxml being installed (for the exports'
    speed), through lxml's parser with entity resolution off: either way no
    entity, internal or external, is ever expanded."""
    from openpyxl.xml import functions

    assert openpyxl.DEFUSEDXML is True
    assert functions.iterparse.__module__.startswith("defusedxml")
    document = (
        b'<!DOCTYPE x [<!ENTITY big "EXPANDED">'
        b'<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x><a>&big;</a><b>&xxe;</b></x>'
    )
    if openpyxl.LXML:
        root = functions.fromstring(document)
        text = functions.tostring(root).decode()
        assert "EXPANDED" not in text and "root:" not in text
        assert [child.text for child in root] == [None, None]
    else:
        assert functions.fromstring.__module__.startswith("defusedxml")


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_file_is_refused_clearly_in_bounded_memory(kind):
    data = HOSTILE[kind]()
    upload = SimpleUploadedFile("单位.xlsx", data)
    # when the import reads it
    tracemalloc.start()
    try:
        with pytest.raises(excel.ImportRefused) as refused:
            excel.read_rows(upload, UNIT_COLUMNS)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # then it is refused with a Chinese message, without a bomb's memory
    assert "文件" in refused.value.summary, refused.value.summary
    assert peak < MEMORY_LIMIT, f"{kind}: {peak / 1e6:.1f} MB"


def test_the_import_page_refuses_a_billion_laughs_and_writes_nothing(world):
    before = (OrgNode.objects.count(), Person.objects.count())
    upload = SimpleUploadedFile("单位.xlsx", HOSTILE["billion laughs in the sheet"]())
    response = login(world.secretary_a).post(
        "/orgs/import/", {"kind": "units", "file": upload}
    )
    assert response.status_code == 400
    assert "无法读取" in response.content.decode()
    assert (OrgNode.objects.count(), Person.objects.count()) == before


def test_the_good_workbook_of_these_tests_is_read():
    # The hostile files are built from this one: it must pass on its own.
    upload = SimpleUploadedFile("单位.xlsx", _good_workbook())
    rows = excel.read_rows(upload, UNIT_COLUMNS)
    assert rows[0][1]["name"] == "新单位"
