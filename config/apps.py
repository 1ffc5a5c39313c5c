from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The top floor as an installed app: only for its ``seed_demo`` command."""

    name = "config"
