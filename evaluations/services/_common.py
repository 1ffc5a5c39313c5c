"""Helpers shared by the evaluations services: settings, the month lock, notices."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from evaluations.models import Publication
from evaluations.months import month_label
from portal.db import advisory_xact_lock
from portal.models import RoleAssignment, User
from portal.notify import notify


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _month_lock(street_id: int, month: date) -> None:
    """Serialise runs, overrides and publication of one street's month."""
    advisory_xact_lock(f"evaluations.month.{street_id}", month.year * 100 + month.month)


def _is_published(street_id: int, month: date) -> bool:
    return Publication.objects.filter(street_id=street_id, month=month).exists()


def _refuse_published(street_id: int, month: date) -> None:
    if _is_published(street_id, month):
        raise ValidationError(
            _("%s 的评议结果已发布，已冻结，不能再重新评议或调整。")
            % month_label(month)
        )


def _users_with_role(role: str, node_ids: Iterable[int]) -> dict[int, list[int]]:
    """Return ``{node id: [user ids]}`` of active users holding ``role`` there."""
    holders: dict[int, list[int]] = {}
    rows = RoleAssignment.objects.filter(
        role=role, org_node_id__in=list(node_ids), user__is_active=True
    ).values_list("org_node_id", "user_id")
    for node_id, user_id in rows:
        holders.setdefault(node_id, []).append(user_id)
    return holders


def _notify_users(user_ids: Iterable[int], **message: Any) -> int:
    users = list(User.objects.filter(pk__in=set(user_ids)))
    if users:
        notify(recipients=users, **message)
    return len(users)
