"""Every write of the volunteers app.

Keyword-only arguments, one transaction each, the permission check first,
``full_clean()`` before saving, and a ``ValidationError`` with a clear Chinese
message when a rule says no. Views, API viewsets, tasks and commands call
these functions and nothing else writes these tables.

Concurrency: places on an activity, stock of an item and claims of a wish or
post are taken with a conditional UPDATE (``… WHERE still available``), so of
two writers exactly one wins; a volunteer's points are changed only under a
row lock on his ``PointsAccount``, taken before anything else, so balances
never go negative and never drift from the ledger's sum.
"""

# Rules the selectors read too; they live in ``volunteers.rules``.
from volunteers.rules import is_claimant, quarter_months
from volunteers.services.activities import (
    CHECKIN_SALT,
    activity_cancel,
    activity_checkin_token,
    activity_from_token,
    activity_publish,
    activity_qr_renew,
    checkin_window,
    signup_cancel,
    signup_create,
)
from volunteers.services.checkins import (
    CHECKOUT_GRACE_MINUTES,
    attendance_confirm,
    checkin_checkout,
    checkin_scan,
    checkout_opens_at,
    min_service_minutes,
    service_minutes,
)
from volunteers.services.claims import (
    claimable_cancel,
    claimable_claim,
    claimable_confirm,
    claimable_create,
    claimable_fulfil,
    post_create,
    wish_create,
)
from volunteers.services.in_service import (
    DEFAULT_PARTY_POINTS,
    group_event_record,
    in_service_year_close,
    party_points_confirm,
    service_card_notices_send,
)
from volunteers.services.ledger import (
    DEFAULT_RULES,
    points_award,
    points_balance,
    points_correct,
    points_for,
    points_ledger_sum,
    points_reverse,
    points_rule_default,
    points_rule_for,
    points_rule_update,
)
from volunteers.services.registration import (
    team_create,
    team_member_add,
    team_set_leader,
    volunteer_leave,
    volunteer_of,
    volunteer_register,
    volunteer_register_self,
    volunteers_anonymise_departed,
)
from volunteers.services.station import (
    redemption_cancel,
    redemption_create,
    station_get_or_create,
    station_item_create,
    station_item_restock,
)

__all__ = [
    "CHECKIN_SALT",
    "CHECKOUT_GRACE_MINUTES",
    "DEFAULT_PARTY_POINTS",
    "DEFAULT_RULES",
    "activity_cancel",
    "activity_checkin_token",
    "activity_from_token",
    "activity_publish",
    "activity_qr_renew",
    "attendance_confirm",
    "checkin_checkout",
    "checkin_scan",
    "checkin_window",
    "checkout_opens_at",
    "claimable_cancel",
    "claimable_claim",
    "claimable_confirm",
    "claimable_create",
    "claimable_fulfil",
    "group_event_record",
    "in_service_year_close",
    "is_claimant",
    "min_service_minutes",
    "party_points_confirm",
    "points_award",
    "points_balance",
    "points_correct",
    "points_for",
    "points_ledger_sum",
    "points_reverse",
    "points_rule_default",
    "points_rule_for",
    "points_rule_update",
    "post_create",
    "quarter_months",
    "redemption_cancel",
    "redemption_create",
    "service_card_notices_send",
    "service_minutes",
    "signup_cancel",
    "signup_create",
    "station_get_or_create",
    "station_item_create",
    "station_item_restock",
    "team_create",
    "team_member_add",
    "team_set_leader",
    "volunteer_leave",
    "volunteer_of",
    "volunteer_register",
    "volunteer_register_self",
    "volunteers_anonymise_departed",
    "wish_create",
]
