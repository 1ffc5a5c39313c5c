"""Staff pages of the organisations: thin, they call selectors and services.

Every page fetches through a scoped selector (another scope's object is a
404) and every write goes through a service (a forbidden action is a 403).

- ``nodes``: the org tree, units, party organisations, compounds;
- ``people``: people and their party membership;
- ``committees``: committees and seats;
- ``import_jobs``: imports of units and party members.
"""

from orgs.views.committees import (
    committee_detail,
    committee_export,
    committee_list,
    seat_add,
    seat_vacate,
)
from orgs.views.import_jobs import (
    import_job,
    import_job_payload,
    import_job_status,
    import_page,
    import_template,
)
from orgs.views.nodes import (
    compound_create,
    compound_edit,
    node_delete,
    node_detail,
    party_org_create,
    party_org_edit,
    tree,
    unit_create,
    unit_detail,
    unit_edit,
    unit_export,
    unit_list,
)
from orgs.views.people import (
    people,
    people_export,
    person_create,
    person_detail,
    person_edit,
)

__all__ = [
    "committee_detail",
    "committee_export",
    "committee_list",
    "compound_create",
    "compound_edit",
    "import_job",
    "import_job_payload",
    "import_job_status",
    "import_page",
    "import_template",
    "node_delete",
    "node_detail",
    "party_org_create",
    "party_org_edit",
    "people",
    "people_export",
    "person_create",
    "person_detail",
    "person_edit",
    "seat_add",
    "seat_vacate",
    "tree",
    "unit_create",
    "unit_detail",
    "unit_edit",
    "unit_export",
    "unit_list",
]
