"""Models of the evaluations app, one module per part (see each module):

- ``results``: grades and scoring policies, monthly runs, results,
  publications, grade overrides and feedback deliveries;
- ``ratings``: credit ratings and appeals (S23/S24), notices to departments;
- ``commitments``: the two-way commitments and their surveys (S20).

Results rows carry plain ``street`` / ``community`` / ``unit`` foreign keys so
scoping and counting are GROUP BYs. History rows (policy versions, grade
overrides, credit ratings, appeal events) are append-only: the services create
them and never update or delete them, and they have no ``updated_at``.
"""

from evaluations.models.commitments import (
    Commitment,
    CommitmentTheme,
    SurveyAnswer,
    SurveyRound,
    SurveyStatus,
    UnitView,
)
from evaluations.models.ratings import (
    CREDIT_LEVEL_ORDER,
    Appeal,
    AppealAction,
    AppealEvent,
    AppealStatus,
    CreditLevel,
    CreditRating,
    Department,
    DepartmentNotice,
    RatingSource,
)
from evaluations.models.results import (
    ACTIVE_RUN_STATUSES,
    GRADE_ORDER,
    DeliveryChannel,
    DeliveryState,
    Evaluation,
    EvaluationRun,
    FeedbackCategory,
    FeedbackDelivery,
    Grade,
    GradeOverride,
    Publication,
    RunStatus,
    RunTrigger,
    ScoringPolicy,
    SubjectKind,
)

__all__ = [
    "ACTIVE_RUN_STATUSES",
    "Appeal",
    "AppealAction",
    "AppealEvent",
    "AppealStatus",
    "CREDIT_LEVEL_ORDER",
    "Commitment",
    "CommitmentTheme",
    "CreditLevel",
    "CreditRating",
    "DeliveryChannel",
    "DeliveryState",
    "Department",
    "DepartmentNotice",
    "Evaluation",
    "EvaluationRun",
    "FeedbackCategory",
    "FeedbackDelivery",
    "GRADE_ORDER",
    "Grade",
    "GradeOverride",
    "Publication",
    "RatingSource",
    "RunStatus",
    "RunTrigger",
    "ScoringPolicy",
    "SubjectKind",
    "SurveyAnswer",
    "SurveyRound",
    "SurveyStatus",
    "UnitView",
]
