"""Activities (publish, cancel, their QR codes) and sign-ups."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode
from portal.models import User
from portal.roles import require
from volunteers.models import (
    Activity,
    ActivityStatus,
    SignUp,
    SignUpStatus,
    Team,
    Volunteer,
)
from volunteers.services._common import _check_community, _invalid
from volunteers.services.ledger import points_rule_for
from volunteers.services.registration import _require_volunteer

CHECKIN_SALT = "volunteers.checkin"


@transaction.atomic
def activity_publish(
    *,
    user: User,
    title: str,
    activity_type: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    street: OrgNode | None = None,
    community: OrgNode | None = None,
    unit: OrgNode | None = None,
    team: Team | None = None,
    service_mode: str = "voluntary",
    category: str = "activity",
    points_per_hour: int | None = None,
    description: str = "",
) -> Activity:
    """Publish an activity or project in one step and return it.

    Published by a unit (``unit``), a community (``community``) or the street
    (neither); the publisher needs ``volunteers.publish_activity`` there.
    """
    if unit is not None:
        if unit.kind != OrgKind.UNIT:
            raise _invalid(_("发布单位须为驻街单位。"), "unit")
        community = unit.community
        street = unit.street
        require(user, "volunteers.publish_activity", unit)
    elif community is not None:
        _check_community(community)
        street = community.street
        require(user, "volunteers.publish_activity", community)
    else:
        if street is None or street.kind != OrgKind.STREET:
            raise _invalid(_("请选择发布的社区或单位。"), "community")
        require(user, "volunteers.publish_activity", street)
    if points_per_hour is None:
        points_per_hour = points_rule_for(activity_type).points_per_hour
    if starts_at and ends_at and ends_at <= starts_at:
        raise _invalid(_("结束时间须晚于开始时间。"), "ends_at")
    activity = Activity(
        title=title,
        activity_type=activity_type,
        service_mode=service_mode,
        category=category,
        description=description,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        points_per_hour=points_per_hour,
        street=street,
        community=community,
        unit=unit,
        team=team,
        organiser=user,
    )
    activity.full_clean()
    activity.save()
    return activity


@transaction.atomic
def activity_cancel(*, user: User, activity: Activity) -> Activity:
    """Cancel a published activity (its check-ins and points stay)."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require(user, "volunteers.publish_activity", activity)
    if activity.status == ActivityStatus.CANCELLED:
        raise _invalid(_("活动已取消。"))
    activity.status = ActivityStatus.CANCELLED
    activity.cancelled_at = timezone.now()
    activity.save(update_fields=["status", "cancelled_at", "updated_at"])
    return activity


@transaction.atomic
def activity_qr_renew(*, user: User, activity: Activity) -> Activity:
    """Invalidate the activity's printed QR codes (a leaked code stops working)."""
    require(user, "volunteers.publish_activity", activity)
    Activity.objects.filter(pk=activity.pk).update(
        qr_version=F("qr_version") + 1, updated_at=timezone.now()
    )
    activity.refresh_from_db(fields=["qr_version", "updated_at"])
    return activity


def activity_checkin_token(activity: Activity) -> str:
    """Return the signed token carried by the activity's QR code."""
    return signing.dumps(
        {"a": activity.pk, "v": activity.qr_version}, salt=CHECKIN_SALT
    )


def activity_from_token(token: str) -> Activity:
    """Return the activity a check-in token names, or refuse the token."""
    try:
        data = signing.loads(token, salt=CHECKIN_SALT)
        activity = Activity.objects.select_related("community", "street").get(
            pk=int(data["a"])
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise _invalid(_("二维码无效，请扫描活动现场的签到二维码。")) from exc
    except Activity.DoesNotExist as exc:
        raise _invalid(_("二维码无效，请扫描活动现场的签到二维码。")) from exc
    if data.get("v") != activity.qr_version:
        raise _invalid(_("此二维码已失效，请扫描活动现场的最新二维码。"))
    return activity


def checkin_window(activity: Activity) -> tuple[datetime, datetime]:
    """Return (opens, closes): when the activity's QR code accepts check-ins."""
    return (
        activity.starts_at - timedelta(minutes=activity.checkin_opens_minutes),
        activity.ends_at,
    )


def _check_can_join(volunteer: Volunteer, activity: Activity, now: datetime) -> None:
    if activity.status != ActivityStatus.PUBLISHED:
        raise _invalid(_("活动已取消。"))
    if activity.street_id != volunteer.street_id:
        raise _invalid(_("只能参加本街道的活动。"))
    if now >= activity.ends_at:
        raise _invalid(_("活动已结束。"))


@transaction.atomic
def signup_create(
    *, user: User, activity: Activity, now: datetime | None = None
) -> SignUp:
    """Sign the user up for ``activity``; capacity holds under concurrency."""
    now = now or timezone.now()
    volunteer = _require_volunteer(user)
    require(user, "volunteers.participate", volunteer)
    _check_can_join(volunteer, activity, now)
    existing = SignUp.objects.filter(activity=activity, volunteer=volunteer).first()
    if existing is not None and existing.status == SignUpStatus.SIGNED:
        raise _invalid(_("您已报名本活动。"))
    try:
        with transaction.atomic():
            # The conditional UPDATE takes the place only while one is left:
            # of many concurrent sign-ups for the last place exactly one wins.
            taken = Activity.objects.filter(
                pk=activity.pk,
                status=ActivityStatus.PUBLISHED,
                signed_up_count__lt=F("capacity"),
            ).update(signed_up_count=F("signed_up_count") + 1)
            if not taken:
                raise _invalid(_("名额已满。"))
            if existing is not None:
                done = SignUp.objects.filter(
                    pk=existing.pk, status=SignUpStatus.CANCELLED
                ).update(
                    status=SignUpStatus.SIGNED,
                    signed_at=now,
                    cancelled_at=None,
                    updated_at=now,
                )
                if not done:
                    raise IntegrityError("signed up meanwhile")
                signup = SignUp.objects.get(pk=existing.pk)
            else:
                signup = SignUp.objects.create(
                    activity=activity,
                    volunteer=volunteer,
                    street_id=activity.street_id,
                    community_id=activity.community_id,
                    signed_at=now,
                )
    except IntegrityError as exc:
        raise _invalid(_("您已报名本活动。")) from exc
    return signup


@transaction.atomic
def signup_cancel(
    *, user: User, activity: Activity, now: datetime | None = None
) -> None:
    """Cancel the user's sign-up and free the place."""
    now = now or timezone.now()
    volunteer = _require_volunteer(user)
    done = SignUp.objects.filter(
        activity=activity, volunteer=volunteer, status=SignUpStatus.SIGNED
    ).update(status=SignUpStatus.CANCELLED, cancelled_at=now, updated_at=now)
    if not done:
        raise _invalid(_("您没有报名本活动。"))
    Activity.objects.filter(pk=activity.pk, signed_up_count__gt=0).update(
        signed_up_count=F("signed_up_count") - 1
    )
