"""Every write of the evaluations app.

Keyword-only arguments, one transaction, permission first (``require`` → 403),
then the rule checks (``ValidationError`` with a Chinese message). Views, API,
tasks, commands and the demo seed all call these. By subdomain:

- ``scoring``: the scoring policy and the writing of a run's scored results;
- ``runs``: starting, queueing and executing a monthly run, the watchdog;
- ``publication``: grade overrides, publishing a month and its feedback
  deliveries, notices to departments;
- ``ratings_appeals``: credit levels and stars (S23) and their appeals;
- ``commitments``: two-way commitments and their surveys (S20).
"""

from evaluations.services.commitments import (
    commitment_create,
    survey_answer,
    survey_close,
    survey_open,
    survey_send_results,
    unit_view_submit,
)
from evaluations.services.publication import (
    department_notice_create,
    evaluation_override,
    feedback_redeliver,
    month_publish,
)
from evaluations.services.ratings_appeals import (
    GRADE_POINTS,
    RATING_MIN_MONTHS,
    RATING_WINDOW_MONTHS,
    appeal_decide,
    appeal_submit,
    credit_rating_decide,
    credit_ratings_derive,
    credit_rules,
)
from evaluations.services.runs import (
    EVALUATED_COMMITTEES,
    RunLost,
    evaluation_run_execute,
    evaluation_run_previous_month,
    evaluation_run_start,
    evaluation_runs_watch,
)
from evaluations.services.scoring import policy_create, policy_ensure_default

__all__ = [
    "EVALUATED_COMMITTEES",
    "GRADE_POINTS",
    "RATING_MIN_MONTHS",
    "RATING_WINDOW_MONTHS",
    "RunLost",
    "appeal_decide",
    "appeal_submit",
    "commitment_create",
    "credit_rating_decide",
    "credit_ratings_derive",
    "credit_rules",
    "department_notice_create",
    "evaluation_override",
    "evaluation_run_execute",
    "evaluation_run_previous_month",
    "evaluation_run_start",
    "evaluation_runs_watch",
    "feedback_redeliver",
    "month_publish",
    "policy_create",
    "policy_ensure_default",
    "survey_answer",
    "survey_close",
    "survey_open",
    "survey_send_results",
    "unit_view_submit",
]
