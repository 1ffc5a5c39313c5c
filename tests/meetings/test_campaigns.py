"""Campaign sections (S11): units own sections; each meeting inspects them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from meetings import services
from meetings.models import CampaignSection, SectionInspection
from tests.conftest import login
from tests.meetings.conftest import in_days


@pytest.fixture
def campaign(mworld):
    campaign = services.campaign_create(
        user=mworld.secretary_a,
        community=mworld.a,
        name="创建文明城市",
        starts_on=in_days(-30),
    )
    services.campaign_section_create(
        user=mworld.secretary_a,
        campaign=campaign,
        name="主干道沿线",
        unit=mworld.unit_a,
    )
    services.campaign_section_create(
        user=mworld.secretary_a, campaign=campaign, name="农贸市场", unit=mworld.unit_a2
    )
    return campaign


def test_a_section_belongs_to_a_unit_of_the_community(mworld, campaign):
    with pytest.raises(ValidationError, match="本社区"):
        services.campaign_section_create(
            user=mworld.secretary_a, campaign=campaign, name="x", unit=mworld.unit_b
        )
    with pytest.raises(PermissionDenied):
        services.campaign_section_create(
            user=mworld.secretary_b, campaign=campaign, name="x", unit=mworld.unit_a
        )


def test_the_meeting_records_an_inspection_result_per_section(
    mworld, campaign, meetings_next_month
):
    meeting = meetings_next_month.a
    first, second = CampaignSection.objects.filter(campaign=campaign).order_by("id")
    client = login(mworld.secretary_a)
    url = "/meetings/%s/inspections/" % meeting.pk
    assert "主干道沿线" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "result_%s" % first.pk: "good",
            "result_%s" % second.pk: "fail",
            "note_%s" % second.pk: "垃圾桶破损",
        },
    )
    assert response.status_code == 302
    rows = {i.section_id: i for i in SectionInspection.objects.filter(meeting=meeting)}
    assert rows[first.pk].result == "good" and rows[first.pk].unit == mworld.unit_a
    assert rows[second.pk].result == "fail" and rows[second.pk].note == "垃圾桶破损"
    # recording again updates, not duplicates
    client.post(url, {"result_%s" % first.pk: "pass"})
    assert SectionInspection.objects.filter(meeting=meeting).count() == 2
    assert SectionInspection.objects.get(section=first).result == "pass"
    # the meeting page and the campaign page show the results
    assert "垃圾桶破损" in client.get("/meetings/%s/" % meeting.pk).content.decode()
    page = client.get("/meetings/campaigns/%s/" % campaign.pk).content.decode()
    assert "不合格" in page and meeting.month_label in page


def test_a_section_of_another_community_cannot_be_inspected_here(
    mworld, campaign, meetings_next_month
):
    section = campaign.sections.first()
    with pytest.raises(ValidationError):
        services.meeting_record_inspections(
            user=mworld.secretary_b,
            meeting=meetings_next_month.b,
            results={section.pk: ("good", "")},
        )


def test_campaign_pages_create_and_are_scoped(mworld, campaign):
    client = login(mworld.secretary_a)
    response = client.post(
        "/meetings/campaigns/",
        {
            "community": mworld.a.pk,
            "name": "平安社区",
            "starts_on": in_days(0).isoformat(),
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    add = client.post(
        response["Location"], {"name": "学校周边", "unit": mworld.unit_a3.pk}
    )
    assert page.status_code == 200 and add.status_code == 302
    # B's secretary neither sees A's campaigns nor may create one in A
    other = login(mworld.secretary_b)
    assert other.get("/meetings/campaigns/%s/" % campaign.pk).status_code == 404
    assert "创建文明城市" not in other.get("/meetings/campaigns/").content.decode()
    bad = other.post(
        "/meetings/campaigns/",
        {"community": mworld.a.pk, "name": "x", "starts_on": in_days(0).isoformat()},
    )
    assert bad.status_code == 400


def test_the_campaign_list_costs_the_same_with_2_and_10_campaigns(mworld):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(mworld.street_staff)

    def make(n):
        for i in range(n):
            c = services.campaign_create(
                user=mworld.street_staff,
                community=mworld.a,
                name="活动%s" % i,
                starts_on=in_days(0),
            )
            services.campaign_section_create(
                user=mworld.street_staff,
                campaign=c,
                name="片%s" % i,
                unit=mworld.unit_a,
            )

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/meetings/campaigns/").status_code == 200
        return len(ctx.captured_queries)

    make(2)
    few = count()
    make(8)
    assert count() == few
