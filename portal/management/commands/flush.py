"""``manage.py flush``, which may empty the append-only tables too.

The points ledger, the special fund's entries and the evaluations' history
refuse TRUNCATE (a trigger, migration ``portal/0004``) unless the session says
it is emptying the whole database. Django's flush, run through this command
(``seed_demo --force`` and the teardown of transactional tests call it by
name), says so for the time of the flush (``portal.db.whole_database_flush``).
"""

from django.core.management.commands import flush

from portal.db import whole_database_flush


class Command(flush.Command):
    def handle(self, **options):
        with whole_database_flush(options["database"]):
            return super().handle(**options)
