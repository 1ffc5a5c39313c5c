"""Which reminders a meeting or an action item should have, and syncing them.

Reminders are rows (``portal.Reminder``) sent by the periodic
``portal.send_due_reminders``; this module only decides which rows should
exist. ``meeting_reminders_sync`` and ``action_item_reminders_sync`` are called
by every service that changes a meeting or an item, and by a periodic task, so
the rows follow moves, cancellations, filed minutes and finished items. Keys
carry the meeting time (or due date), so a moved meeting gets fresh reminders
and the old pending ones are cancelled; a sent reminder is never sent again.

| who | when | key |
| --- | --- | --- |
| the rotating chair | 3 days before | ``meetings:meeting:<id>:chair:<time>:…`` |
| every seated member | 1 day before | ``meetings:meeting:<id>:member:<time>:…`` |
| the community secretary (street staff for the 大工委) | 2 days after, while no minutes | ``meetings:meeting:<id>:minutes:<time>:…`` |
| the unit's head | 3 days before an item's due date | ``meetings:item:<id>:soon:<date>:…`` |
| the unit's head | the morning after the due date, if not done | ``meetings:item:<id>:overdue:<date>:…`` |

Channels: the inbox for people with an account (and email when they have an
address), SMS to the phone of a person without an account.
"""

import hashlib
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import ActionItemStatus, MeetingStatus
from orgs.models import CommitteeKind
from portal.models import Channel, Role, User
from portal.notify import reminders_sync

CHAIR_DAYS_BEFORE = 3
MEMBER_DAYS_BEFORE = 1
MINUTES_DAYS_AFTER = 2
ITEM_DAYS_BEFORE = 3
#: Local time at which date-based reminders (action items) go out.
MORNING = time(9, 0)


def _tz():
    return ZoneInfo(settings.TIME_ZONE)


def morning_of(day):
    return datetime.combine(day, MORNING, tzinfo=_tz())


def _stamp(moment):
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y%m%d%H%M")


def _user_channels(user):
    out = [(Channel.INBOX, user, "", "u%s" % user.pk)]
    if user.email:
        out.append((Channel.EMAIL, user, "", "u%s" % user.pk))
    return out


def person_channels(person):
    """Return (channel, user, target, id) for reaching a person."""
    if person is None:
        return []
    user = person.user if person.user_id else None
    if user is not None and user.is_active:
        return _user_channels(user)
    if person.phone:
        return [(Channel.SMS, None, person.phone, "p%s" % person.pk)]
    return []


def _phone_channel(phone):
    digest = hashlib.sha256(phone.encode()).hexdigest()[:12]
    return [(Channel.SMS, None, phone, "t%s" % digest)]


def secretaries_of(committee):
    """Return the users answerable for a committee's minutes."""
    if committee.kind == CommitteeKind.BIG_PARTY and committee.community_id:
        users = User.objects.filter(
            is_active=True,
            role_assignments__role=Role.COMMUNITY_SECRETARY,
            role_assignments__org_node_id=committee.community_id,
        )
    else:
        users = User.objects.filter(
            is_active=True,
            role_assignments__role__in=[Role.STREET_ADMIN, Role.STREET_STAFF],
            role_assignments__org_node_id=committee.street_id,
        )
    return list(users.distinct().order_by("pk"))


def unit_channels(unit):
    """Return the channels reaching a unit: its heads' accounts, else a phone."""
    users = list(
        User.objects.filter(
            is_active=True,
            role_assignments__role=Role.UNIT_HEAD,
            role_assignments__org_node_id=unit.pk,
        )
        .distinct()
        .order_by("pk")
    )
    if users:
        return [c for user in users for c in _user_channels(user)]
    if unit.head_id:
        channels = person_channels(unit.head)
        if channels:
            return channels
    if unit.contact_phone:
        return _phone_channel(unit.contact_phone)
    return []


def _add(desired, prefix, what, stamp, channels, due_at, subject, body, link, kind):
    for channel, user, target, rid in channels:
        key = "%s%s:%s:%s:%s" % (prefix, what, stamp, channel, rid)
        desired[key] = {
            "due_at": due_at,
            "recipient": user,
            "channel": channel,
            "target": target,
            "subject": subject,
            "body": body,
            "link": link,
            "kind": kind,
        }


def meeting_prefix(meeting):
    return "meetings:meeting:%s:" % meeting.pk


def item_prefix(item):
    return "meetings:item:%s:" % item.pk


def meeting_desired_reminders(meeting, *, seats, now):
    """Return {key: fields} of the reminders ``meeting`` should have now."""
    desired = {}
    if meeting.status == MeetingStatus.CANCELLED:
        return desired
    prefix = meeting_prefix(meeting)
    stamp = _stamp(meeting.held_at)
    local = timezone.localtime(meeting.held_at, _tz())
    when = local.strftime("%Y-%m-%d %H:%M")
    link = reverse("meetings:detail", args=[meeting.pk])
    committee = meeting.committee
    kind = "meetings.reminder"
    if meeting.status == MeetingStatus.SCHEDULED and meeting.held_at > now:
        if meeting.chair_id:
            _add(
                desired,
                prefix,
                "chair",
                stamp,
                person_channels(meeting.chair.person),
                meeting.held_at - timedelta(days=CHAIR_DAYS_BEFORE),
                _("请主持%(committee)s联席会议") % {"committee": committee.name},
                _(
                    "您是本月轮值书记，会议定于 %(when)s 在%(place)s召开，请提前收集问题、准备议程。"
                )
                % {"when": when, "place": meeting.place},
                link,
                kind,
            )
        for seat in seats:
            _add(
                desired,
                prefix,
                "member",
                stamp,
                person_channels(seat.person),
                meeting.held_at - timedelta(days=MEMBER_DAYS_BEFORE),
                _("明天召开%(committee)s联席会议") % {"committee": committee.name},
                _("会议定于 %(when)s 在%(place)s召开，请准时参加。")
                % {"when": when, "place": meeting.place},
                link,
                kind,
            )
    if not meeting.has_minutes:
        channels = [c for u in secretaries_of(committee) for c in _user_channels(u)]
        _add(
            desired,
            prefix,
            "minutes",
            stamp,
            channels,
            meeting.held_at + timedelta(days=MINUTES_DAYS_AFTER),
            _("请提交%(committee)s联席会议纪要") % {"committee": committee.name},
            _("%(when)s 召开的联席会议已过两天，会议纪要尚未提交。") % {"when": when},
            link,
            kind,
        )
    return desired


def seats_serving_at(committee, moment):
    day = timezone.localtime(moment, _tz()).date()
    return [
        seat
        for seat in committee.seats.select_related("person__user").order_by(
            "term_start", "id"
        )
        if seat.term_start <= day and (seat.vacated_on is None or seat.vacated_on > day)
    ]


def meeting_reminders_sync(meeting, *, now=None):
    """Create, move or cancel the reminder rows of ``meeting``; return new rows."""
    now = now or timezone.now()
    seats = seats_serving_at(meeting.committee, meeting.held_at)
    desired = meeting_desired_reminders(meeting, seats=seats, now=now)
    return reminders_sync(key_prefix=meeting_prefix(meeting), desired=desired, now=now)


def action_item_desired_reminders(item, *, now):
    """Return {key: fields} of the reminders an action item should have now."""
    desired = {}
    if item.status == ActionItemStatus.DONE:
        return desired
    prefix = item_prefix(item)
    stamp = item.due_on.strftime("%Y%m%d")
    channels = unit_channels(item.unit)
    link = reverse("meetings:item", args=[item.pk])
    kind = "meetings.action_item"
    today = timezone.localtime(now, _tz()).date()
    if item.due_on >= today:
        _add(
            desired,
            prefix,
            "soon",
            stamp,
            channels,
            morning_of(item.due_on - timedelta(days=ITEM_DAYS_BEFORE)),
            _("举措即将到期：%(title)s") % {"title": item.title},
            _("“%(title)s”的完成时限是 %(due)s，请按时完成并上传佐证。")
            % {"title": item.title, "due": item.due_on.isoformat()},
            link,
            kind,
        )
    _add(
        desired,
        prefix,
        "overdue",
        stamp,
        channels,
        morning_of(item.due_on + timedelta(days=1)),
        _("举措已逾期：%(title)s") % {"title": item.title},
        _("“%(title)s”已超过完成时限 %(due)s，请尽快办理并说明情况。")
        % {"title": item.title, "due": item.due_on.isoformat()},
        link,
        kind,
    )
    return desired


def action_item_reminders_sync(item, *, now=None):
    """Create, move or cancel the reminder rows of an action item."""
    now = now or timezone.now()
    desired = action_item_desired_reminders(item, now=now)
    return reminders_sync(key_prefix=item_prefix(item), desired=desired, now=now)
