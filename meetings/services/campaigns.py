"""Campaigns (e.g. 创文), their sections given to units, and the on-site
inspection of the sections at a 大党委's meeting (S11)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from meetings.models import Campaign, CampaignSection, Meeting, SectionInspection
from meetings.services._common import (
    _actor,
    _check_meeting_open,
    _require,
    committee_target,
)
from orgs.models import OrgKind, OrgNode
from portal.models import User


@transaction.atomic
def campaign_create(
    *,
    user: User | None,
    community: OrgNode,
    name: str,
    starts_on: date,
    ends_on: date | None = None,
) -> Campaign:
    """Start a campaign (e.g. 创文) in a community."""
    _require(
        user,
        "meetings.manage",
        street_id=community.street_id,
        community_id=community.pk,
    )
    if community.kind != OrgKind.COMMUNITY:
        raise ValidationError(_("专项活动必须属于一个社区。"))
    if ends_on is not None and starts_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})
    campaign = Campaign(
        name=(name or "").strip(),
        street_id=community.street_id,
        community=community,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def campaign_section_create(
    *,
    user: User | None,
    campaign: Campaign,
    name: str,
    unit: OrgNode | None,
    area: str = "",
) -> CampaignSection:
    """Give a section of the campaign to a unit (分片包段)."""
    _require(
        user,
        "meetings.manage",
        street_id=campaign.street_id,
        community_id=campaign.community_id,
    )
    if (
        unit is None
        or unit.kind != OrgKind.UNIT
        or unit.community_id != campaign.community_id
    ):
        raise ValidationError({"unit": _("包保单位必须是本社区的驻区单位。")})
    section = CampaignSection(
        campaign=campaign,
        name=(name or "").strip(),
        area=(area or "").strip(),
        unit=unit,
        street_id=campaign.street_id,
        community_id=campaign.community_id,
    )
    section.full_clean()
    section.save()
    return section


@transaction.atomic
def meeting_record_inspections(
    *, user: User | None, meeting: Meeting, results: Mapping[Any, tuple[str, str]]
) -> Meeting:
    """Record the on-site inspection of sections: {section id: (result, note)}."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require(user, "meetings.file_minutes", **committee_target(meeting.committee))
    _check_meeting_open(meeting)
    if meeting.community_id is None:
        raise ValidationError(_("只有大党委的会议检查包保片段。"))
    sections = {
        s.pk: s
        for s in CampaignSection.objects.filter(
            community_id=meeting.community_id, pk__in=[int(k) for k in results]
        )
    }
    existing = {i.section_id: i for i in meeting.inspections.all()}
    for section_id, (result, note) in results.items():
        section = sections.get(int(section_id))
        if section is None:
            raise ValidationError(_("检查结果中有不属于本社区的片段。"))
        row = existing.get(section.pk) or SectionInspection(
            meeting=meeting,
            section=section,
            street_id=section.street_id,
            community_id=section.community_id,
            unit_id=section.unit_id,
        )
        row.result = result
        row.note = (note or "").strip()[:255]
        row.inspected_by = _actor(user)
        row.full_clean(validate_constraints=False)
        row.save()
    return meeting
