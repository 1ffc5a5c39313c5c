"""Monthly joint meetings (联席会议) of the 大工委 and each 大党委.

A meeting a month per committee, chaired in rotation (``meetings.rotation``);
its attendance, minutes (sanitised HTML with a revision history) and
attachments; problems raised before and during it, each ending as action items
assigned to units or escalated to the 大工委; campaign sections inspected on
site; and the committee's channel between meetings.

Fact rows carry plain ``street``/``community`` (and ``unit``) keys so counting
is a GROUP BY. Every write goes through ``meetings.services``.

By subdomain: ``meetings`` (meetings, minutes revisions, rotation swaps),
``attendance`` (attendance and attachments), ``problems`` (problems, their
events, action items and their updates), ``campaigns`` and ``channels``.
"""

from meetings.models.attendance import (
    Attachment,
    AttachmentKind,
    Attendance,
    AttendanceStatus,
    AttendeeKind,
    attachment_path,
)
from meetings.models.campaigns import (
    Campaign,
    CampaignSection,
    InspectionResult,
    SectionInspection,
)
from meetings.models.channels import ChannelPost
from meetings.models.meetings import (
    Meeting,
    MeetingStatus,
    MinutesRevision,
    PlaceKind,
    RotationSwap,
)
from meetings.models.problems import (
    OPEN_PROBLEM_STATUSES,
    ActionItem,
    ActionItemStatus,
    ActionItemUpdate,
    Problem,
    ProblemEvent,
    ProblemEventKind,
    ProblemSource,
    ProblemStatus,
)

__all__ = [
    "OPEN_PROBLEM_STATUSES",
    "ActionItem",
    "ActionItemStatus",
    "ActionItemUpdate",
    "Attachment",
    "AttachmentKind",
    "Attendance",
    "AttendanceStatus",
    "AttendeeKind",
    "Campaign",
    "CampaignSection",
    "ChannelPost",
    "InspectionResult",
    "Meeting",
    "MeetingStatus",
    "MinutesRevision",
    "PlaceKind",
    "Problem",
    "ProblemEvent",
    "ProblemEventKind",
    "ProblemSource",
    "ProblemStatus",
    "RotationSwap",
    "SectionInspection",
    "attachment_path",
]
