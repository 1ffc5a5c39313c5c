"""Print the key figures (the same JSON as GET /api/v1/stats/)."""

import json

from django.core.management.base import BaseCommand, CommandError

from dashboard.stats import stats_for, stats_for_scope
from portal.scope import Scope


class Command(BaseCommand):
    help = "打印平台关键数据（与 /api/v1/stats/ 相同的 JSON）。"

    def add_arguments(self, parser):
        parser.add_argument("--user", help="按该用户的范围统计（默认：全部）")

    def handle(self, *args, user=None, **options):
        from portal.models import User

        if user:
            try:
                figures = stats_for(User.objects.get(username=user))
            except User.DoesNotExist as exc:
                raise CommandError(f"用户 {user} 不存在。") from exc
        else:
            figures = stats_for_scope(Scope(is_superuser=True))
        self.stdout.write(
            json.dumps(figures, ensure_ascii=False, indent=2, sort_keys=True)
        )
