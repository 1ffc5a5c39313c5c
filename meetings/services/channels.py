"""The committee's channel between meetings (S13), mirrored to its group robot."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import ChannelPost
from meetings.services._common import committee_target, is_committee_member
from orgs.models import Committee
from portal.models import Channel, User
from portal.notify import notify, reminder_schedule
from portal.roles import Actor, can


def can_post_channel(user: Actor, committee: Committee) -> bool:
    if can(user, "meetings.post_channel", **committee_target(committee)):
        return True
    return can(user, "meetings.post_channel") and is_committee_member(user, committee)


@transaction.atomic
def channel_post_create(
    *,
    user: User,
    committee: Committee,
    body: str,
    title: str = "",
    parent: ChannelPost | None = None,
    mirror: bool = False,
) -> ChannelPost:
    """Post (or reply) on a committee's board; mirror a post to its group robot.

    The mirror is a reminder row on the webhook channel, due now: the periodic
    sender posts it, so a broker or network outage delays it and loses nothing.
    """
    if not can_post_channel(user, committee):
        raise PermissionDenied(_("只有本委员会的成员可以在此发帖。"))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("内容不能为空。")})
    if parent is not None:
        if parent.committee_id != committee.pk or parent.parent_id is not None:
            raise ValidationError(_("只能回复本委员会的主题帖。"))
        title = ""
    elif not (title or "").strip():
        raise ValidationError({"title": _("请填写标题。")})
    if mirror and not committee.webhook_url:
        raise ValidationError(_("该委员会没有设置群机器人地址，无法同步到群。"))
    post = ChannelPost(
        committee=committee,
        parent=parent,
        author=user,
        title=(title or "").strip()[:200],
        body=body,
        mirrored=bool(mirror and parent is None),
        street_id=committee.street_id,
        community_id=committee.community_id,
    )
    post.full_clean()
    post.save()
    link = reverse("meetings:channel", args=[committee.pk]) + "#post-%s" % (
        parent.pk if parent else post.pk
    )
    if post.mirrored:
        reminder_schedule(
            key="meetings:post:%s:webhook" % post.pk,
            due_at=timezone.now(),
            channel=Channel.WEBHOOK,
            target=committee.webhook_url,
            subject="【%s】%s" % (committee.name, post.title),
            body="%s\n—— %s" % (post.body, user),
            link=link,
            kind="meetings.channel",
        )
    if parent is not None and parent.author_id != user.pk:
        notify(
            recipients=[parent.author],
            title=_("%(who)s回复了您的帖子：%(title)s")
            % {"who": user, "title": parent.title},
            body=body[:500],
            link=link,
            kind="meetings.channel",
        )
    return post
