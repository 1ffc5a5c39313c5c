"""The support app's spreadsheets, described as sheets for ``portal.exports``.

``portal.exports`` writes them row by row and keeps formula-like text as
text; here only what goes in them: the routine notice (a summary sheet, then
one per section) and the training-compliance list.
"""

from django.utils.translation import gettext as _

from portal.exports import Sheet, Styled
from support.models import WorkerType

#: Width of every table column.
WIDTH = 18


def notice_sheets(notice):
    """Return the notice as sheets: a summary, then one per section."""
    summary = Sheet(
        title=_("通报概要"),
        lines=[
            Styled(notice.title, bold=True, size=14),
            _("期间：%s") % notice.period.label,
            _("生成时间：%s") % notice.generated_at.strftime("%Y-%m-%d %H:%M"),
            "",
        ],
        rows=[
            [
                Styled(section.title, bold=True),
                Styled(section.summary or section.empty_text, wrap=True),
            ]
            for section in notice.sections
        ],
        widths=[28, 100],
    )
    sheets = [summary]
    for section in notice.sections:
        if section.rows:
            sheets.append(
                Sheet(
                    title=section.title,
                    lines=[section.title, section.summary, ""],
                    headers=section.columns,
                    rows=section.rows,
                    widths=WIDTH,
                    freeze=False,
                )
            )
        else:
            sheets.append(
                Sheet(
                    title=section.title,
                    lines=[section.title, section.summary, "", section.empty_text],
                )
            )
    return sheets


def compliance_sheet(queryset, *, title):
    """Return the workers of ``queryset`` (the compliance list's) as a sheet."""
    types = {value: str(label) for value, label in WorkerType.choices}
    rows = (
        [community, person, types.get(kind, ""), employer, hired_on, trainings]
        for community, person, kind, employer, hired_on, trainings in (
            queryset.prefetch_related(None)
            .values_list(
                "community__name",
                "person__name",
                "worker_type",
                "employer",
                "hired_on",
                "trainings_year",
            )
            .iterator(chunk_size=2000)
        )
    )
    return Sheet(
        title=title,
        lines=[title, ""],
        headers=[
            _("社区"),
            _("姓名"),
            _("类别"),
            _("用人单位"),
            _("入职日期"),
            _("年内参训次数"),
        ],
        rows=rows,
        widths=WIDTH,
    )
