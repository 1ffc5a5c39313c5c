from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("门户")

    def ready(self):
        from django.urls import converters, register_converter

        from portal import otp  # noqa: F401 (connects the sign-in receiver)
        from portal.audit import register_portal_models
        from portal.params import YearConverter
        from portal.schedules import ensure_schedules

        if "year" not in converters.get_converters():
            register_converter(YearConverter, "year")

        post_migrate.connect(ensure_schedules, sender=self)
        register_portal_models()
