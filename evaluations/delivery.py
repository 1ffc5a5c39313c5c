"""How a published month's feedback reaches each unit (分类施策 S10, issue 16).

| result | first | else | else |
| --- | --- | --- | --- |
| a unit | the inbox of its heads' accounts | an SMS to the unit's contact mobile | "未送达": the street prints the notice |
| a 大党委 | the inbox of its community's secretaries | an SMS to the community's contact mobile | the same |

The street's 大工委 answers to the street that publishes: it gets no row.

Each result gets one ``FeedbackDelivery`` (unique per result), written with
the inbox rows in the publishing transaction. An SMS is a reminder row keyed
``evaluations:feedback:<result id>:sms:<phone digest>``, sent once by the
periodic ``portal.send_due_reminders``. ``feedback_deliver`` reaches only the
results that have no delivery yet or whose delivery is undeliverable, and a
reminder key that exists is never scheduled again, so calling it again (a
retry after a head got an account or a contact a mobile) tells nobody twice.
Its queries do not grow with the number of units.
"""

import hashlib
import re
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.feedback import feedback_text
from evaluations.models import (
    DeliveryChannel,
    DeliveryState,
    Evaluation,
    FeedbackDelivery,
    Grade,
    SubjectKind,
)
from evaluations.months import month_label
from evaluations.selectors import delivery_state
from orgs.models import CommitteeKind, OrgKind, mask_phone
from portal.models import Channel, Role, RoleAssignment
from portal.notify import MAX_ATTEMPTS, notify_each, reminders_schedule_each

KEY_PREFIX = "evaluations:feedback:"
#: SMS go to mobiles only (a contact's phone may be a landline).
MOBILE_RE = re.compile(r"^1\d{10}$")


@dataclass
class Outcome:
    """What one call reached: results per channel, inbox messages written."""

    inbox: int = 0
    notices: int = 0
    sms: int = 0
    undeliverable: int = 0


def sms_key(evaluation_id, phone):
    digest = hashlib.sha256(phone.encode()).hexdigest()[:12]
    return "%s%s:sms:%s" % (KEY_PREFIX, evaluation_id, digest)


def contact_node(evaluation):
    """Return the node whose contact is told: the unit, or a 大党委's community."""
    return evaluation.unit if evaluation.unit_id else evaluation.community


def sms_phone(node):
    """Return the node's contact phone if an SMS can reach it, else ``""``."""
    phone = ((node.contact_phone if node else "") or "").replace(" ", "")
    return phone if MOBILE_RE.match(phone) else ""


def _accounts(street_id):
    """Return ``{node id: [user ids]}``: unit heads and community secretaries."""
    accounts = {}
    rows = (
        RoleAssignment.objects.filter(
            Q(role=Role.UNIT_HEAD, org_node__kind=OrgKind.UNIT)
            | Q(role=Role.COMMUNITY_SECRETARY, org_node__kind=OrgKind.COMMUNITY),
            user__is_active=True,
            org_node__street_id=street_id,
        )
        .order_by("user_id")
        .values_list("org_node_id", "user_id")
    )
    for node_id, user_id in rows:
        users = accounts.setdefault(node_id, [])
        if user_id not in users:
            users.append(user_id)
    return accounts


def _told_results(publication):
    """The results of the publication that get feedback (not the 大工委)."""
    return (
        Evaluation.objects.filter(publication=publication)
        .filter(Q(kind=SubjectKind.UNIT) | Q(committee__kind=CommitteeKind.BIG_PARTY))
        .select_related("unit", "committee", "community")
        .order_by("id")
    )


def _pending(reminder):
    return (
        reminder.sent_at is None
        and reminder.cancelled_at is None
        and reminder.attempts < MAX_ATTEMPTS
    )


def _title(evaluation):
    return _("【评议反馈】%(month)s %(name)s：%(grade)s") % {
        "month": month_label(evaluation.month),
        "name": evaluation.subject_name,
        "grade": Grade(evaluation.grade).label,
    }


def feedback_deliver(*, publication):
    """Send the feedback of every result of ``publication`` not reached yet.

    Call it inside the transaction that holds the month's lock (publishing,
    or a retry). Return an ``Outcome`` of what this call reached.
    """
    existing = {
        row.evaluation_id: row
        for row in FeedbackDelivery.objects.filter(publication=publication).annotate(
            state=delivery_state()
        )
    }
    accounts = _accounts(publication.street_id)
    now = timezone.now()
    outcome = Outcome()
    messages, reminders, routes = [], [], []
    for evaluation in _told_results(publication):
        current = existing.get(evaluation.pk)
        if current is not None and current.state != DeliveryState.UNDELIVERABLE:
            continue
        node_id = evaluation.unit_id or evaluation.community_id
        users = accounts.get(node_id, [])
        phone = "" if users else sms_phone(contact_node(evaluation))
        if not users and not phone:
            routes.append((evaluation, current, DeliveryChannel.NONE, 0, None))
            outcome.undeliverable += 1
            continue
        category, text = feedback_text(evaluation)
        message = {
            "title": _title(evaluation),
            "body": text,
            "kind": "evaluations.feedback.%s" % category,
        }
        if users:
            link = reverse("evaluations:evaluation", args=[evaluation.pk])
            messages += [{**message, "recipient_id": u, "link": link} for u in users]
            routes.append(
                (evaluation, current, DeliveryChannel.INBOX, len(users), None)
            )
            outcome.inbox += 1
        else:
            key = sms_key(evaluation.pk, phone)
            reminders.append(
                {
                    "key": key,
                    "channel": Channel.SMS,
                    "target": phone,
                    "due_at": now,
                    "subject": message["title"],
                    "body": message["body"],
                    "kind": message["kind"],
                }
            )
            routes.append((evaluation, current, DeliveryChannel.SMS, 0, key))
    if messages:
        outcome.notices = len(notify_each(messages=messages))
    scheduled = reminders_schedule_each(reminders=reminders)
    fresh, changed = [], []
    for evaluation, current, channel, recipients, key in routes:
        reminder = scheduled.get(key) if key else None
        if reminder is not None:
            # A key scheduled before keeps its row: one that failed for good
            # stays undeliverable rather than being sent again.
            if _pending(reminder):
                outcome.sms += 1
            else:
                outcome.undeliverable += 1
        if current is None:
            fresh.append(
                FeedbackDelivery(
                    publication=publication,
                    evaluation=evaluation,
                    channel=channel,
                    recipients=recipients,
                    reminder=reminder,
                )
            )
        elif (current.channel, current.recipients, current.reminder_id) != (
            channel,
            recipients,
            reminder.pk if reminder else None,
        ):
            current.channel = channel
            current.recipients = recipients
            current.reminder = reminder
            current.updated_at = now
            changed.append(current)
    FeedbackDelivery.objects.bulk_create(fresh, batch_size=1000)
    if changed:
        FeedbackDelivery.objects.bulk_update(
            changed,
            ["channel", "recipients", "reminder", "updated_at"],
            batch_size=1000,
        )
    return outcome


def how_reached(row):
    """Return what the deliveries page says of a row (annotated with ``state``):
    the way, to whom, when, and why it did not arrive."""
    contact = contact_node(row.evaluation)
    contact_name = contact.contact_name if contact else ""
    if row.channel == DeliveryChannel.INBOX:
        return {
            "way": DeliveryChannel.INBOX.label,
            "to": _("%s 个负责人账号") % row.recipients,
            "when": row.created_at,
            "reason": "",
        }
    if row.channel == DeliveryChannel.SMS:
        reminder = row.reminder
        reason = ""
        if row.state == DeliveryState.UNDELIVERABLE:
            if reminder is not None and reminder.last_error:
                reason = _("短信发送失败：%s") % reminder.last_error
            else:
                reason = _("短信未能发出。")
        return {
            "way": DeliveryChannel.SMS.label,
            "to": " ".join(
                part
                for part in (
                    contact_name,
                    mask_phone(reminder.target if reminder else ""),
                )
                if part
            ),
            "when": reminder.sent_at if reminder else None,
            "reason": reason,
        }
    phone = (contact.contact_phone if contact else "") or ""
    if phone:
        reason = _("没有负责人账号；联系电话 %s 不是手机号，无法发短信。") % mask_phone(
            phone
        )
    else:
        reason = _("没有负责人账号，也没有登记联系人手机号。")
    return {"way": "", "to": contact_name, "when": None, "reason": reason}
