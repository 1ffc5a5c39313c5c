"""Pages of the joint meetings: thin views over selectors and services.

Every object is fetched through a scoped selector (another scope's object is a
404); every write is a service call (a forbidden action is a 403, bad input a
form error in Chinese, never a 500). By subdomain: ``meetings`` (calendar,
meeting pages, attendance, minutes, inspections, attachments), ``problems``,
``items`` (action items), ``committees`` (channel and rotation) and
``campaigns``.
"""

from meetings.views.campaigns import campaign_detail, campaign_list
from meetings.views.committees import committee_channel, committee_rotation
from meetings.views.items import action_item_board, action_item_detail, action_item_todo
from meetings.views.meetings import (
    attachment_download,
    meeting_attendance,
    meeting_cancel,
    meeting_detail,
    meeting_edit,
    meeting_inspections,
    meeting_list,
    meeting_minutes,
    meeting_schedule,
)
from meetings.views.problems import (
    problem_add,
    problem_answer,
    problem_detail,
    problem_escalate,
    problem_item_add,
)

__all__ = [
    "action_item_board",
    "action_item_detail",
    "action_item_todo",
    "attachment_download",
    "campaign_detail",
    "campaign_list",
    "committee_channel",
    "committee_rotation",
    "meeting_attendance",
    "meeting_cancel",
    "meeting_detail",
    "meeting_edit",
    "meeting_inspections",
    "meeting_list",
    "meeting_minutes",
    "meeting_schedule",
    "problem_add",
    "problem_answer",
    "problem_detail",
    "problem_escalate",
    "problem_item_add",
]
