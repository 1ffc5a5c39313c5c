"""Every write of the meetings app: one entry point per rule.

Keyword-only arguments, one transaction each, the permission check first
(``portal.roles.require`` → 403), ``full_clean()``, and a ``ValidationError``
with a Chinese message for bad input. ``user=None`` means the system itself (a
periodic task or the seed); views and the API always pass the signed-in user.

By subdomain: ``schedule`` (meetings, scheduling ahead, reminders),
``rotation`` (chair swaps), ``attendance_minutes``, ``problems``,
``action_items``, ``campaigns`` and ``channels``; ``_common`` holds the
helpers they share.
"""

from meetings.services._common import committee_target, is_committee_member
from meetings.services.action_items import (
    action_item_create,
    action_item_reschedule,
    action_item_update,
    action_items_mark_overdue,
    problem_create_with_item,
)
from meetings.services.attendance_minutes import (
    can_file_minutes,
    meeting_file_minutes,
    meeting_record_attendance,
    meeting_save_minutes_draft,
    unit_of_seat,
)
from meetings.services.campaigns import (
    campaign_create,
    campaign_section_create,
    meeting_record_inspections,
)
from meetings.services.channels import can_post_channel, channel_post_create
from meetings.services.problems import (
    can_report_problem,
    next_meeting,
    problem_answer,
    problem_create,
    problem_escalate,
    problem_from_grid_case,
)
from meetings.services.rotation import rotation_swap_record
from meetings.services.schedule import (
    MEETING_KINDS,
    SYNC_AHEAD,
    SYNC_BACK,
    default_schedule,
    meeting_cancel,
    meeting_schedule_month,
    meeting_update,
    meetings_schedule_ahead,
    meetings_sync_reminders,
    person_reachable,
)

__all__ = [
    "MEETING_KINDS",
    "SYNC_AHEAD",
    "SYNC_BACK",
    "action_item_create",
    "action_item_reschedule",
    "action_item_update",
    "action_items_mark_overdue",
    "campaign_create",
    "campaign_section_create",
    "can_file_minutes",
    "can_post_channel",
    "can_report_problem",
    "channel_post_create",
    "committee_target",
    "default_schedule",
    "is_committee_member",
    "meeting_cancel",
    "meeting_file_minutes",
    "meeting_record_attendance",
    "meeting_record_inspections",
    "meeting_save_minutes_draft",
    "meeting_schedule_month",
    "meeting_update",
    "meetings_schedule_ahead",
    "meetings_sync_reminders",
    "next_meeting",
    "person_reachable",
    "problem_answer",
    "problem_create",
    "problem_create_with_item",
    "problem_escalate",
    "problem_from_grid_case",
    "rotation_swap_record",
    "unit_of_seat",
]
