"""Make the points ledger append-only in the database itself.

A trigger refuses every UPDATE and DELETE of a ``volunteers_pointsentry``
row, whoever issues it (the ORM, raw SQL, the admin, a shell): a mistake is
undone by a reversing entry, never by editing history. TRUNCATE is refused
by a statement trigger of its own (``0006_ledger_refuses_truncate``), except
for ``manage.py flush`` (tests, ``seed_demo --force``), which empties the
whole database.

On SQLite (the embedded default) the same rule is a trigger on UPDATE only:
SQLite's ``flush`` empties tables with DELETE, which a DELETE trigger would
break; PostgreSQL (CI and production) refuses both.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION volunteers_pointsentry_append_only()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION
        'volunteers_pointsentry is append-only: % refused (use a reversing entry)',
        TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
DROP TRIGGER IF EXISTS volunteers_pointsentry_append_only
    ON volunteers_pointsentry;
CREATE TRIGGER volunteers_pointsentry_append_only
    BEFORE UPDATE OR DELETE ON volunteers_pointsentry
    FOR EACH ROW EXECUTE FUNCTION volunteers_pointsentry_append_only();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS volunteers_pointsentry_append_only
    ON volunteers_pointsentry;
DROP FUNCTION IF EXISTS volunteers_pointsentry_append_only();
"""

SQLITE_FORWARD = """
CREATE TRIGGER IF NOT EXISTS volunteers_pointsentry_no_update
BEFORE UPDATE ON volunteers_pointsentry
BEGIN
    SELECT RAISE(ABORT, 'volunteers_pointsentry is append-only: UPDATE refused');
END;
"""

SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS volunteers_pointsentry_no_update;"


def _run(schema_editor, sql):
    # A plain cursor: the SQL holds a literal "%" (RAISE's placeholder) that
    # schema_editor.execute() would take for a query parameter.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_FORWARD)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_BACKWARD)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
