"""The trigger function with which append-only tables refuse TRUNCATE.

The ledgers (points, the special fund) and the evaluations' history refuse
UPDATE and DELETE row by row (their apps' ``append_only`` migrations); a
statement-level ``BEFORE TRUNCATE`` trigger calling this function closes the
last way to empty them. Each app's migration attaches it to its tables.

One way stays open: emptying the whole database with ``manage.py flush``
(also ``seed_demo --force`` and the teardown of transactional tests), which
sets the session setting ``portal.flush`` for the time of the flush
(``portal.db.whole_database_flush``). PostgreSQL only: SQLite has no TRUNCATE.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION portal_refuse_truncate()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('portal.flush', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION
        '% is append-only: TRUNCATE refused (manage.py flush empties the whole database)',
        TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
"""

BACKWARD = "DROP FUNCTION IF EXISTS portal_refuse_truncate();"


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # A plain cursor: RAISE's "%" is not a query parameter.
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_data_generation")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
