"""Policy versions, grade overrides, publication and its feedback notices."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from evaluations import scoring, services
from evaluations.models import (
    Evaluation,
    FeedbackCategory,
    Grade,
    GradeOverride,
    Publication,
    ScoringPolicy,
)
from evaluations.selectors import policy_in_force
from portal.models import Notification
from tests.evaluations.conftest import (
    AUGUST,
    JULY,
    JUNE,
    MAY,
    in_service_members,
    publish_month,
    results_snapshot,
    run_month,
)


def new_policy(world, month, **changes):
    fields = {
        "effective_month": month,
        "unit_weights": dict(scoring.DEFAULT_UNIT_WEIGHTS),
        "committee_weights": dict(scoring.DEFAULT_COMMITTEE_WEIGHTS),
        "targets": dict(scoring.DEFAULT_TARGETS),
        "excellent_min": 85,
        "good_min": 70,
        "fair_min": 50,
        "note": "测试修订",
        **changes,
    }
    return services.policy_create(
        user=world.street_admin, street=world.street, **fields
    )


# -- scoring ------------------------------------------------------------------------


def test_the_score_is_the_weighted_mean_of_the_components_that_apply(world):
    policy = services.policy_ensure_default(street=world.street)
    metrics = {
        "meetings_invited": 0,  # no meeting: attendance does not apply
        "meetings_attended": 0,
        "actions_due": 4,
        "actions_on_time": 3,  # 75
        "members_in_service": 10,
        "members_served": 5,  # 50
        "wishes_fulfilled": 2,  # 2 + 0 + 1 co-building services, target 2: 100
        "posts_fulfilled": 0,
        "group_events": 1,
    }
    score, breakdown = scoring.score(policy, "unit", metrics)
    # (25×75 + 20×50 + 30×100) / 75
    assert score == Decimal("78.33")
    assert breakdown["attendance"]["score"] is None
    assert breakdown["co_building"]["score"] == 100.0
    assert policy.grade_for(score) == Grade.GOOD
    # one service of the two expected earns half marks for it
    half = scoring.score(policy, "unit", {"posts_fulfilled": 1})[1]
    assert half["co_building"]["score"] == 50.0


def test_a_committee_that_held_no_meeting_scores_zero_for_minutes(world):
    policy = services.policy_ensure_default(street=world.street)
    score, breakdown = scoring.score(policy, "committee", {})
    assert breakdown["minutes"]["score"] == 0.0
    assert score == Decimal("0.00")


# -- policy versions ---------------------------------------------------------------------


def test_editing_the_policy_creates_a_new_version_and_keeps_the_old(world):
    original = services.policy_ensure_default(street=world.street)
    created = new_policy(world, JUNE, excellent_min=95, note="提高优秀线")
    original.refresh_from_db()
    assert (original.version, original.excellent_min) == (1, Decimal("85.00"))
    assert (created.version, created.excellent_min) == (2, Decimal("95.00"))
    assert created.created_by == world.street_admin
    assert policy_in_force(street=world.street, month=MAY) == original
    assert policy_in_force(street=world.street, month=JUNE) == created
    assert ScoringPolicy.objects.filter(street=world.street).count() == 2


def test_a_run_uses_the_policy_in_force_for_its_month(world, committees):
    services.policy_ensure_default(street=world.street)
    june_policy = new_policy(world, JUNE, fair_min=0, good_min=1, excellent_min=2)
    may = run_month(world.street, MAY, world.street_admin)
    june = run_month(world.street, JUNE, world.street_admin)
    assert may.policy.version == 1
    assert june.policy == june_policy
    assert Evaluation.objects.filter(month=JUNE).first().policy == june_policy


def test_changing_the_policy_never_changes_a_published_month(world, committees):
    # given May published under version 1 (every unit poor: no activity)
    in_service_members(world, world.unit_a, 2)
    publication = publish_month(world, MAY)
    before = results_snapshot(MAY)
    # when the admin lowers every threshold from June on
    lenient = new_policy(world, JUNE, fair_min=0, good_min=1, excellent_min=2)
    # then May keeps its policy, its results and stays frozen
    assert results_snapshot(MAY) == before
    publication.refresh_from_db()
    assert publication.policy.version == 1
    assert policy_in_force(street=world.street, month=MAY).version == 1
    assert set(
        Evaluation.objects.filter(month=MAY).values_list("policy__version", flat=True)
    ) == {1}
    with pytest.raises(ValidationError, match="已发布"):
        services.evaluation_run_start(
            user=world.street_admin, street=world.street, month=MAY
        )
    # and June is graded under the new version
    run_month(world.street, JUNE, world.street_admin)
    assert {e.policy for e in Evaluation.objects.filter(month=JUNE)} == {lenient}


def test_a_new_version_cannot_take_effect_in_a_published_month(world, committees):
    publish_month(world, JUNE)
    for month in (MAY, JUNE):
        with pytest.raises(ValidationError, match="晚于最近已发布的月份"):
            new_policy(world, month)
    assert new_policy(world, JULY).version == 2


def test_policy_rules_are_checked(world):
    with pytest.raises(ValidationError, match="优秀 > 良好 > 一般"):
        new_policy(world, JUNE, excellent_min=70, good_min=75)
    with pytest.raises(ValidationError, match="至少要有一项"):
        new_policy(world, JUNE, committee_weights={"action_items": 0})
    with pytest.raises(ValidationError, match="未知的指标"):
        new_policy(world, JUNE, unit_weights={"bogus": 10})
    with pytest.raises(PermissionDenied):
        services.policy_create(
            user=world.street_staff,
            street=world.street,
            effective_month=JUNE,
            unit_weights={},
            committee_weights={},
            targets={},
            excellent_min=90,
            good_min=75,
            fair_min=60,
        )


def test_publishing_with_results_of_a_superseded_policy_is_refused(world, committees):
    run_month(world.street, JULY, world.street_admin)
    new_policy(world, JULY, excellent_min=99)
    with pytest.raises(ValidationError, match="重新评议"):
        services.month_publish(user=world.street_admin, street=world.street, month=JULY)


# -- overrides ---------------------------------------------------------------------------


def test_an_override_records_who_when_from_to_and_why(world, committees):
    # given May computed (unit A poor)
    run_month(world.street, MAY, world.street_admin)
    evaluation = Evaluation.objects.get(month=MAY, unit=world.unit_a)
    assert evaluation.grade == Grade.POOR
    # when the admin overrides it with a reason
    override = services.evaluation_override(
        user=world.street_admin,
        evaluation=evaluation,
        grade=Grade.GOOD,
        reason="该单位本月承担创文重点任务，数据未录入",
    )
    # then the grade changes, the computed grade stays and the history has it all
    evaluation.refresh_from_db()
    assert (evaluation.grade, evaluation.computed_grade) == (Grade.GOOD, Grade.POOR)
    assert evaluation.overridden
    history = GradeOverride.objects.get(evaluation=evaluation)
    assert history == override
    assert (history.from_grade, history.to_grade) == (Grade.POOR, Grade.GOOD)
    assert history.created_by == world.street_admin and history.created_at
    assert "创文" in history.reason
    # and a rerun keeps the admin's grade
    run_month(world.street, MAY, world.street_admin)
    evaluation.refresh_from_db()
    assert evaluation.grade == Grade.GOOD and evaluation.overridden


def test_an_override_needs_a_reason_a_new_grade_and_an_admin(world, committees):
    run_month(world.street, MAY, world.street_admin)
    evaluation = Evaluation.objects.get(month=MAY, unit=world.unit_a)
    with pytest.raises(ValidationError, match="理由"):
        services.evaluation_override(
            user=world.street_admin, evaluation=evaluation, grade="good", reason=" "
        )
    with pytest.raises(ValidationError, match="相同"):
        services.evaluation_override(
            user=world.street_admin,
            evaluation=evaluation,
            grade=evaluation.grade,
            reason="没有变化的调整",
        )
    with pytest.raises(PermissionDenied):
        services.evaluation_override(
            user=world.street_staff,
            evaluation=evaluation,
            grade="good",
            reason="越权调整等次",
        )
    assert not GradeOverride.objects.exists()


# -- publication -----------------------------------------------------------------------


def test_publishing_freezes_the_month_and_sends_feedback_worded_by_grade(
    world, committees
):
    # given May computed; unit A raised to excellent, committee A left poor
    run_month(world.street, MAY, world.street_admin)
    services.evaluation_override(
        user=world.street_admin,
        evaluation=Evaluation.objects.get(month=MAY, unit=world.unit_a),
        grade=Grade.EXCELLENT,
        reason="本月牵头完成创文迎检",
    )
    # when the admin publishes May
    publication = services.month_publish(
        user=world.street_admin, street=world.street, month=MAY
    )
    # then every row is published with its feedback category and text
    rows = Evaluation.objects.filter(month=MAY)
    assert all(row.publication_id == publication.pk for row in rows)
    unit_a = rows.get(unit=world.unit_a)
    assert unit_a.feedback_category == FeedbackCategory.PRAISE
    assert rows.get(unit=world.unit_b).feedback_category == FeedbackCategory.INTERVIEW
    # and the unit's head got the praise, the secretary of A the interview notice
    praise = Notification.objects.get(recipient=world.unit_head_a)
    assert "优秀" in praise.title and "通报表扬" in praise.body
    assert "各项指标" in praise.body
    assert praise.link == f"/evaluations/results/{unit_a.pk}/"
    assert "在职党员报到服务率" in praise.body
    interview = Notification.objects.get(recipient=world.secretary_a)
    assert "甲社区大党委" in interview.title and "约谈" in interview.body
    assert publication.notices_sent == 3  # unit head A, secretaries of A and B


def test_a_month_must_be_computed_before_it_is_published(world):
    with pytest.raises(ValidationError, match="尚未完成"):
        services.month_publish(user=world.street_admin, street=world.street, month=MAY)
    with pytest.raises(PermissionDenied):
        services.month_publish(user=world.street_staff, street=world.street, month=MAY)


@pytest.mark.django_db(transaction=True)
def test_two_admins_publishing_at_once_make_exactly_one_publication(world, committees):
    assert connection.vendor == "postgresql"
    # given May computed and a second admin
    from portal.models import Role
    from tests.conftest import _user

    other_admin = _user(
        "admin_two", Role.STREET_ADMIN, world.street, street=world.street
    )
    run_month(world.street, MAY, world.street_admin)
    barrier = threading.Barrier(2)
    outcomes = []

    def publish(user):
        try:
            barrier.wait()
            services.month_publish(user=user, street=world.street, month=MAY)
            outcomes.append("published")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    # when both press "publish" at the same moment
    threads = [
        threading.Thread(target=publish, args=(u,))
        for u in (world.street_admin, other_admin)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then one publication, one clear refusal, and one set of notices
    assert sorted(outcomes)[-1] == "published"
    assert outcomes.count("published") == 1
    assert "已" in [o for o in outcomes if o != "published"][0]
    assert Publication.objects.filter(month=MAY).count() == 1
    assert Notification.objects.filter(recipient=world.unit_head_a).count() == 1


def test_a_month_evaluated_after_the_next_one_is_published_still_publishes(
    world, committees
):
    publish_month(world, JUNE)
    run_month(world.street, AUGUST, world.street_admin)
    services.month_publish(user=world.street_admin, street=world.street, month=AUGUST)
    assert Publication.objects.count() == 2


@pytest.mark.postgres
def test_history_rows_cannot_be_edited_or_deleted_in_the_database(world, committees):
    from django.db import IntegrityError, transaction

    run_month(world.street, MAY, world.street_admin)
    override = services.evaluation_override(
        user=world.street_admin,
        evaluation=Evaluation.objects.get(month=MAY, unit=world.unit_a),
        grade=Grade.GOOD,
        reason="补录了签到材料",
    )
    policy = ScoringPolicy.objects.get(street=world.street)
    for attempt in (
        lambda: GradeOverride.objects.filter(pk=override.pk).update(reason="改写历史"),
        lambda: GradeOverride.objects.filter(pk=override.pk).delete(),
        lambda: ScoringPolicy.objects.filter(pk=policy.pk).update(excellent_min=50),
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            attempt()
    override.refresh_from_db()
    assert override.reason == "补录了签到材料"
