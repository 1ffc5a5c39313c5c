"""The committee's channel between meetings (S13)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import TimeStamped

# -- committee channel (S13) ------------------------------------------------------


class ChannelPost(TimeStamped):
    """A post or a reply on a committee's notice board (plain text)."""

    committee = models.ForeignKey(
        "orgs.Committee",
        on_delete=models.PROTECT,
        related_name="channel_posts",
        verbose_name=_("委员会"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("回复的帖子"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发帖人"),
    )
    title = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    mirrored = models.BooleanField(_("同步到群"), default=False)
    street = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("街道"),
    )
    community = models.ForeignKey(
        "orgs.OrgNode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区"),
    )

    class Meta:
        verbose_name = _("委员会交流帖")
        verbose_name_plural = _("委员会交流帖")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["committee", "parent", "created_at"])]

    def __str__(self):
        return self.title or self.body[:30]
