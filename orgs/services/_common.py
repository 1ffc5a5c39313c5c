"""The permission check shared by the organisation services."""

from portal.roles import require


def _require(user, action, obj=None, **target):
    if user is not None:
        require(user, action, obj, **target)
