"""Append-only tables refuse TRUNCATE too; ``manage.py flush`` still empties
the whole database.

The points ledger, the special fund's entries and the evaluations' history
refuse UPDATE and DELETE row by row (their apps' ``append_only`` migrations)
and TRUNCATE by a statement trigger (``portal_refuse_truncate()``, migration
``portal/0004``). Only a whole-database flush (``manage.py flush``, which
``seed_demo --force`` and transactional tests' teardown call) passes.
"""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

#: Row triggers that refuse UPDATE or DELETE; statement triggers on TRUNCATE
#: (``pg_trigger.tgtype`` bits: ROW 1, UPDATE 16, DELETE 8, TRUNCATE 32).
TRIGGERS = """
SELECT c.relname
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND (t.tgtype & %s) <> 0
ORDER BY 1
"""
#: The append-only tables as the apps' migrations made them.
APPEND_ONLY = [
    "evaluations_appealevent",
    "evaluations_creditrating",
    "evaluations_gradeoverride",
    "evaluations_scoringpolicy",
    "support_specialfundentry",
    "volunteers_pointsentry",
]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("triggers refusing TRUNCATE exist on PostgreSQL only")


def _tables_with_trigger_on(bits):
    with connection.cursor() as cursor:
        cursor.execute(TRIGGERS, [bits])
        return sorted({name for (name,) in cursor.fetchall()})


def _count(table):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (our names)
        return cursor.fetchone()[0]


def test_the_append_only_tables_are_the_ones_refusing_update_and_delete():
    assert _tables_with_trigger_on(16 | 8) == APPEND_ONLY


def test_every_table_refusing_update_or_delete_refuses_truncate_too():
    # A new append-only table must get its BEFORE TRUNCATE trigger as well.
    refusing_rows = set(_tables_with_trigger_on(16 | 8))
    refusing_truncate = set(_tables_with_trigger_on(32))
    assert refusing_rows <= refusing_truncate, sorted(refusing_rows - refusing_truncate)


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_truncate_of_an_append_only_table_is_refused_and_its_rows_stay(world, table):
    # given the table's rows (the street's policy, entries and events if any)
    _fund_entry(world)
    before = _count(table)
    # when
    with (
        pytest.raises(DatabaseError, match=f"{table} is append-only: TRUNCATE"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # Check the rows written so far first: PostgreSQL refuses TRUNCATE
        # beside pending (deferred) foreign-key checks, for another reason.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'TRUNCATE "{table}" CASCADE')
    # then
    assert _count(table) == before


def _fund_entry(world):
    """A special fund with one contribution (a row of its ledger)."""
    from django.utils import timezone

    from support import services
    from tests.support.conftest import make_fund

    return services.special_fund_contribute(
        user=world.street_admin,
        fund=make_fund(world.street),
        amount=1000,
        occurred_on=timezone.localdate(),
        counterparty="爱心企业",
    )


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_whole_database_and_then_refuses_again(world):
    # given a special fund with its ledger, committed (a transactional test)
    from support.models import SpecialFundEntry

    _fund_entry(world)
    assert SpecialFundEntry.objects.exists()
    # when the whole database is flushed (as seed_demo --force does)
    call_command("flush", interactive=False, verbosity=0)
    # then every table is empty, the ledger included
    assert not SpecialFundEntry.objects.exists()
    # and the session lets no TRUNCATE through afterwards
    with (
        pytest.raises(DatabaseError, match="TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE support_specialfundentry")
