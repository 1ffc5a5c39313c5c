"""Every write of the support app: one entry point per rule.

Each service takes keyword-only arguments, runs in one transaction, checks the
permission first (403), validates (``ValidationError`` with a Chinese
message) and only then writes. Views, API, admin and the seed call these.
"""

from support.services.funds import budget_set, spending_create, spending_void
from support.services.social_orgs import (
    SOCIAL_ORG_FIELDS,
    social_org_create,
    social_org_set_status,
    social_org_update,
)
from support.services.special_fund import (
    special_fund_contribute,
    special_fund_create,
    special_fund_entry_reverse,
    special_fund_grant,
)
from support.services.trainings import (
    training_create,
    training_record_attendance,
    training_update,
)
from support.services.workers import worker_create, worker_leave, worker_update

__all__ = [
    "SOCIAL_ORG_FIELDS",
    "budget_set",
    "social_org_create",
    "social_org_set_status",
    "social_org_update",
    "special_fund_contribute",
    "special_fund_create",
    "special_fund_entry_reverse",
    "special_fund_grant",
    "spending_create",
    "spending_void",
    "training_create",
    "training_record_attendance",
    "training_update",
    "worker_create",
    "worker_leave",
    "worker_update",
]
