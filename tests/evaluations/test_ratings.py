"""Credit levels and stars (S23/S24): the documented rules, decisions, appeals
with attachments, and who may see them."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from evaluations import services
from evaluations.models import (
    Appeal,
    AppealAction,
    AppealStatus,
    CreditLevel,
    CreditRating,
    Grade,
    RatingSource,
)
from portal.models import Notification
from tests.conftest import login
from tests.evaluations.conftest import (
    AUGUST,
    JULY,
    JUNE,
    MAY,
    run_month,
    set_grades,
)

E, G, F, P = Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "counts, expected",
    [
        ({E: 12}, ("A", 5)),
        ({E: 6, G: 6}, ("A", 5)),
        ({G: 12}, ("A", 5)),  # average 3.0
        ({E: 11, P: 1}, ("A", 4)),
        ({E: 10, P: 2}, ("A", 4)),  # at most two poor months for A
        ({E: 9, P: 3}, ("B", 4)),  # average 3.25, but three poor months
        ({G: 6, F: 6}, ("B", 4)),  # average 2.5
        ({F: 12}, ("C", 3)),  # average 2.0
        ({F: 9, P: 3}, ("D", 2)),  # average 1.75
        ({G: 6, P: 6}, ("D", 3)),  # average 2.0 is C; half the months poor: lower
        ({P: 12}, ("D", 1)),
        ({E: 2}, None),  # fewer than 3 months: not rated
    ],
)
def test_the_documented_rules(counts, expected):
    result = services.credit_rules(counts)
    if expected is None:
        assert result is None
        return
    level, stars, basis = result
    assert basis["months"] == sum(counts.values())
    assert (level, stars) == expected


def three_published_months(world, committees, grades_by_month):
    """Publish May–July with the given grades of units A and B."""
    for month, grades in zip((MAY, JUNE, JULY), grades_by_month, strict=True):
        run_month(world.street, month, world.street_admin)
        set_grades(month, grades)
        services.month_publish(
            user=world.street_admin, street=world.street, month=month
        )


@pytest.fixture
def rated(world, committees):
    """Units A (private) and B (merchant) rated after three published months."""
    three_published_months(
        world,
        committees,
        [
            {world.unit_a: E, world.unit_b: F},
            {world.unit_a: E, world.unit_b: P},
            {world.unit_a: G, world.unit_b: F},
        ],
    )
    return world


def test_publishing_rates_out_of_system_units_only(rated):
    world = rated
    # A: 4,4,3 → average 3.67, no poor → A, 5 stars; B: 2,1,2 → 1.67 → D, 2 stars
    a = CreditRating.objects.filter(unit=world.unit_a).latest("id")
    b = CreditRating.objects.filter(unit=world.unit_b).latest("id")
    assert (a.level, a.stars, a.source) == ("A", 5, RatingSource.DERIVED)
    assert (b.level, b.stars) == ("D", 2)
    assert a.basis["months"] == 3 and a.basis["excellent"] == 2
    assert a.as_of_month == JULY
    # the agency (in-system) is never rated: ratings are for organisations
    # outside the system only, and no person is ever rated
    assert not CreditRating.objects.filter(unit=world.unit_a2).exists()
    assert {f.name for f in CreditRating._meta.fields}.isdisjoint(
        {"person", "user", "resident"}
    )


def test_an_unchanged_result_adds_no_history_row(rated):
    world = rated
    before = CreditRating.objects.count()
    services.credit_ratings_derive(street=world.street, as_of=JULY)
    assert CreditRating.objects.count() == before


def test_an_admin_decision_is_kept_with_its_reason_until_the_data_moves(rated):
    world = rated
    current = CreditRating.objects.filter(unit=world.unit_b).latest("id")
    # when the admin raises B to C / 2 stars with a reason
    decision = services.credit_rating_decide(
        user=world.street_admin,
        unit=world.unit_b,
        level=CreditLevel.C,
        stars=2,
        reason="已完成整改并通过复查",
    )
    # then it is a new history row pointing at the previous one
    assert decision.previous == current
    assert (decision.level, decision.stars, decision.source) == ("C", 2, "decision")
    assert (decision.derived_level, decision.derived_stars) == ("D", 2)
    assert decision.decided_by == world.street_admin
    # and deriving again with the same data keeps the decision
    services.credit_ratings_derive(street=world.street, as_of=JULY)
    assert CreditRating.objects.filter(unit=world.unit_b).latest("id") == decision
    assert CreditRating.objects.filter(unit=world.unit_b).count() == 2


def test_a_decision_needs_a_reason_an_admin_and_an_out_of_system_unit(rated):
    world = rated
    with pytest.raises(ValidationError, match="理由"):
        services.credit_rating_decide(
            user=world.street_admin, unit=world.unit_b, level="C", stars=2, reason=""
        )
    with pytest.raises(PermissionDenied):
        services.credit_rating_decide(
            user=world.street_staff,
            unit=world.unit_b,
            level="C",
            stars=2,
            reason="越权评定等级",
        )
    with pytest.raises(ValidationError, match="体制外"):
        services.credit_rating_decide(
            user=world.street_admin,
            unit=world.unit_a2,
            level="A",
            stars=5,
            reason="机关单位不评级",
        )


def test_the_appeal_flow_both_sides_see_the_history(rated, client):
    world = rated
    # given unit A's head disagrees with a lowered rating
    services.credit_rating_decide(
        user=world.street_admin,
        unit=world.unit_a,
        level=CreditLevel.B,
        stars=3,
        reason="群众投诉占道经营",
    )
    # when he appeals with a reason and a PDF
    head = login(world.unit_head_a)
    response = head.post(
        f"/evaluations/ratings/units/{world.unit_a.pk}/",
        {
            "action": "appeal",
            "reason": "占道经营系相邻商户所为，附城管部门出具的情况说明。",
            "attachment": SimpleUploadedFile("说明.pdf", PDF, "application/pdf"),
        },
    )
    appeal = Appeal.objects.get(unit=world.unit_a)
    assert response.status_code == 302
    assert appeal.status == AppealStatus.OPEN
    assert appeal.attachment.startswith("evaluations/appeals/")
    assert "说明" not in appeal.attachment  # the server names the file
    assert Notification.objects.filter(
        recipient=world.street_admin, kind="evaluations.appeal"
    ).exists()
    # and a second appeal while this one is open is refused
    with pytest.raises(ValidationError, match="待处理"):
        services.appeal_submit(
            user=world.unit_head_a, unit=world.unit_a, reason="再次申诉，理由同上。"
        )
    # when the admin accepts it and restores A / 5 stars
    admin = login(world.street_admin)
    response = admin.post(
        f"/evaluations/appeals/{appeal.pk}/",
        {
            "decision": "accept",
            "level": "A",
            "stars": "5",
            "reason": "经核实，占道经营非该单位所为。",
        },
    )
    assert response.status_code == 302
    # then the rating history has the appeal's outcome on top
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.ACCEPTED
    latest = CreditRating.objects.filter(unit=world.unit_a).latest("id")
    assert latest == appeal.result_rating
    assert (latest.level, latest.stars, latest.source) == ("A", 5, "appeal")
    assert list(appeal.events.values_list("action", flat=True)) == [
        AppealAction.SUBMITTED,
        AppealAction.ACCEPTED,
    ]
    # and both sides see the whole history
    for client_ in (head, admin):
        page = client_.get(f"/evaluations/appeals/{appeal.pk}/").content.decode()
        assert "经核实，占道经营非该单位所为。" in page
        assert "占道经营系相邻商户所为" in page
        assert "申诉改定" in page and "管理员决定" in page
    assert Notification.objects.filter(
        recipient=world.unit_head_a, kind="evaluations.appeal"
    ).exists()
    # and a decided appeal cannot be decided again
    with pytest.raises(ValidationError, match="已处理"):
        services.appeal_decide(
            user=world.street_admin, appeal=appeal, accept=False, reason="重复处理"
        )
    # and the attachment comes back only through the scoped view
    download = head.get(f"/evaluations/appeals/{appeal.pk}/attachment/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"


def test_a_rejected_appeal_keeps_the_rating(rated):
    world = rated
    before = CreditRating.objects.filter(unit=world.unit_a).latest("id")
    appeal = services.appeal_submit(
        user=world.unit_head_a, unit=world.unit_a, reason="希望提高星级，请予考虑。"
    )
    services.appeal_decide(
        user=world.street_admin, appeal=appeal, accept=False, reason="依据充分，维持"
    )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REJECTED
    assert CreditRating.objects.filter(unit=world.unit_a).latest("id") == before


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("a.exe", b"MZ\x90\x00binary", "PDF、JPG 或 PNG"),
        ("fake.png", b"\x89PNG\r\n\x1a\nnot really a png", "损坏"),
        ("empty.pdf", b"", "空文件"),
    ],
)
def test_an_appeal_attachment_is_checked_by_content(rated, name, content, message):
    world = rated
    with pytest.raises(ValidationError, match=message):
        services.appeal_submit(
            user=world.unit_head_a,
            unit=world.unit_a,
            reason="附件检查的测试申诉理由。",
            attachment=SimpleUploadedFile(name, content),
        )
    assert not Appeal.objects.exists()


def test_an_appeal_attachment_has_a_size_cap(rated):
    world = rated
    with (
        override_settings(PORTAL_MAX_UPLOAD_BYTES=100),
        pytest.raises(ValidationError, match="不能超过"),
    ):
        services.appeal_submit(
            user=world.unit_head_a,
            unit=world.unit_a,
            reason="附件过大的测试申诉理由。",
            attachment=SimpleUploadedFile("big.pdf", PDF + b"0" * 200),
        )
    appeal = services.appeal_submit(
        user=world.unit_head_a,
        unit=world.unit_a,
        reason="附件为图片的测试申诉理由。",
        attachment=SimpleUploadedFile("photo.png", png_bytes()),
    )
    assert appeal.attachment_type == "image/png"


def test_only_the_units_head_may_appeal(rated, unit_head_b):
    world = rated
    with pytest.raises(PermissionDenied):
        services.appeal_submit(
            user=world.unit_head_a, unit=world.unit_b, reason="替别的单位申诉不行。"
        )
    with pytest.raises(PermissionDenied):
        services.appeal_submit(
            user=world.street_admin, unit=world.unit_a, reason="街道不能替单位申诉。"
        )


def test_appeals_and_attachments_of_another_scope_are_404(rated, unit_head_b):
    world = rated
    appeal = services.appeal_submit(
        user=world.unit_head_a,
        unit=world.unit_a,
        reason="作用域测试的申诉理由。",
        attachment=SimpleUploadedFile("a.pdf", PDF),
    )
    for persona in (unit_head_b, world.secretary_b):
        client = login(persona)
        assert client.get(f"/evaluations/appeals/{appeal.pk}/").status_code == 404
        assert (
            client.get(f"/evaluations/appeals/{appeal.pk}/attachment/").status_code
            == 404
        )
        assert (
            client.get(f"/evaluations/ratings/units/{world.unit_a.pk}/").status_code
            == 404
        )
    secretary = login(world.secretary_a)
    assert secretary.get(f"/evaluations/appeals/{appeal.pk}/").status_code == 200
    # the secretary sees it but may not decide it
    response = secretary.post(
        f"/evaluations/appeals/{appeal.pk}/",
        {"decision": "reject", "reason": "书记无权处理"},
    )
    assert response.status_code == 403
    assert login(world.grid_worker_a).get("/evaluations/appeals/").status_code == 403


def test_overrides_ratings_and_appeals_are_in_the_audit_log_with_who(rated):
    from auditlog.context import set_actor
    from auditlog.models import LogEntry

    from evaluations.models import Evaluation, GradeOverride

    world = rated
    # given the admin overrides a grade of a month not yet published
    run_month(world.street, AUGUST, world.street_admin)
    evaluation = Evaluation.objects.get(unit=world.unit_b, month=AUGUST)
    with set_actor(world.street_admin):
        override = services.evaluation_override(
            user=world.street_admin,
            evaluation=evaluation,
            grade=Grade.EXCELLENT,
            reason="数据漏报，经核实调整",
        )
    with set_actor(world.unit_head_a):
        appeal = services.appeal_submit(
            user=world.unit_head_a, unit=world.unit_a, reason="希望提高星级，请予考虑。"
        )
    with set_actor(world.street_admin):
        services.appeal_decide(
            user=world.street_admin,
            appeal=appeal,
            accept=True,
            reason="材料属实",
            level=CreditLevel.B,
            stars=4,
        )
    # then each change is logged with who did it and what changed
    grade_change = LogEntry.objects.get_for_object(evaluation).latest("id")
    assert grade_change.actor_id == world.street_admin.pk
    assert grade_change.changes_dict["grade"][1] == Grade.EXCELLENT
    assert (
        LogEntry.objects.get_for_model(GradeOverride)
        .get(object_id=override.pk)
        .actor_id
        == world.street_admin.pk
    )
    appeal_log = LogEntry.objects.get_for_object(appeal).order_by("id")
    assert [(e.action, e.actor_id) for e in appeal_log] == [
        (LogEntry.Action.CREATE, world.unit_head_a.pk),
        (LogEntry.Action.UPDATE, world.street_admin.pk),
    ]
    assert appeal_log.last().changes_dict["status"][1] == AppealStatus.ACCEPTED
    new_rating = CreditRating.objects.filter(unit=world.unit_a).latest("id")
    assert LogEntry.objects.get_for_object(new_rating).get().actor_id == (
        world.street_admin.pk
    )


def test_an_image_attached_to_an_appeal_is_stored_re_encoded(rated):
    from django.core.files.storage import default_storage

    world = rated
    data = png_bytes() + b"PK\x03\x04 a zip hidden after the picture"
    appeal = services.appeal_submit(
        user=world.unit_head_a,
        unit=world.unit_a,
        reason="附件为截图的测试申诉理由。",
        attachment=SimpleUploadedFile("shot.png", data),
    )
    with default_storage.open(appeal.attachment, "rb") as handle:
        stored = handle.read()
    assert stored.startswith(b"\x89PNG") and b"PK\x03\x04" not in stored
    assert appeal.attachment_type == "image/png"
    assert appeal.attachment_size == len(stored)
