"""Make the evaluations' history rows append-only in the database itself.

Policy versions, grade overrides, credit ratings and appeal events are the
record of who decided what and why: a trigger refuses every UPDATE and DELETE
of them, whoever issues it (the ORM, raw SQL, the admin, a shell). A change is
a new row. TRUNCATE is refused by a statement trigger
(``0009_history_refuses_truncate``), except for ``manage.py flush`` (tests,
``seed_demo --force``), which empties the whole database.

On SQLite (the embedded default) the rule is a trigger on UPDATE only, since
SQLite's ``flush`` empties tables with DELETE; PostgreSQL refuses both.
"""

from django.db import migrations

TABLES = [
    "evaluations_scoringpolicy",
    "evaluations_gradeoverride",
    "evaluations_creditrating",
    "evaluations_appealevent",
]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION evaluations_history_append_only()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused (add a new row instead)',
        TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
"""

PG_TRIGGER = """
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION evaluations_history_append_only();
"""

PG_BACKWARD = "DROP TRIGGER IF EXISTS {table}_append_only ON {table};"

SQLITE_FORWARD = """
CREATE TRIGGER IF NOT EXISTS {table}_no_update
BEFORE UPDATE ON {table}
BEGIN
    SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused');
END;
"""

SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS {table}_no_update;"


def _run(schema_editor, sql):
    # A plain cursor: RAISE's "%" placeholders are not query parameters.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_FUNCTION)
        for table in TABLES:
            _run(schema_editor, PG_TRIGGER.format(table=table))
    elif vendor == "sqlite":
        for table in TABLES:
            _run(schema_editor, SQLITE_FORWARD.format(table=table))


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in TABLES:
            _run(schema_editor, PG_BACKWARD.format(table=table))
        _run(schema_editor, "DROP FUNCTION IF EXISTS evaluations_history_append_only();")
    elif vendor == "sqlite":
        for table in TABLES:
            _run(schema_editor, SQLITE_BACKWARD.format(table=table))


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
