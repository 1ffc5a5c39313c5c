"""Checks and permission targets shared by the support services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode

#: A sum of money as the forms, the API and the seed give it.
Amount = Decimal | int | str


def _community_target(community: OrgNode) -> dict[str, int | None]:
    return {"street_id": community.street_id, "community_id": community.pk}


def _check_community(community: OrgNode | None) -> None:
    if community is None or community.kind != OrgKind.COMMUNITY:
        raise ValidationError({"community": _("请选择一个社区。")})


def _today() -> date:
    return timezone.localdate()


def _training_target(
    street: OrgNode, community: OrgNode | None
) -> dict[str, int | None]:
    if community is not None:
        return _community_target(community)
    return {"street_id": street.pk}
