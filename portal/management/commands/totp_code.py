"""Print a user's current TOTP code: for the demo machine only (DEBUG on)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from portal.otp import confirmed_devices


class Command(BaseCommand):
    help = "显示某用户当前的两步验证码（仅限 DEBUG 开启的演示环境）。"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        from portal.models import User

        if not settings.DEBUG:
            raise CommandError("只能在 DEBUG=1 的演示环境中使用。")
        user = User.objects.filter(username=username).first()
        device = confirmed_devices(user).first() if user else None
        if device is None:
            raise CommandError(f"用户 {username} 没有已绑定的验证器。")
        code = totp(
            device.bin_key,
            step=device.step,
            t0=device.t0,
            digits=device.digits,
            drift=device.drift,
        )
        self.stdout.write(f"{code:0{device.digits}d}")
