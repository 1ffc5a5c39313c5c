"""Create the demo street (requirements S1–S24) and the demo logins."""

import random
import secrets
import time
from importlib import import_module

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.demo import SeedContext

#: Seed steps in order; each app's ``seed.py`` exposes ``seed(ctx)``.
SEED_APPS = [
    "orgs",
    "grids",
    "portal",
    "meetings",
    "volunteers",
    "evaluations",
    "support",
]
RANDOM_SEED = 20190601
DEMO_LOGINS_FILE = "demo-logins.txt"


class Command(BaseCommand):
    help = "创建演示街道（张湾街道）及演示账号。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", help="所有演示账号的密码（不给则随机生成并打印）"
        )
        parser.add_argument(
            "--force", action="store_true", help="数据库已有数据时清空后重建"
        )
        parser.add_argument(
            "--streets", type=int, default=1, help="生成的街道数（性能测试用）"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="数据库已有数据时什么也不做"
        )

    def handle(
        self, *args, password=None, force=False, streets=1, if_empty=False, **kw
    ):
        from django.conf import settings

        from orgs.models import OrgNode
        from portal.models import User

        if streets < 1:
            raise CommandError("--streets 至少为 1。")
        has_data = OrgNode.objects.exists() or User.objects.exists()
        if has_data and if_empty:
            self.stdout.write("数据库已有数据，跳过演示数据。")
            return
        if has_data and not force:
            raise CommandError(
                "数据库中已有数据；如确要清空并重建演示数据，请加 --force。"
            )
        if has_data:
            self.stdout.write("清空现有数据……")
            call_command("flush", interactive=False, verbosity=0)
        password = password or secrets.token_urlsafe(9)
        ctx = SeedContext(
            rng=random.Random(RANDOM_SEED),  # noqa: S311 (demo data, not secrets)
            stdout=self.stdout,
            password=password,
            streets=streets,
        )
        started = time.monotonic()
        for app in SEED_APPS:
            try:
                module = import_module(f"{app}.seed")
            except ModuleNotFoundError as exc:
                if exc.name not in (app, f"{app}.seed"):
                    raise
                continue
            step_started = time.monotonic()
            with transaction.atomic():
                module.seed(ctx)
            self.stdout.write(f"  {app}: {time.monotonic() - step_started:.1f}s")
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已生成，用时 {time.monotonic() - started:.1f}s。"
            )
        )
        logins = ctx.data.get("logins", [])
        lines = [f"{username:<12} {label}" for username, label in logins]
        text = "演示账号（密码均为 %s）：\n%s\n" % (password, "\n".join(lines))
        notes = ctx.data.get("login_notes", [])
        if notes:
            text += "\n".join(notes) + "\n"
        (settings.VAR_DIR / DEMO_LOGINS_FILE).write_text(text, encoding="utf-8")
        self.stdout.write(text)
