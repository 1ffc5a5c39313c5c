"""Graded feedback reaches every unit: the heads' inbox, else an SMS to the
contact's mobile, else the unit is listed as not reached with a printable
notice (issue 16, item 4)."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations import services
from evaluations.models import (
    DeliveryChannel,
    DeliveryState,
    Evaluation,
    FeedbackDelivery,
    Grade,
    Publication,
)
from evaluations.selectors import delivery_counts
from orgs.models import OrgKind
from orgs.services import org_node_create
from portal.models import Channel, Notification, Reminder, Role
from portal.tasks import send_due_reminders
from tests.conftest import _user, login
from tests.evaluations.conftest import JUNE, MAY, more_units, run_month

pytestmark = pytest.mark.dates

PHONE_A2 = "13912345678"
SENT = []


class RecordingSms:
    """Stand-in for the SMS gateway (a true boundary)."""

    def send(self, *, phone, text):
        SENT.append((phone, text))


@pytest.fixture
def sms(settings):
    settings.PORTAL_SMS_BACKEND = "tests.evaluations.test_delivery.RecordingSms"
    SENT.clear()
    yield SENT
    SENT.clear()


@pytest.fixture
def reach(world, committees):
    """Unit A has a head's account, unit A2 only a contact's mobile, unit B
    neither (the 大党委s of A and B reach their secretaries)."""
    world.unit_a2.contact_name = "王联系"
    world.unit_a2.contact_phone = PHONE_A2
    world.unit_a2.save(update_fields=["contact_name", "contact_phone"])
    return world


def publish(world, month=MAY):
    run_month(world.street, month, world.street_admin)
    return services.month_publish(
        user=world.street_admin, street=world.street, month=month
    )


def delivery_of(unit, month=MAY):
    return FeedbackDelivery.objects.get(evaluation__unit=unit, evaluation__month=month)


def feedback_sms():
    return Reminder.objects.filter(key__startswith="evaluations:feedback:")


def states(world, publication):
    return delivery_counts(user=world.street_admin, publication=publication)


# -- the publish step ----------------------------------------------------------------------


def test_a_unit_with_a_head_account_gets_its_graded_feedback_in_the_inbox(reach):
    world = reach
    # when May is published
    publication = publish(world)
    # then unit A's head has the feedback: grade, score, what to improve
    result = Evaluation.objects.get(month=MAY, unit=world.unit_a)
    notice = Notification.objects.get(recipient=world.unit_head_a)
    assert str(Grade(result.grade).label) in notice.title
    assert str(result.score) in notice.body and "各项指标" in notice.body
    assert notice.link == f"/evaluations/results/{result.pk}/"
    row = delivery_of(world.unit_a)
    assert (row.channel, row.recipients, row.reminder) == (
        DeliveryChannel.INBOX,
        1,
        None,
    )
    assert publication.outcome.inbox == 3  # unit A, the 大党委s of A and B
    # and no SMS for a unit whose head has an account
    assert not feedback_sms().filter(
        key__startswith=f"evaluations:feedback:{result.pk}:"
    )


def test_a_unit_without_an_account_gets_an_sms_to_its_contact_sent_once(reach, sms):
    world = reach
    # given May published: unit A2 has no head's account, a contact's mobile
    publication = publish(world)
    result = Evaluation.objects.get(month=MAY, unit=world.unit_a2)
    reminder = feedback_sms().get()
    assert (reminder.channel, reminder.target, reminder.recipient) == (
        Channel.SMS,
        PHONE_A2,
        None,
    )
    assert (
        "甲二单位" in reminder.subject
        and str(Grade(result.grade).label) in reminder.subject
    )
    assert str(result.score) in reminder.body
    assert delivery_of(world.unit_a2).reminder == reminder
    assert states(world, publication)[DeliveryState.PENDING] == 1
    assert publication.outcome.sms == 1
    # when the sender task runs, twice
    send_due_reminders()
    send_due_reminders()
    # then one SMS went to the contact, with the feedback
    assert [phone for phone, _text in sms] == [PHONE_A2]
    assert "各项指标" in sms[0][1]
    reminder.refresh_from_db()
    assert reminder.sent_at is not None
    counts = states(world, publication)
    assert counts[DeliveryState.PENDING] == 0
    assert counts[DeliveryState.DELIVERED] == 4


def test_a_unit_with_neither_is_undeliverable_and_the_street_hears_of_it(reach):
    world = reach
    # when May is published: unit B has no head's account and no contact
    publication = publish(world)
    # then nothing is sent for it and it is counted as not reached
    row = delivery_of(world.unit_b)
    assert (row.channel, row.reminder) == (DeliveryChannel.NONE, None)
    assert states(world, publication) == {
        DeliveryState.DELIVERED: 3,
        DeliveryState.PENDING: 1,
        DeliveryState.UNDELIVERABLE: 1,
    }
    assert publication.outcome.undeliverable == 1
    # the street's 大工委 answers to the street itself: no row
    assert FeedbackDelivery.objects.filter(publication=publication).count() == 5


def test_a_landline_is_no_way_to_send_an_sms(reach):
    world = reach
    # given unit B's contact has a landline only
    world.unit_b.contact_phone = "0571-87654321"
    world.unit_b.save(update_fields=["contact_phone"])
    # when May is published
    publish(world)
    # then no SMS goes to the landline and the page says why
    assert not feedback_sms().filter(target="0571-87654321").exists()
    assert delivery_of(world.unit_b).channel == DeliveryChannel.NONE
    html = login(world.street_admin).get(
        "/evaluations/results/deliveries/?month=2024-05&state=undeliverable"
    )
    assert "不是手机号" in html.content.decode()


def test_republishing_and_retrying_send_nothing_twice(reach, sms):
    world = reach
    # given May published and its SMS sent
    publication = publish(world)
    send_due_reminders()
    notices, reminders = Notification.objects.count(), feedback_sms().count()
    # when the admin publishes May again
    with pytest.raises(ValidationError, match="已发布"):
        services.month_publish(user=world.street_admin, street=world.street, month=MAY)
    # and retries the deliveries (nothing changed)
    outcome = services.feedback_redeliver(
        user=world.street_admin, publication=publication
    )
    send_due_reminders()
    # then nobody got anything more
    assert (outcome.inbox, outcome.sms, outcome.notices) == (0, 0, 0)
    assert Notification.objects.count() == notices
    assert feedback_sms().count() == reminders
    assert len(sms) == 1
    # when unit B's head gets an account and A2 gains an account too
    head_b = _user("unit_head_b", Role.UNIT_HEAD, world.unit_b, street=world.street)
    _user("unit_head_a2", Role.UNIT_HEAD, world.unit_a2, street=world.street)
    services.feedback_redeliver(user=world.street_admin, publication=publication)
    services.feedback_redeliver(user=world.street_admin, publication=publication)
    send_due_reminders()
    # then only B's head is told, once; A2 (told by SMS) is not told again
    assert Notification.objects.filter(recipient=head_b).count() == 1
    assert not Notification.objects.filter(recipient__username="unit_head_a2")
    assert Notification.objects.filter(recipient=world.unit_head_a).count() == 1
    assert len(sms) == 1
    assert states(world, publication)[DeliveryState.UNDELIVERABLE] == 0
    publication.refresh_from_db()
    assert publication.notices_sent == 4
    # and the month's results never moved
    assert not Evaluation.objects.filter(month=MAY, publication__isnull=True)


def test_only_a_street_admin_retries(reach):
    world = reach
    publication = publish(world)
    with pytest.raises(PermissionDenied):
        services.feedback_redeliver(user=world.street_staff, publication=publication)
    response = login(world.street_staff).post(
        "/evaluations/results/deliveries/retry/", {"month": "2024-05"}
    )
    assert response.status_code == 403


def test_a_contact_who_gains_a_mobile_gets_the_sms_on_retry(reach, sms):
    world = reach
    publication = publish(world)
    # when unit B's contact is given a mobile and the admin retries on the page
    world.unit_b.contact_phone = "13700001111"
    world.unit_b.save(update_fields=["contact_phone"])
    response = login(world.street_admin).post(
        "/evaluations/results/deliveries/retry/", {"month": "2024-05"}, follow=True
    )
    assert "1 个对象待发短信" in response.content.decode()
    send_due_reminders()
    # then B's contact got the SMS and every unit is reached
    assert sorted(phone for phone, _text in sms) == ["13700001111", PHONE_A2]
    assert states(world, publication)[DeliveryState.UNDELIVERABLE] == 0


def test_an_sms_that_keeps_failing_becomes_undeliverable_and_is_not_resent(
    reach, settings
):
    world = reach
    settings.PORTAL_SMS_BACKEND = "tests.evaluations.test_delivery.BrokenSms"
    publication = publish(world)
    reminder = feedback_sms().get()
    # when the gateway refuses it until the attempts are spent
    Reminder.objects.filter(pk=reminder.pk).update(attempts=4)
    send_due_reminders()
    # then it counts as not reached, with the gateway's answer
    counts = states(world, publication)
    assert counts[DeliveryState.UNDELIVERABLE] == 2
    html = login(world.street_admin).get(
        "/evaluations/results/deliveries/?month=2024-05&state=undeliverable"
    )
    assert "短信发送失败" in html.content.decode()
    # and a retry to the same phone schedules nothing new
    services.feedback_redeliver(user=world.street_admin, publication=publication)
    assert feedback_sms().count() == 1


class BrokenSms:
    def send(self, *, phone, text):
        raise ConnectionError("网关拒绝")


def test_the_publish_step_takes_the_same_queries_for_more_units(world, committees):
    # given May: three units (a head, a contact's mobile, neither)
    world.unit_a2.contact_phone = PHONE_A2
    world.unit_a2.save(update_fields=["contact_phone"])
    run_month(world.street, MAY, world.street_admin)

    def publish_queries(month):
        ContentType.objects.clear_cache()  # the audit log's lookups, both times
        with CaptureQueriesContext(connection) as captured:
            services.month_publish(
                user=world.street_admin, street=world.street, month=month
            )
        return len(captured)

    small = publish_queries(MAY)
    # when June has nine units more: three of each kind
    extra = more_units(world, 9, prefix="Q")
    for unit in extra[:3]:
        _user(f"head_{unit.pk}", Role.UNIT_HEAD, unit, street=world.street)
    for i, unit in enumerate(extra[3:6]):
        unit.contact_phone = f"1390000000{i}"
        unit.save(update_fields=["contact_phone"])
    run_month(world.street, JUNE, world.street_admin)
    large = publish_queries(JUNE)
    # then publishing sends as many queries
    assert large == small
    counts = states(world, Publication.objects.get(month=JUNE))
    assert counts == {
        DeliveryState.DELIVERED: 6,
        DeliveryState.PENDING: 4,
        DeliveryState.UNDELIVERABLE: 4,
    }


# -- the pages ----------------------------------------------------------------------------


def _count_links(html):
    return {
        state: int(n)
        for state, n in re.findall(
            r'data-testid="delivery-(\w+)" data-count="(\d+)"', html
        )
    }


def test_the_publication_page_counts_link_to_the_rows_they_count(reach):
    world = reach
    publish(world)
    admin = login(world.street_admin)
    # when the admin opens the published month
    html = admin.get("/evaluations/results/?month=2024-05").content.decode()
    counts = _count_links(html)
    assert counts == {"delivered": 3, "pending": 1, "undeliverable": 1}
    # then each count links to the list of exactly that many rows
    for state, n in counts.items():
        link = f"/evaluations/results/deliveries/?month=2024-05&amp;state={state}"
        assert link in html
        page = admin.get(
            "/evaluations/results/deliveries/", {"month": "2024-05", "state": state}
        ).content.decode()
        rows = re.findall(r'data-testid="delivery-row" data-state="(\w+)"', page)
        assert rows == [state] * n
    undelivered = admin.get(
        "/evaluations/results/deliveries/?month=2024-05&state=undeliverable"
    ).content.decode()
    assert "乙单位" in undelivered and "甲二单位" not in undelivered
    assert "未送达" in undelivered


def test_secretaries_see_no_delivery_counts(reach):
    world = reach
    publish(world)
    html = (
        login(world.secretary_a)
        .get("/evaluations/results/?month=2024-05")
        .content.decode()
    )
    assert "delivery-counts" not in html
    assert (
        login(world.secretary_a).get("/evaluations/results/deliveries/").status_code
        == 403
    )


def test_the_undeliverable_units_notices_print_on_one_page(reach):
    world = reach
    publish(world)
    result = Evaluation.objects.get(month=MAY, unit=world.unit_b)
    # when staff open the printable notices of May's unreached units
    html = (
        login(world.street_staff)
        .get("/evaluations/results/deliveries/print/?month=2024-05")
        .content.decode()
    )
    # then there is unit B's notice, with its grade, score and feedback
    notices = re.findall(r'data-testid="feedback-notice" data-evaluation="(\d+)"', html)
    assert notices == [str(result.pk)]
    assert "乙单位" in html and str(result.score) in html
    assert str(Grade(result.grade).label) in html and "各项指标" in html
    assert "签收人" in html and "data-print" in html
    # and one unit's notice prints on its own too
    one = login(world.street_staff).get(f"/evaluations/results/{result.pk}/notice/")
    assert one.status_code == 200
    assert "乙单位" in one.content.decode()


def test_other_street_staff_get_404_on_the_printable_notice(reach):
    world = reach
    publish(world)
    result = Evaluation.objects.get(month=MAY, unit=world.unit_b)
    street_y = org_node_create(kind=OrgKind.STREET, name="外街道", code="Y")
    staff_y = _user("staff_y", Role.STREET_STAFF, street_y, street=street_y)
    url = f"/evaluations/results/{result.pk}/notice/"
    # then another street's staff get 404, people of the unit's own
    # community without the street's rights 403, others 403
    assert login(staff_y).get(url).status_code == 404
    assert login(world.secretary_b).get(url).status_code == 403
    assert login(world.secretary_a).get(url).status_code == 404
    assert login(world.grid_worker_a).get(url).status_code == 403
    assert login(world.street_admin).get(url).status_code == 200


def test_an_unpublished_result_has_no_printable_notice(reach):
    world = reach
    run_month(world.street, MAY, world.street_admin)
    result = Evaluation.objects.get(month=MAY, unit=world.unit_b)
    response = login(world.street_admin).get(
        f"/evaluations/results/{result.pk}/notice/"
    )
    assert response.status_code == 404


def test_bad_months_on_the_delivery_pages_are_404_not_500(reach):
    world = reach
    publish(world)
    admin = login(world.street_admin)
    for url in (
        "/evaluations/results/deliveries/?month=2024-99",
        "/evaluations/results/deliveries/?month=2024-06",
        "/evaluations/results/deliveries/print/?month=zz",
    ):
        assert admin.get(url).status_code == 404, url
    ok = admin.get("/evaluations/results/deliveries/?state=bogus&page=-1")
    assert ok.status_code == 200


def test_the_delivery_pages_take_the_same_queries_for_more_units(world, committees):
    from tests.evaluations.test_pages import page_queries

    urls = [
        "/evaluations/results/?month={m}",
        "/evaluations/results/deliveries/?month={m}",
        "/evaluations/results/deliveries/?month={m}&state=undeliverable",
        "/evaluations/results/deliveries/print/?month={m}",
    ]
    publish(world, MAY)
    small = [page_queries(world.street_admin, u.format(m="2024-05")) for u in urls]
    extra = more_units(world, 6, prefix="R")
    for i, unit in enumerate(extra[:3]):
        unit.contact_phone = f"1390000001{i}"
        unit.save(update_fields=["contact_phone"])
    publish(world, JUNE)
    large = [page_queries(world.street_admin, u.format(m="2024-06")) for u in urls]
    assert large == small


def test_months_published_before_deliveries_were_recorded_get_their_rows(reach):
    import importlib

    from django.apps import apps

    world = reach
    # given May published, as before deliveries were recorded: inbox only
    publication = publish(world)
    feedback_sms().delete()
    FeedbackDelivery.objects.all().delete()
    # when the migration's backfill runs
    migration = importlib.import_module(
        "evaluations.migrations.0007_feedback_delivery_backfill"
    )
    migration.backfill(apps, None)
    # then what reached an inbox is delivered, the rest listed as not reached
    assert delivery_of(world.unit_a).channel == DeliveryChannel.INBOX
    assert delivery_of(world.unit_a2).channel == DeliveryChannel.NONE
    assert delivery_of(world.unit_b).channel == DeliveryChannel.NONE
    assert states(world, publication) == {
        DeliveryState.DELIVERED: 3,
        DeliveryState.PENDING: 0,
        DeliveryState.UNDELIVERABLE: 2,
    }
    # and a retry tells only those not reached: the SMS to A2's contact
    services.feedback_redeliver(user=world.street_admin, publication=publication)
    assert Notification.objects.filter(recipient=world.unit_head_a).count() == 1
    assert feedback_sms().get().target == PHONE_A2
