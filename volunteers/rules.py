"""Rules of the volunteers app that its services and its selectors both read.

Who is the claimant of a wish or post, who sees its resident unmasked, the
months of a quarter. They write nothing; both layers import them, so neither
imports the other for their sake.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser

from portal.models import User
from portal.roles import can
from portal.scope import scope_for
from volunteers.models import ClaimStatus, MicroWish, ServicePost

#: A claimable: a micro-wish or a service post.
Claim = TypeVar("Claim", MicroWish, ServicePost)


def is_claimant(obj: MicroWish | ServicePost, user: User | AnonymousUser) -> bool:
    """Return whether ``user`` is (or acts for) the accepted claimant of ``obj``."""
    if obj.status not in (
        ClaimStatus.CLAIMED,
        ClaimStatus.FULFILLED,
        ClaimStatus.CONFIRMED,
    ):
        return False
    if obj.claimed_by_user_id and obj.claimed_by_user_id == user.pk:
        return True
    return bool(
        obj.claimed_by_unit_id and obj.claimed_by_unit_id in scope_for(user).unit_ids
    )


def quarter_months(quarter: int) -> list[int]:
    """Return the months of ``quarter`` (1–4)."""
    first = (int(quarter) - 1) * 3 + 1
    return [first, first + 1, first + 2]


def mask_name(name: str) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) >= 8:
        return phone[:3] + "****" + phone[-4:]
    return "*" * len(phone)


def mask_address(address: str) -> str:
    if not address:
        return ""
    keep = min(6, max(len(address) // 3, 2))
    return address[:keep] + "****"


def resident_view(
    obj: MicroWish | ServicePost,
    user: User | AnonymousUser | None,
    *,
    detail: bool = False,
) -> dict[str, Any]:
    """Return the resident's name, address and phone as ``user`` may see them.

    Masked on every list; unmasked to the accepted claimant, and on the detail
    page to the community's staff who listed it.
    """
    plain = (
        user is not None
        and user.is_authenticated
        and (is_claimant(obj, user) or (detail and can(user, "volunteers.manage", obj)))
    )
    if plain:
        return {
            "name": obj.resident_name,
            "address": obj.resident_address,
            "phone": obj.resident_phone,
            "masked": False,
        }
    return {
        "name": mask_name(obj.resident_name),
        "address": mask_address(obj.resident_address),
        "phone": mask_phone(obj.resident_phone),
        "masked": True,
    }
