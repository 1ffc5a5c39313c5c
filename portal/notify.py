"""Notifications: the inbox always, email through Django, SMS and group
webhooks through pluggable backends (logging ones by default).

``notify()`` writes inbox rows now; ``reminder_schedule()`` writes a row due
later; ``reminders_send_due()`` (a periodic task) sends what is due.
"""

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.models import Channel, Notification, Reminder, User

log = logging.getLogger("portal.notify")

MAX_ATTEMPTS = 5
BATCH = 200


class SmsBackend(Protocol):
    """What ``PORTAL_SMS_BACKEND`` names: a class whose instances send SMS."""

    def send(self, *, phone: str, text: str) -> None: ...


class WebhookBackend(Protocol):
    """What ``PORTAL_WEBHOOK_BACKEND`` names: posts to a group robot's URL."""

    def send(self, *, url: str, text: str) -> None: ...


class LoggingSmsBackend:
    """Write SMS to the log; replace with a gateway's backend in production."""

    def send(self, *, phone: str, text: str) -> None:
        log.info(
            "SMS to %s: %s", phone[:3] + "****" + phone[-4:] if phone else "-", text
        )


class LoggingWebhookBackend:
    """Write group-webhook posts (WeCom/DingTalk) to the log."""

    def send(self, *, url: str, text: str) -> None:
        log.info("webhook post to %s: %s", url, text)


class WeComWebhookBackend:
    """Post a text message to a WeCom or DingTalk group robot."""

    def send(self, *, url: str, text: str) -> None:
        import json
        import urllib.request

        if not url.startswith("https://"):
            raise ValueError("webhook URL must be https")
        data = json.dumps({"msgtype": "text", "text": {"content": text}}).encode()
        request = urllib.request.Request(  # noqa: S310 (https checked above)
            url, data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.PORTAL_SMS_BACKEND)()
    return backend


def webhook_backend() -> WebhookBackend:
    backend: WebhookBackend = import_string(settings.PORTAL_WEBHOOK_BACKEND)()
    return backend


def notify(
    *,
    recipients: Iterable[User | None],
    title: str,
    body: str = "",
    link: str = "",
    kind: str = "",
) -> list[Notification]:
    """Put a message in each recipient's inbox now; return the rows."""
    rows = [
        Notification(recipient=user, title=title, body=body, link=link, kind=kind)
        for user in recipients
        if user is not None
    ]
    return Notification.objects.bulk_create(rows)


def notify_each(*, messages: Iterable[Mapping[str, Any]]) -> list[Notification]:
    """Put each message in its own recipient's inbox, in one INSERT.

    ``messages`` are dicts with ``recipient_id``, ``title`` and optionally
    ``body``, ``link`` and ``kind``: one query however many there are (a
    month's feedback to every unit). Return the rows.
    """
    rows = [
        Notification(
            recipient_id=m["recipient_id"],
            title=m["title"],
            body=m.get("body", ""),
            link=m.get("link", ""),
            kind=m.get("kind", ""),
        )
        for m in messages
    ]
    return Notification.objects.bulk_create(rows, batch_size=1000)


def reminders_schedule_each(
    *, reminders: Iterable[Mapping[str, Any]]
) -> dict[str, Reminder]:
    """Schedule each reminder once per key, in bulk; return ``{key: row}``.

    ``reminders`` are dicts of ``Reminder`` fields with a ``key``. A key that
    already has a row keeps that row as it is (sent, pending or failed), so
    scheduling the same keys again sends nothing twice. Two queries.
    """
    rows = list(reminders)
    if not rows:
        return {}
    Reminder.objects.bulk_create(
        [Reminder(**fields) for fields in rows],
        batch_size=1000,
        ignore_conflicts=True,
    )
    keys = [fields["key"] for fields in rows]
    return {r.key: r for r in Reminder.objects.filter(key__in=keys)}


def reminder_schedule(
    *,
    key: str,
    due_at: datetime,
    subject: str,
    recipient: User | None = None,
    channel: str = Channel.INBOX,
    body: str = "",
    link: str = "",
    kind: str = "",
    target: str = "",
) -> Reminder:
    """Schedule a reminder once per ``key``; return it (existing or new)."""
    reminder, _created = Reminder.objects.get_or_create(
        key=key,
        defaults={
            "recipient": recipient,
            "channel": channel,
            "target": target,
            "due_at": due_at,
            "subject": subject,
            "body": body,
            "link": link,
            "kind": kind,
        },
    )
    return reminder


def reminder_reschedule(
    *,
    key: str,
    due_at: datetime,
    subject: str,
    recipient: User | None = None,
    channel: str = Channel.INBOX,
    body: str = "",
    link: str = "",
    kind: str = "",
    target: str = "",
) -> Reminder:
    """Schedule a reminder, or move (and revive) its pending row; return it.

    Unlike ``reminder_schedule`` this updates a row that is not sent yet: a
    cancelled one comes back (a meeting moved and moved back), a pending one
    takes the new time and text. A sent row is never touched, so it is never
    sent again.
    """
    fields: dict[str, Any] = {
        "recipient": recipient,
        "channel": channel,
        "target": target,
        "due_at": due_at,
        "subject": subject,
        "body": body,
        "link": link,
        "kind": kind,
    }
    reminder, created = Reminder.objects.get_or_create(key=key, defaults=fields)
    if created or reminder.sent_at is not None:
        return reminder
    changed = [
        name
        for name, value in fields.items()
        if name != "recipient" and getattr(reminder, name) != value
    ]
    if reminder.recipient_id != (recipient.pk if recipient else None):
        changed.append("recipient")
    if reminder.cancelled_at is not None:
        changed.append("cancelled_at")
    if not changed:
        return reminder
    # Claim the row so a sender holding it cannot send the old version as well.
    updated = Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(
        **fields, cancelled_at=None, updated_at=timezone.now()
    )
    if updated:
        reminder.refresh_from_db()
    return reminder


def reminders_sync(
    *,
    key_prefix: str,
    desired: Mapping[str, Mapping[str, Any]],
    now: datetime | None = None,
) -> int:
    """Make the pending reminders under ``key_prefix`` exactly ``desired``.

    ``desired`` maps each key (starting with ``key_prefix``) to the keyword
    arguments of ``reminder_reschedule`` (without ``key``). Missing rows are
    created (a due time already past becomes "now"), changed pending rows are
    moved, pending rows no longer wanted are cancelled, and sent rows are left
    alone, so calling this again and again sends nothing twice. Return the
    number of rows created.
    """
    now = now or timezone.now()
    existing = {r.key: r for r in Reminder.objects.filter(key__startswith=key_prefix)}
    fresh = []
    for key, wanted in desired.items():
        if not key.startswith(key_prefix):
            raise ValueError("reminder key %s outside %s" % (key, key_prefix))
        fields = {**wanted, "due_at": max(wanted["due_at"], now)}
        row = existing.get(key)
        if row is None:
            fresh.append(Reminder(key=key, **fields))
        elif row.sent_at is None and (
            row.cancelled_at is not None
            or (fields["due_at"] != row.due_at and fields["due_at"] > now)
            or row.subject != fields.get("subject")
        ):
            reminder_reschedule(key=key, **fields)
    Reminder.objects.bulk_create(fresh, ignore_conflicts=True)
    stale = [
        key
        for key, row in existing.items()
        if key not in desired and row.sent_at is None and row.cancelled_at is None
    ]
    if stale:
        reminder_cancel_keys(keys=stale)
    return len(fresh)


def reminder_cancel(*, key_prefix: str) -> int:
    """Cancel pending reminders whose key starts with ``key_prefix``."""
    return Reminder.objects.filter(
        key__startswith=key_prefix, sent_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=timezone.now())


def reminder_cancel_keys(*, keys: Iterable[str]) -> int:
    """Cancel the pending reminders with these exact keys; return how many."""
    return Reminder.objects.filter(
        key__in=list(keys), sent_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=timezone.now())


def _deliver(reminder: Reminder) -> None:
    if reminder.channel == Channel.INBOX:
        if reminder.recipient_id:
            notify(
                recipients=[reminder.recipient],
                title=reminder.subject,
                body=reminder.body,
                link=reminder.link,
                kind=reminder.kind,
            )
    elif reminder.channel == Channel.EMAIL:
        address = reminder.target or (
            reminder.recipient.email if reminder.recipient else ""
        )
        if address:
            send_mail(reminder.subject, reminder.body, None, [address])
    elif reminder.channel == Channel.SMS:
        phone = reminder.target
        if not phone and reminder.recipient_id:
            person = getattr(reminder.recipient, "person", None)
            phone = person.phone if person else ""
        if phone:
            sms_backend().send(phone=phone, text=f"{reminder.subject} {reminder.body}")
    elif reminder.channel == Channel.WEBHOOK and reminder.target:
        webhook_backend().send(
            url=reminder.target, text=f"{reminder.subject}\n{reminder.body}"
        )


def reminders_send_due(*, now: datetime | None = None, limit: int = BATCH) -> int:
    """Send the reminders that are due; return how many were sent.

    Each reminder is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and marked
    sent in the same transaction as its delivery, so two workers never send the
    same row and a crash before commit leaves it pending for the next run.
    """
    now = now or timezone.now()
    sent = 0
    while sent < limit:
        with transaction.atomic():
            reminder = (
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    due_at__lte=now,
                    sent_at__isnull=True,
                    cancelled_at__isnull=True,
                    attempts__lt=MAX_ATTEMPTS,
                )
                .select_related("recipient")
                .order_by("due_at", "id")
                .first()
            )
            if reminder is None:
                break
            try:
                with transaction.atomic():
                    _deliver(reminder)
            except Exception as exc:  # a channel failed: retry later, keep going
                log.warning("reminder %s failed: %s", reminder.key, exc)
                reminder.attempts += 1
                reminder.last_error = str(exc)[:2000]
                reminder.due_at = now + timedelta(minutes=5 * reminder.attempts)
                reminder.save(
                    update_fields=["attempts", "last_error", "due_at", "updated_at"]
                )
                continue
            reminder.sent_at = timezone.now()
            reminder.attempts += 1
            reminder.save(update_fields=["sent_at", "attempts", "updated_at"])
            sent += 1
    return sent


# -- the inbox ----------------------------------------------------------------------


def inbox_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """Return ``user``'s inbox, newest first (only his own messages)."""
    queryset = Notification.objects.filter(recipient=user)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-id")


def inbox_unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox_mark_read(*, user: User, pk: int | None = None) -> int:
    """Mark one of ``user``'s messages (or all of them) read; return how many."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if pk is not None:
        queryset = queryset.filter(pk=pk)
    return queryset.update(read_at=timezone.now())
