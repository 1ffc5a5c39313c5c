"""Check that every cached balance equals the sum of its ledger entries."""

from django.core.management.base import BaseCommand, CommandError

from volunteers.selectors import ledger_mismatches


class Command(BaseCommand):
    help = "核对积分余额与积分流水之和是否一致。"

    def handle(self, *args, **options):
        mismatches = list(ledger_mismatches()[:50])
        if mismatches:
            for volunteer_id, balance, ledger in mismatches:
                self.stderr.write(
                    f"志愿者 {volunteer_id}：余额 {balance}，流水合计 {ledger}"
                )
            raise CommandError("积分余额与流水不一致。")
        self.stdout.write("积分余额与流水一致。")
