"""Anonymise the personal data of volunteers who left long enough ago."""

from django.conf import settings
from django.core.management.base import BaseCommand

from volunteers.services import volunteers_anonymise_departed


class Command(BaseCommand):
    help = "匿名化退出已超过保存期限（PORTAL_RETENTION_DAYS）的志愿者的个人信息。"

    def handle(self, *args, **options):
        anonymised, kept = volunteers_anonymise_departed()
        self.stdout.write(
            "保存期限 %s 天：已匿名化 %s 人；%s 人因仍有其他身份而保留。"
            % (settings.PORTAL_RETENTION_DAYS, anonymised, kept)
        )
