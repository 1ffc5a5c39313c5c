"""Restore a backup made by `manage.py backup` (make restore FILE=…)."""

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, read_manifest, restore_backup


class Command(BaseCommand):
    help = "从备份文件恢复数据库和上传的文件（会覆盖当前数据）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="backup 命令生成的 .tar 文件")
        parser.add_argument(
            "--into", help="恢复到另一个数据库（演练用；不存在时自动创建）"
        )
        parser.add_argument(
            "--no-media", action="store_true", help="只恢复数据库，不恢复上传的文件"
        )
        parser.add_argument(
            "--noinput", "--no-input", action="store_true", help="不要求确认"
        )

    def handle(self, *args, file, into=None, no_media=False, noinput=False, **kw):
        try:
            manifest = read_manifest(file)
        except Exception as exc:
            raise CommandError(f"无法读取备份文件 {file}：{exc}") from exc
        self.stdout.write(
            f"备份时间：{manifest.get('created_at')}，数据库：{manifest.get('database')}，"
            f"文件 {manifest.get('media_files', 0)} 个。"
        )
        if not into and not noinput:
            self.stdout.write(
                "恢复会用备份覆盖当前数据库（请先停止 Web、worker 和 beat）。"
            )
            if input("输入 yes 继续：").strip() != "yes":
                raise CommandError("已取消。")
        try:
            restore_backup(file, into=into, media=not no_media)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("恢复完成。"))
