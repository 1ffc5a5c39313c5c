"""Helpers shared by the meetings services: targets, checks, stored files."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils.translation import gettext as _

from meetings.models import ActionItem, Attachment, Meeting, MeetingStatus
from meetings.rotation import month_start, parse_month
from meetings.uploads import ATTACHMENTS
from orgs.models import Committee, Seat
from portal.models import User
from portal.roles import Actor, require
from portal.scope import scope_for
from portal.uploads import CheckedFile, upload_store

log = logging.getLogger("meetings")


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def committee_target(committee: Committee) -> dict[str, Any]:
    """Return where an action on ``committee`` lands, for ``portal.roles``."""
    return {"street_id": committee.street_id, "community_id": committee.community_id}


def _require(user: User | None, action: str, **target: Any) -> None:
    if user is None:  # the system: periodic tasks and the seed
        return
    require(user, action, **target)


def _actor(user: User | None) -> User | None:
    return user if user is not None and user.pk else None


def _as_month(month: date | str) -> date:
    if isinstance(month, date):
        return month_start(month)
    try:
        return parse_month(month)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            {"month": _("月份格式应为 YYYY-MM，例如 2024-05。")}
        ) from exc


def is_committee_member(user: Actor, committee: Committee) -> bool:
    """Return whether ``user`` holds (or their unit holds) a current seat on it."""
    if user is None or not user.is_authenticated:
        return False
    scope = scope_for(user)
    q = Q(pk__in=[])
    if scope.person_id:
        q |= Q(person_id=scope.person_id)
    if scope.unit_ids:
        q |= Q(represents_id__in=scope.unit_ids) | Q(
            represents__parent_id__in=scope.unit_ids
        )
    return Seat.objects.filter(q, committee=committee, vacated_on__isnull=True).exists()


def _check_meeting_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("会议已取消，不能再修改。"))


def _store_files(
    checked: Iterable[CheckedFile],
    *,
    meeting: Meeting | None,
    written: list[str],
    action_item: ActionItem | None = None,
    user: User | None,
) -> list[Attachment]:
    """Write checked files under server-chosen names, noting each in ``written``.

    The caller deletes the files in ``written`` when its transaction fails, so a
    refused filing leaves no orphan file behind.
    """
    rows = []
    for f in checked:
        name = upload_store(f, policy=ATTACHMENTS)
        written.append(name)
        rows.append(
            Attachment(
                meeting=meeting,
                action_item=action_item,
                kind=f.kind,
                file=name,
                original_name=f.original_name,
                content_type=f.content_type,
                size=len(f.data),
                uploaded_by=_actor(user),
            )
        )
    return Attachment.objects.bulk_create(rows)


def _discard(written: Iterable[str]) -> None:
    for name in written:
        try:
            default_storage.delete(name)
        except OSError:
            log.warning("could not delete orphan upload %s", name)
