"""Check every organisation tree and grid tree; exit non-zero on any problem."""

from django.core.management.base import BaseCommand, CommandError

from orgs.trees import cell_tree_problems, org_tree_problems


class Command(BaseCommand):
    help = "检查所有组织树和网格树的 lft/rght/level 及街道/社区键是否与上级关系一致。"

    def handle(self, *args, **options):
        problems = org_tree_problems() + cell_tree_problems()
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError("发现 %s 处树结构问题（见上）。" % len(problems))
        self.stdout.write(self.style.SUCCESS("组织树和网格树完好。"))
