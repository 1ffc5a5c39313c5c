"""Make the special fund's ledger append-only in PostgreSQL.

A trigger refuses UPDATE and DELETE on ``support_specialfundentry``: a mistake
is corrected by a reversal entry, so the ledger keeps every movement. TRUNCATE
is refused by a statement trigger (``0003_ledger_refuses_truncate``), except
for ``manage.py flush`` (tests' teardown, ``seed_demo --force``). SQLite,
the embedded default, has no such trigger; the services never update rows.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION support_fund_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'support_specialfundentry is append-only (use a reversal entry)';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS support_fund_entry_append_only ON support_specialfundentry;
CREATE TRIGGER support_fund_entry_append_only
    BEFORE UPDATE OR DELETE ON support_specialfundentry
    FOR EACH ROW EXECUTE FUNCTION support_fund_entry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS support_fund_entry_append_only ON support_specialfundentry;
DROP FUNCTION IF EXISTS support_fund_entry_append_only();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
