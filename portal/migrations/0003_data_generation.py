"""The data generation sequence of ``portal.stats_cache`` (PostgreSQL only)."""

from django.db import migrations

SQL = "CREATE SEQUENCE IF NOT EXISTS portal_data_generation"
REVERSE = "DROP SEQUENCE IF EXISTS portal_data_generation"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_accesslog")]

    operations = [migrations.RunPython(create, drop)]
