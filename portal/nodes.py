"""The org tree and people as the kernel sees them: through foreign keys.

The kernel imports no domain app. The org node model (``orgs.OrgNode``) is
the model ``RoleAssignment.org_node`` points at; the person model
(``orgs.Person``) the one whose ``user`` is the sign-in account. A node's
kind is one of the values below, as ``orgs.models.OrgKind`` defines them
(``tests/portal/test_layers.py`` checks they agree).
"""

from typing import Any

from portal.models import RoleAssignment, User

STREET = "street"
COMMUNITY = "community"
UNIT = "unit"
PARTY_ORG = "party_org"


def org_node_model() -> Any:
    """Return the org tree's node model (what a role assignment is scoped to)."""
    return RoleAssignment._meta.get_field("org_node").related_model


def person_model() -> Any:
    """Return the person model (``person.user`` is a sign-in account)."""
    return User._meta.get_field("person").related_model


def kind_label(kind: str) -> str:
    """Return the display label of the org node kind ``kind``."""
    return dict(org_node_model()._meta.get_field("kind").flatchoices)[kind]
