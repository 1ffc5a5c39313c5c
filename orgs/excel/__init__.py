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

``base`` holds the column and the refusal, ``scan`` the checks and XML scans
made without openpyxl, ``reading`` the reader, ``template`` the templates and
``exports`` the export sheets. Patch a limit where it is read:
``orgs.excel.reading.MAX_ROWS``, not ``orgs.excel.MAX_ROWS``.
"""

from orgs.excel.base import Column, ImportRefused, join_reasons
from orgs.excel.exports import people_sheet, seats_sheet, units_sheet
from orgs.excel.reading import (
    MAX_ROWS,
    PROGRESS_EVERY,
    RowCounter,
    as_date,
    as_int,
    as_text,
    read_rows,
    rows_read,
    sheet_check,
)
from orgs.excel.scan import MAX_RATIO, MAX_UNZIPPED_BYTES
from orgs.excel.template import template_bytes

__all__ = [
    "MAX_RATIO",
    "MAX_ROWS",
    "MAX_UNZIPPED_BYTES",
    "PROGRESS_EVERY",
    "Column",
    "ImportRefused",
    "RowCounter",
    "as_date",
    "as_int",
    "as_text",
    "join_reasons",
    "people_sheet",
    "read_rows",
    "rows_read",
    "seats_sheet",
    "sheet_check",
    "template_bytes",
    "units_sheet",
]
