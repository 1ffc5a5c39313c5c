"""Permission checks and photo saving shared by the grid services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from grids.models import Case, Cell, Photo, Visit
from orgs.models import OrgNode
from portal.models import User
from portal.roles import require
from portal.uploads import CheckedFile, upload_content

# -- permissions ---------------------------------------------------------------


def _require(user: User | None, action: str, **target: Any) -> None:
    if user is None:  # the system itself (seed, periodic task)
        return
    require(user, action, **target)


def _cell_target(cell: Cell) -> dict[str, Any]:
    return {"street_id": cell.street_id, "community_id": cell.community_id}


def _require_manage(
    user: User | None,
    cell_or_parent: Cell | None = None,
    community: OrgNode | None = None,
) -> None:
    if cell_or_parent is not None:
        _require(user, "grids.manage", **_cell_target(cell_or_parent))
    else:
        if community is None:
            raise TypeError("a cell or a community is needed")
        _require(
            user,
            "grids.manage",
            street_id=community.street_id,
            community_id=community.pk,
        )


# -- photos ------------------------------------------------------------------------


def _photos_save(
    files: Iterable[CheckedFile],
    *,
    user: User | None,
    case: Case | None = None,
    visit: Visit | None = None,
) -> None:
    owner = case or visit
    if owner is None:
        raise TypeError("photos belong to a case or a visit")
    for checked in files:
        content = upload_content(checked)
        photo = Photo(
            case=case,
            visit=visit,
            street_id=owner.street_id,
            community_id=owner.community_id,
            uploaded_by=user,
        )
        photo.image.save(content.name, content, save=False)
        photo.save()
