"""The permission check shared by the organisation services."""

from __future__ import annotations

from typing import Any

from portal.models import User
from portal.roles import require


def _require(
    user: User | None, action: str, obj: object | None = None, **target: Any
) -> None:
    if user is not None:
        require(user, action, obj, **target)
