"""Permission checks and photo saving shared by the grid services."""

from grids.models import (
    Photo,
)
from portal.roles import require
from portal.uploads import upload_content

# -- permissions ---------------------------------------------------------------


def _require(user, action, **target):
    if user is None:  # the system itself (seed, periodic task)
        return
    require(user, action, **target)


def _cell_target(cell):
    return {"street_id": cell.street_id, "community_id": cell.community_id}


def _require_manage(user, cell_or_parent=None, community=None):
    if cell_or_parent is not None:
        _require(user, "grids.manage", **_cell_target(cell_or_parent))
    else:
        _require(
            user,
            "grids.manage",
            street_id=community.street_id,
            community_id=community.pk,
        )


# -- photos ------------------------------------------------------------------------


def _photos_save(files, *, user, case=None, visit=None):
    owner = case or visit
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
