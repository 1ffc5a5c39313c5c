"""Micro-wishes and service posts: listing, claiming, fulfilling, confirming."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import OrgKind, OrgNode
from portal.markup import strip_markup
from portal.models import Role, User
from portal.notify import notify
from portal.roles import require
from portal.uploads import upload_check, upload_store
from volunteers.models import ClaimStatus, MicroWish, ServicePost
from volunteers.photos import PROOF_PHOTO
from volunteers.rules import Claim, is_claimant
from volunteers.services._common import _check_community, _invalid
from volunteers.services.registration import _require_volunteer


def _noun(model: type[MicroWish | ServicePost]) -> str:
    return _("心愿") if model is MicroWish else _("岗位")


def _secretaries_of(community_id: int) -> list[User]:
    return list(
        User.objects.filter(
            role_assignments__role=Role.COMMUNITY_SECRETARY,
            role_assignments__org_node_id=community_id,
            is_active=True,
        ).distinct()
    )


@transaction.atomic
def claimable_create(
    *,
    user: User,
    model: type[Claim],
    community: OrgNode,
    title: str,
    description: str = "",
    resident_name: str = "",
    resident_address: str = "",
    resident_phone: str = "",
    **fields: Any,
) -> Claim:
    """List a micro-wish or a service post in ``community``; return it.

    Its texts are stored as plain text (markup removed): the API hands them to
    clients that may render HTML.
    """
    _check_community(community)
    require(user, "volunteers.manage", community)
    obj = model(
        community=community,
        street_id=community.street_id,
        title=strip_markup(title).strip(),
        description=strip_markup(description).strip(),
        resident_name=strip_markup(resident_name).strip(),
        resident_address=strip_markup(resident_address).strip(),
        resident_phone=resident_phone,
        created_by=user,
        **fields,
    )
    obj.full_clean()
    obj.save()
    return obj


def wish_create(*, user: User, community: OrgNode, **fields: Any) -> MicroWish:
    return claimable_create(user=user, model=MicroWish, community=community, **fields)


def post_create(*, user: User, community: OrgNode, **fields: Any) -> ServicePost:
    return claimable_create(user=user, model=ServicePost, community=community, **fields)


@transaction.atomic
def claimable_claim(
    *,
    user: User,
    obj: Claim,
    as_unit: OrgNode | None = None,
    now: datetime | None = None,
) -> Claim:
    """Claim a wish or post for a unit or for the user as a party member.

    Exactly one claimant wins when several claim at once: the claim is one
    conditional UPDATE (``… WHERE status = 'open'``); the others are told it
    is already claimed.
    """
    now = now or timezone.now()
    model = type(obj)
    noun = _noun(model)
    values: dict[str, Any] = {"claimed_by_user": user, "claimed_at": now}
    if as_unit is not None:
        if as_unit.kind != OrgKind.UNIT:
            raise _invalid(_("认领单位须为驻街单位。"))
        require(user, "volunteers.claim", as_unit)
        if as_unit.street_id != obj.street_id:
            raise _invalid(_("只能认领本街道的%s。") % noun)
        values["claimed_by_unit"] = as_unit
    else:
        volunteer = _require_volunteer(user)
        if not volunteer.is_party_member:
            raise _invalid(_("微心愿和服务岗位由党员或驻街单位认领。"))
        require(user, "volunteers.claim", community_id=obj.community_id)
        values["claimed_by_volunteer"] = volunteer
    won = model.objects.filter(pk=obj.pk, status=ClaimStatus.OPEN).update(
        status=ClaimStatus.CLAIMED, updated_at=now, **values
    )
    if not won:
        current = (
            model.objects.filter(pk=obj.pk).values_list("status", flat=True).first()
        )
        if current == ClaimStatus.CANCELLED:
            raise _invalid(_("该%s已撤销。") % noun)
        raise _invalid(_("该%s已被认领。") % noun)
    obj = model.objects.get(pk=obj.pk)
    notify(
        recipients=_secretaries_of(obj.community_id),
        title=_("%(noun)s“%(title)s”已被认领") % {"noun": noun, "title": obj.title},
        kind="volunteers.claim",
    )
    return obj


@transaction.atomic
def claimable_fulfil(
    *,
    user: User,
    obj: Claim,
    photo: UploadedFile | None,
    note: str = "",
    now: datetime | None = None,
) -> Claim:
    """Mark a claimed wish or post fulfilled, with a photo as proof."""
    now = now or timezone.now()
    model = type(obj)
    obj = model.objects.select_for_update().get(pk=obj.pk)
    if not is_claimant(obj, user):
        raise _invalid(_("只有认领人可以登记完成情况。"))
    if obj.status != ClaimStatus.CLAIMED:
        raise _invalid(_("该%s当前不能登记完成。") % _noun(model))
    if photo is None:
        raise _invalid(_("请上传完成情况的照片。"), "photo")
    name = upload_store(upload_check(photo, policy=PROOF_PHOTO), policy=PROOF_PHOTO)
    obj.photo = name
    obj.fulfil_note = strip_markup(note)[:500]
    obj.fulfilled_at = now
    obj.status = ClaimStatus.FULFILLED
    obj.save(
        update_fields=["photo", "fulfil_note", "fulfilled_at", "status", "updated_at"]
    )
    notify(
        recipients=_secretaries_of(obj.community_id),
        title=_("%(noun)s“%(title)s”已完成，请确认")
        % {"noun": _noun(model), "title": obj.title},
        kind="volunteers.fulfil",
    )
    return obj


@transaction.atomic
def claimable_confirm(*, user: User, obj: Claim, now: datetime | None = None) -> Claim:
    """The community confirms a fulfilled wish or post."""
    now = now or timezone.now()
    model = type(obj)
    require(user, "volunteers.manage", obj)
    done = model.objects.filter(pk=obj.pk, status=ClaimStatus.FULFILLED).update(
        status=ClaimStatus.CONFIRMED,
        confirmed_at=now,
        confirmed_by=user,
        updated_at=now,
    )
    if not done:
        raise _invalid(_("只有已完成的%s可以确认。") % _noun(model))
    obj = model.objects.get(pk=obj.pk)
    notify(
        recipients=[obj.claimed_by_user],
        title=_("社区已确认：%s") % obj.title,
        kind="volunteers.confirm",
    )
    return obj


@transaction.atomic
def claimable_cancel(*, user: User, obj: Claim, now: datetime | None = None) -> Claim:
    """Withdraw an open wish or post."""
    now = now or timezone.now()
    model = type(obj)
    require(user, "volunteers.manage", obj)
    done = model.objects.filter(pk=obj.pk, status=ClaimStatus.OPEN).update(
        status=ClaimStatus.CANCELLED, cancelled_at=now, updated_at=now
    )
    if not done:
        raise _invalid(_("只有待认领的%s可以撤销。") % _noun(model))
    return model.objects.get(pk=obj.pk)
