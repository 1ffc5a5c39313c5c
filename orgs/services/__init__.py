"""Every write to organisations, people and committees.

- ``tree``: the organisation tree (create, move, delete, bulk add), under the
  writer lock.
- ``units``: communities, resident units, party organisations, compounds.
- ``people``: people and their party membership; ``person_get_or_create`` is
  the one writer of people outside ``orgs``.
- ``committees``: committees and their seats.

Services that take ``user`` check the permission first. ``user=None`` is a
system caller (the demo seed, a management command) and skips the check; views,
API and tasks always pass the signed-in user.
"""

from orgs.services.committees import (
    committee_ensure,
    seat_add,
    seat_qualification,
    seat_vacate,
)
from orgs.services.people import (
    PERSON_FIELDS,
    PHONE_RE,
    clean_phone,
    party_member_check,
    party_member_set,
    person_create,
    person_create_with_membership,
    person_get_or_create,
    person_update,
    person_update_with_membership,
)

# ``orgs.imports`` reuses ``_person_write_allowed`` and ``_next_code`` under
# their old path: the redundant aliases re-export them.
from orgs.services.people import _person_write_allowed as _person_write_allowed
from orgs.services.tree import (
    ALLOWED_PARENTS,
    NEW_TREE_KEY,
    TREE_LOCK,
    NodeSpec,
    org_node_create,
    org_node_delete,
    org_node_move,
    org_node_relocate,
    org_node_remove,
    org_tree_bulk_add,
)
from orgs.services.tree import _next_code as _next_code
from orgs.services.units import (
    PARTY_ORG_FIELDS,
    UNIT_FIELDS,
    community_create,
    compound_create,
    compound_update,
    party_org_create,
    party_org_update,
    unit_create,
    unit_update,
)

__all__ = [
    "ALLOWED_PARENTS",
    "NEW_TREE_KEY",
    "PARTY_ORG_FIELDS",
    "PERSON_FIELDS",
    "PHONE_RE",
    "TREE_LOCK",
    "UNIT_FIELDS",
    "NodeSpec",
    "clean_phone",
    "committee_ensure",
    "community_create",
    "compound_create",
    "compound_update",
    "org_node_create",
    "org_node_delete",
    "org_node_move",
    "org_node_relocate",
    "org_node_remove",
    "org_tree_bulk_add",
    "party_member_check",
    "party_member_set",
    "party_org_create",
    "party_org_update",
    "person_create",
    "person_create_with_membership",
    "person_get_or_create",
    "person_update",
    "person_update_with_membership",
    "seat_add",
    "seat_qualification",
    "seat_vacate",
    "unit_create",
    "unit_update",
]
