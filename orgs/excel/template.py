"""The import templates: Chinese headers, an example row, drop-downs, notes."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from orgs.excel.reading import MAX_ROWS
from portal.exports import safe_cell

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
