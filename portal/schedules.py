"""Periodic tasks, kept in the database by django-celery-beat.

``ensure_schedules()`` runs after every ``migrate`` and creates or updates the
rows below (by name), so a fresh database has them without a manual step and
an admin's later edit of the timing in the admin is respected for existing rows
only where ``enabled`` was switched off.
"""

#: name → (task, schedule). Schedule: ("interval", minutes) or ("crontab", dict).
SCHEDULES = {
    "发送到期提醒": ("portal.send_due_reminders", ("interval", 1)),
    # Imports a broker outage left queued, or whose worker died; old results.
    "Excel 导入：补发排队的导入": ("orgs.resume_imports", ("interval", 1)),
    # The 1st of each month at 01:30: compute last month (publishing stays a
    # street admin's decision).
    "月度评议（上月）": (
        "evaluations.run_previous_month",
        ("crontab", {"minute": "30", "hour": "1", "day_of_month": "1"}),
    ),
    # Runs whose task was never sent (broker down) or went silent (message
    # lost, worker killed): sent again, once, then abandoned (SECURITY.md).
    "月度评议：恢复中断的评议": ("evaluations.watch_runs", ("interval", 2)),
    # Daily, so a missed run is made up the next day; scheduling is idempotent.
    "联席会议：排定本月和下月会议": (
        "meetings.schedule_ahead",
        ("crontab", {"minute": "5", "hour": "1"}),
    ),
    "联席会议：同步会议和举措提醒": ("meetings.sync_reminders", ("interval", 60)),
    "联席会议：网格上报事件列入议程": ("meetings.import_grid_cases", ("interval", 30)),
    "联席会议：标记逾期举措": (
        "meetings.mark_overdue_action_items",
        ("crontab", {"minute": "10", "hour": "0"}),
    ),
    "网格事件超期自动上报": (
        "grids.escalate_overdue_cases",
        ("crontab", {"minute": "30", "hour": "1"}),
    ),
    # Daily at 02:30: personal data past its retention period (SECURITY.md).
    "个人信息：匿名化超过保存期限的退出志愿者": (
        "volunteers.anonymise_departed",
        ("crontab", {"minute": "30", "hour": "2"}),
    ),
    "个人信息：清理过期的登录记录": (
        "portal.purge_signin_records",
        ("crontab", {"minute": "40", "hour": "2"}),
    ),
    "在职党员年度服务结算": (
        "volunteers.close_in_service_year",
        (
            "crontab",
            {"minute": "30", "hour": "1", "day_of_month": "1", "month_of_year": "1"},
        ),
    ),
    "在职党员季度服务记录卡": (
        "volunteers.send_service_cards",
        (
            "crontab",
            {
                "minute": "0",
                "hour": "8",
                "day_of_month": "1",
                "month_of_year": "1,4,7,10",
            },
        ),
    ),
}


CRONTAB_DEFAULTS = {
    "minute": "*",
    "hour": "*",
    "day_of_week": "*",
    "day_of_month": "*",
    "month_of_year": "*",
}


def ensure_schedules(**kwargs):
    from django_celery_beat.models import (
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
    )

    for name, (task, (kind, spec)) in SCHEDULES.items():
        defaults = {"task": task}
        if kind == "interval":
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=spec, period=IntervalSchedule.MINUTES
            )
            defaults.update(interval=interval, crontab=None)
        else:
            # Every field spelled out: a spec naming only minute and hour
            # must not also match a row that differs in its days or months.
            crontab, _ = CrontabSchedule.objects.get_or_create(
                timezone="Asia/Shanghai", **{**CRONTAB_DEFAULTS, **spec}
            )
            defaults.update(crontab=crontab, interval=None)
        PeriodicTask.objects.update_or_create(name=name, defaults=defaults)
