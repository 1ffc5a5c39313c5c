"""Back up the database and the uploaded files into one tar (make backup)."""

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "备份数据库（pg_dump 自定义格式）和上传的文件到 var/backups/。"

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", help="备份目录（默认 var/backups/）")

    def handle(self, *args, output_dir=None, **options):
        try:
            path = create_backup(output_dir)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"备份完成：{path}"))
        self.stdout.write("请把备份复制到另一台机器或离线介质，并定期演练恢复。")
