"""Start the monthly evaluation of a month: the same job as the page's button."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from evaluations import selectors, services
from evaluations.models import EvaluationRun, RunStatus, RunTrigger
from evaluations.months import month_label, parse_month
from orgs.models import OrgKind, OrgNode


class Command(BaseCommand):
    help = "发起某月的月度评议（与页面上的“开始评议”是同一个任务），并显示进度。"

    def add_arguments(self, parser):
        parser.add_argument(
            "month",
            nargs="?",
            help="要评议的月份，格式 YYYY-MM（默认：每个街道最近一个可以评议的月份）",
        )
        parser.add_argument("--street", help="街道编码（默认：所有街道）")
        parser.add_argument(
            "--no-wait", action="store_true", help="只把任务放入队列，不等待完成"
        )
        parser.add_argument(
            "--timeout", type=int, default=3600, help="等待完成的最长秒数"
        )

    def handle(self, *args, month, street=None, no_wait=False, timeout=3600, **kw):
        if month is not None:
            try:
                month = parse_month(month)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        streets = OrgNode.objects.filter(kind=OrgKind.STREET).order_by("pk")
        if street:
            streets = streets.filter(code=street)
        if not streets:
            raise CommandError("没有找到街道。")
        runs = []
        for node in streets:
            # The run page's rule: the months that may be run, newest first.
            open_months = selectors.run_months_open(street_id=node.pk)
            if month is None and not open_months:
                raise CommandError(
                    "%s：最近%s个已结束的月份都已发布，没有可以评议的月份。"
                    % (node.name, selectors.RUN_MONTHS_OFFERED)
                )
            try:
                run = services.evaluation_run_start(
                    user=None,
                    street=node,
                    month=month or open_months[0],
                    trigger=RunTrigger.COMMAND,
                )
            except ValidationError as exc:
                hint = (
                    "可以评议的月份：%s。"
                    % "、".join(month_label(m) for m in open_months)
                    if open_months
                    else ""
                )
                raise CommandError(
                    "%s：%s %s" % (node.name, " ".join(exc.messages), hint)
                ) from exc
            run.refresh_from_db(fields=["status", "queued_at"])
            self.stdout.write(
                (
                    "%s %s：已记录评议（编号 %s），任务队列暂时不可用，恢复后自动开始。"
                    if run.waiting_for_queue
                    else "%s %s：已发起评议（编号 %s）。"
                )
                % (node.name, run.month.strftime("%Y-%m"), run.pk)
            )
            runs.append(run.pk)
        if no_wait:
            return
        self._wait(runs, timeout)

    def _wait(self, run_ids, timeout):
        deadline = time.monotonic() + timeout
        last = None
        while True:
            runs = list(EvaluationRun.objects.filter(pk__in=run_ids).order_by("pk"))
            line = "  ".join(
                "#%s %s %s/%s" % (r.pk, r.get_status_display(), r.done, r.total)
                for r in runs
            )
            if line != last:
                self.stdout.write(line)
                last = line
            if all(not r.is_active for r in runs):
                break
            if time.monotonic() > deadline:
                raise CommandError("等待超时：评议仍在进行，可在评议页面查看进度。")
            time.sleep(1)
        failed = [r for r in runs if r.status != RunStatus.DONE]
        if failed:
            raise CommandError(
                "评议未完成：%s" % "；".join(f"#{r.pk} {r.error}" for r in failed)
            )
        for run in runs:
            self.stdout.write(
                self.style.SUCCESS(
                    "#%s 完成：%s 个单位、%s 个委员会，用时 %s 秒。"
                    % (
                        run.pk,
                        run.units_done,
                        run.committees_done,
                        run.duration_seconds,
                    )
                )
            )
