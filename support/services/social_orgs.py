"""Writes of the incubated social organisations and their status."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode
from portal.models import User
from portal.roles import require
from support.models import SocialOrg, SocialOrgStatusChange
from support.services._common import _check_community, _training_target

SOCIAL_ORG_FIELDS = (
    "name",
    "kind",
    "activity",
    "incubated_on",
    "leader_name",
    "contact_phone",
    "members",
    "registered",
    "venue",
    "note",
)


@transaction.atomic
def social_org_create(
    *,
    user: User,
    street: OrgNode | None = None,
    community: OrgNode | None = None,
    **fields: Any,
) -> SocialOrg:
    """Register a social organisation incubated by the street."""
    if community is not None:
        _check_community(community)
        street = OrgNode.objects.get(pk=community.street_id)
    if street is None or street.kind != OrgKind.STREET:
        raise ValidationError({"community": _("请选择社区，或选择街道层面。")})
    require(user, "support.manage", **_training_target(street, community))
    unknown = set(fields) - set(SOCIAL_ORG_FIELDS) - {"status"}
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    org = SocialOrg(street=street, community=community, **fields)
    org.full_clean()
    org.save()
    SocialOrgStatusChange.objects.create(
        org=org, from_status="", to_status=org.status, changed_by=user
    )
    return org


@transaction.atomic
def social_org_update(*, user: User, org: SocialOrg, **fields: Any) -> SocialOrg:
    """Change a social organisation's details (not its status)."""
    require(user, "support.manage", **_training_target(org.street, org.community))
    unknown = set(fields) - set(SOCIAL_ORG_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    org = SocialOrg.objects.select_for_update().get(pk=org.pk)
    for name, value in fields.items():
        setattr(org, name, value)
    org.full_clean()
    org.save(update_fields=[*fields, "updated_at"])
    return org


@transaction.atomic
def social_org_set_status(
    *, user: User, org: SocialOrg, status: str, reason: str = ""
) -> SocialOrg:
    """Change a social organisation's status, keeping who, when and why."""
    require(user, "support.manage", **_training_target(org.street, org.community))
    org = SocialOrg.objects.select_for_update().get(pk=org.pk)
    if status == org.status:
        raise ValidationError({"status": _("状态没有变化。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请说明变更原因。")})
    change = SocialOrgStatusChange(
        org=org,
        from_status=org.status,
        to_status=status,
        reason=reason.strip(),
        changed_by=user,
    )
    change.full_clean()
    org.status = status
    org.full_clean()
    org.save(update_fields=["status", "updated_at"])
    change.save()
    return org
