"""Private helpers shared by the volunteers services."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from orgs.models import OrgKind


def _invalid(message, field=None):
    return ValidationError({field: message} if field else message)


def _check_community(community):
    if community is None or community.kind != OrgKind.COMMUNITY:
        raise _invalid(_("请选择一个社区。"), "community")
