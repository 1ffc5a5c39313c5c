"""Refuse TRUNCATE on the append-only tables of volunteers.

UPDATE and DELETE are refused row by row already; a statement-level
``BEFORE TRUNCATE`` trigger (``portal_refuse_truncate()``, portal 0004)
refuses emptying them too, also through ``TRUNCATE … CASCADE`` on a table
they point to. ``manage.py flush`` still empties the whole database (it
says so to the trigger). PostgreSQL only; a no-op on SQLite.
"""

from django.db import migrations

TABLES = [
    "volunteers_pointsentry",
]

FORWARD = """
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION portal_refuse_truncate();
"""

BACKWARD = "DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};"


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table in TABLES:
                schema_editor.execute(sql.format(table=table))

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0005_covering_indexes_for_the_evaluation"),
        ("portal", "0004_refuse_truncate"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
