"""What the evaluations models share: the user foreign key."""

from django.conf import settings
from django.db import models

USER = settings.AUTH_USER_MODEL


def _user_fk(verbose_name, *, related_name="+"):
    return models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
    )
