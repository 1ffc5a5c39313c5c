"""Exports hold what the filtered list shows; files are served by scope only,
under names the server chose."""

import io
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.meetings.conftest import after
from tests.security import harness as h
from tests.security.data import PDF_BYTES, png


@pytest.fixture(autouse=True)
def _quiet_request_log():
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def xlsx_column(content, header):
    """The values under ``header`` in the first sheet that has it."""
    book = load_workbook(io.BytesIO(content), read_only=True)
    for sheet in book.worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        for i, row in enumerate(rows):
            if header in row:
                col = row.index(header)
                return [r[col] for r in rows[i + 1 :] if any(v is not None for v in r)]
    raise AssertionError(f"no column {header!r} in the export")


def listed(d, persona, url, attr=None):
    answer = h.call(d, persona, "GET", url)
    assert answer.status == 200, url
    rows = list(answer.response.context["page"].object_list)
    return [attr(r) for r in rows] if attr else rows


def exported(d, persona, url, header):
    answer = h.call(d, persona, "GET", url)
    assert answer.status == 200, url
    assert answer.response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    return xlsx_column(answer.response.content, header)


@pytest.mark.parametrize(
    ("persona", "query"),
    [(h.CS, "?kind=private"), (h.SA, "?kind=private"), (h.UH, ""), (h.SA, "?q=乙单位")],
)
def test_the_units_export_holds_exactly_the_filtered_list(
    matrix_data, db, persona, query
):
    d = matrix_data
    shown = listed(d, persona, reverse("orgs:units") + query, lambda u: u.code)
    assert shown  # the filter leaves rows to compare
    rows = exported(d, persona, reverse("orgs:units_export") + query, "编码")
    assert sorted(rows) == sorted(shown)


@pytest.mark.parametrize(
    ("persona", "query"), [(h.CS, "?q=居民"), (h.SA, "?q=居民"), (h.UH, "")]
)
def test_the_people_export_holds_exactly_the_filtered_list(
    matrix_data, db, persona, query
):
    d = matrix_data
    shown = listed(d, persona, reverse("orgs:people") + query, lambda p: p.name)
    assert shown
    rows = exported(d, persona, reverse("orgs:people_export") + query, "姓名")
    assert sorted(rows) == sorted(shown)


def test_the_compliance_export_holds_exactly_the_filtered_list(matrix_data, db):
    d = matrix_data
    query = "?worker_type=social_worker"
    shown = listed(
        d, h.CS, reverse("support:compliance") + query, lambda w: w.person.name
    )
    assert shown
    rows = exported(d, h.CS, reverse("support:compliance_xlsx") + query, "姓名")
    assert sorted(rows) == sorted(shown)


@pytest.mark.parametrize("persona", [h.CS, h.UH, h.SA])
def test_a_committee_export_holds_the_seats_its_page_shows(matrix_data, db, persona):
    d = matrix_data
    url = reverse("orgs:committee_detail", args=[d.A.committee.pk])
    answer = h.call(d, persona, "GET", url)
    context = answer.response.context
    shown = [s.person.name for s in [*context["current"], *context["history"]]]
    assert shown
    export = reverse("orgs:committee_export", args=[d.A.committee.pk])
    assert sorted(exported(d, persona, export, "姓名")) == sorted(shown)


def test_the_in_service_export_holds_exactly_the_filtered_list(matrix_data, db):
    from volunteers import services
    from volunteers.models import CheckIn

    d = matrix_data
    # given a second in-service member of unit A who served this month
    busy = services.volunteer_register(
        user=d.root,
        community=d.A.community,
        name="勤快党员",
        phone="13700000009",
        kind="in_service",
        employer_unit=d.A.unit,
    )
    checkin = CheckIn.objects.create(
        activity=d.A.activity,
        volunteer=busy,
        street_id=d.A.street.pk,
        community_id=d.A.community.pk,
        employer_unit_id=d.A.unit.pk,
        in_service=True,
        checked_in_at=timezone.now() - timedelta(minutes=5),
    )
    services.attendance_confirm(user=d.root, checkin=checkin, attendance="present")
    # and one who has not served yet
    services.volunteer_register(
        user=d.root,
        community=d.A.community,
        name="未服务党员",
        phone="13700000008",
        kind="in_service",
        employer_unit=d.A.unit,
    )
    today = timezone.localdate()
    base = f"?year={today.year}&month={today.month}&unit={d.A.unit.pk}"
    for query in (base, base + "&below=1"):
        # when the secretary lists the unit's members (all, then those below)
        shown = listed(
            d,
            h.CS,
            reverse("volunteers:inservice_report") + query,
            lambda r: r["volunteer"].person.name,
        )
        rows = exported(
            d, h.CS, reverse("volunteers:inservice_report_xlsx") + query, "姓名"
        )
        # then the export holds the same people
        assert sorted(rows) == sorted(shown), query
    assert "未服务党员" in shown and "勤快党员" not in shown  # the filter filtered


# -- files ------------------------------------------------------------------------------

#: Every view that serves a stored file, with the object it names.
DOWNLOADS = {
    "grids:photo": lambda p: {"pk": p.photo.pk},
    "meetings:attachment": lambda p: {"pk": p.attachment.pk},
    "evaluations:appeal_attachment": lambda p: {"pk": p.appeal.pk},
    "support:spending_attachment": lambda p: {"pk": p.spending.pk},
    "volunteers:claimable_photo": lambda p: {"kind": "posts", "pk": p.post.pk},
}


@pytest.mark.parametrize("route", sorted(DOWNLOADS))
@pytest.mark.parametrize("persona", [h.SA, h.CS])
def test_a_stored_file_is_served_only_within_the_scope(matrix_data, db, route, persona):
    d = matrix_data
    own = h.call(d, persona, "GET", reverse(route, kwargs=DOWNLOADS[route](d.A)))
    assert own.status == 200
    body = (
        b"".join(own.response.streaming_content)
        if own.response.streaming
        else (own.response.content)
    )
    assert body  # the file itself
    other = h.place_of(d, persona, h.OTHER)
    url = reverse(route, kwargs=DOWNLOADS[route](other))
    assert h.call(d, persona, "GET", url).status == 404
    assert h.call(d, h.AN, "GET", url).status == 302  # to sign in


def test_every_file_view_is_in_the_scoped_list():
    """A new view serving uploads must join DOWNLOADS (and the matrix)."""
    import inspect

    from tests.security.harness import _walk_callbacks, get_resolver

    serving = {
        name
        for name, callback in _walk_callbacks(get_resolver().url_patterns)
        if not name.startswith("admin:")
        and (source := _source(callback))
        and ("FileResponse" in source or "photo_open" in source)
    }
    assert serving <= set(DOWNLOADS), serving - set(DOWNLOADS)
    assert inspect  # (source read through the helper below)


def _source(callback):
    import inspect

    try:
        return inspect.getsource(inspect.unwrap(callback))
    except (OSError, TypeError):
        return ""


HOSTILE_NAME = "../../x.php"


def _stored_safely(d, name):
    assert name, "nothing stored"
    assert "x.php" not in name and ".." not in name, name
    path = (Path(d.media_root) / name).resolve()
    assert path.is_relative_to(Path(d.media_root).resolve()), path
    assert path.exists(), path


def test_stored_file_names_are_generated_by_the_server(matrix_data, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evaluations import services as evaluations
    from grids import services as grids
    from meetings import services as meetings
    from support import services as support
    from volunteers import services as volunteers

    d = matrix_data
    # a grid case photo
    case = grids.case_report(
        user=d.root,
        cell=d.A.subcell,
        category="environment",
        title="照片",
        description="照片",
        photos=[png(HOSTILE_NAME)],
    )
    _stored_safely(d, case.photos.get().image.name)
    # minutes' files
    with after(d.B.meeting):
        meetings.meeting_file_minutes(
            user=d.root,
            meeting=d.B.meeting,
            text="<p>纪要</p>",
            files=[png(HOSTILE_NAME)],
        )
    _stored_safely(d, d.B.meeting.attachments.order_by("-pk").first().file.name)
    # a spending voucher
    spending = support.spending_create(
        user=d.root,
        budget=d.A.budget,
        amount="1",
        spent_on=d.A.spending.spent_on,
        purpose="凭证",
        attachment=SimpleUploadedFile(HOSTILE_NAME, PDF_BYTES, "application/pdf"),
    )
    _stored_safely(d, spending.attachment.name)
    assert spending.attachment_name == "x.php"  # kept as a label only
    # an appeal's attachment
    from evaluations.models import Appeal

    Appeal.objects.filter(pk=d.B.appeal.pk).update(status="rejected")
    appeal = evaluations.appeal_submit(
        user=d.B.unit_head,
        unit=d.B.unit,
        reason="请复核本单位的评级结果，附材料。",
        attachment=png(HOSTILE_NAME),
    )
    _stored_safely(d, appeal.attachment)
    # a fulfilled micro-wish's photo
    wish = volunteers.wish_create(user=d.root, community=d.A.community, title="书包")
    volunteers.claimable_claim(user=d.A.unit_head, obj=wish, as_unit=d.A.unit)
    wish = volunteers.claimable_fulfil(
        user=d.A.unit_head, obj=wish, photo=png(HOSTILE_NAME)
    )
    _stored_safely(d, wish.photo)
    # an Excel file waiting for its import
    from orgs.imports import UNIT_COLUMNS, import_job_start
    from tests.orgs.conftest import xlsx_upload

    job = import_job_start(
        user=d.world.secretary_a,
        kind="units",
        upload=xlsx_upload(
            [[c.header for c in UNIT_COLUMNS], ["甲社区", "导入单位", "商户"]],
            name=HOSTILE_NAME + ".xlsx",
        ),
    )
    _stored_safely(d, job.file.name)
    assert job.file_name == "x.php.xlsx"  # kept as a label only
