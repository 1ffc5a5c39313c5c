"""Volunteers, teams, activities and check-ins, the points ledger, the love
station, micro-wishes and service posts, group service events, and the
in-service party members' yearly review.

Fact rows (check-ins, ledger entries, redemptions, wishes, posts, events)
carry plain ``street`` / ``community`` (and ``unit``) foreign keys, so every
count is a GROUP BY, never a walk of the org tree. Rules live in
``volunteers.services``; models hold fields, constraints and tiny properties.
One module per subdomain; the enumerations live in ``choices``.
"""

# Big fact tables index their foreign keys through composite indexes whose
# leading column is the key (``(community, checked_in_at)`` …), so the
# single-column index Django adds to every foreign key is switched off there
# (``db_index=False``): one index less to maintain per insert, no read any
# slower. Keys to users (who confirmed, who recorded) are never searched.

from volunteers.models.activities import (
    Activity,
    CheckIn,
    PointsRule,
    SignUp,
)
from volunteers.models.choices import (
    ATTENDED,
    CLAIMED_STATUSES,
    DONE_STATUSES,
    ActivityCategory,
    ActivityStatus,
    ActivityType,
    Attendance,
    ClaimStatus,
    EntryKind,
    GroupServiceType,
    PostKind,
    RedemptionStatus,
    ServiceMode,
    SignUpStatus,
    VolunteerKind,
    VolunteerStatus,
    WishCategory,
)
from volunteers.models.claims import (
    Claimable,
    MicroWish,
    ServicePost,
)
from volunteers.models.group_events import (
    GroupServiceEvent,
)
from volunteers.models.in_service import (
    MONTHLY_SERVICES_REQUIRED,
    YEARLY_SERVICES_REQUIRED,
    InServiceYearReview,
)
from volunteers.models.ledger import (
    PointsAccount,
    PointsEntry,
)
from volunteers.models.registration import (
    Team,
    TeamMembership,
    Volunteer,
)
from volunteers.models.station import (
    LoveStation,
    Redemption,
    StationItem,
)

__all__ = [
    "ATTENDED",
    "Activity",
    "ActivityCategory",
    "ActivityStatus",
    "ActivityType",
    "Attendance",
    "CLAIMED_STATUSES",
    "CheckIn",
    "ClaimStatus",
    "Claimable",
    "DONE_STATUSES",
    "EntryKind",
    "GroupServiceEvent",
    "GroupServiceType",
    "InServiceYearReview",
    "LoveStation",
    "MONTHLY_SERVICES_REQUIRED",
    "MicroWish",
    "PointsAccount",
    "PointsEntry",
    "PointsRule",
    "PostKind",
    "Redemption",
    "RedemptionStatus",
    "ServiceMode",
    "ServicePost",
    "SignUp",
    "SignUpStatus",
    "StationItem",
    "Team",
    "TeamMembership",
    "Volunteer",
    "VolunteerKind",
    "VolunteerStatus",
    "WishCategory",
    "YEARLY_SERVICES_REQUIRED",
]
