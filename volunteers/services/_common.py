"""Private helpers shared by the volunteers services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode


def _invalid(message: str, field: str | None = None) -> ValidationError:
    return ValidationError({field: message} if field else message)


def _check_community(community: OrgNode | None) -> None:
    if community is None or community.kind != OrgKind.COMMUNITY:
        raise _invalid(_("请选择一个社区。"), "community")
