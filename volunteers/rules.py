"""Pure rules of the volunteers app, read by its services and its selectors.

They write nothing; both layers import them, so neither imports the other
for their sake.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AnonymousUser

from portal.models import User
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
