"""Pages of guarantee integration: workforce, trainings, social organisations,
community funds, the special fund and the routine notice.

Views are thin: a selector reads within the user's scope (another scope's
object is a 404), a service writes (a forbidden action is a 403).
"""

from support.views.funds import (
    budget_set,
    funds,
    spending_attachment,
    spending_create,
    spending_list,
    spending_void,
)
from support.views.home import home
from support.views.notice import notice, notice_xlsx
from support.views.social_orgs import (
    social_org_create,
    social_org_detail,
    social_org_list,
)
from support.views.special_fund import (
    special_fund_detail,
    special_fund_entry_reverse,
    special_funds,
)
from support.views.trainings import (
    training_create,
    training_detail,
    training_edit,
    training_list,
)
from support.views.workers import (
    compliance,
    compliance_xlsx,
    worker_create,
    worker_detail,
    worker_edit,
    worker_leave,
    worker_list,
)

__all__ = [
    "budget_set",
    "compliance",
    "compliance_xlsx",
    "funds",
    "home",
    "notice",
    "notice_xlsx",
    "social_org_create",
    "social_org_detail",
    "social_org_list",
    "spending_attachment",
    "spending_create",
    "spending_list",
    "spending_void",
    "special_fund_detail",
    "special_fund_entry_reverse",
    "special_funds",
    "training_create",
    "training_detail",
    "training_edit",
    "training_list",
    "worker_create",
    "worker_detail",
    "worker_edit",
    "worker_leave",
    "worker_list",
]
