from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("组织")

    def ready(self):
        from django.db.models import Q

        from orgs.models import Committee, OrgNode, PartyMember, Person, Seat
        from portal import audit, retention

        # Who changed a unit, a person or a membership; phones masked. Tree
        # numbers change on every insert nearby: they are noise, not history.
        audit.register(
            OrgNode,
            mask_fields=["contact_phone"],
            exclude_fields=["lft", "rght", "level", "tree_id"],
        )
        audit.register(Person, mask_fields=["phone"])
        audit.register(PartyMember)
        audit.register(Committee)
        audit.register(Seat)

        # A member, an org's head or secretary, a seat holder keeps his data
        # under that purpose's own rules (portal.retention).
        retention.register_keeper(
            PartyMember, lambda person: Q(person=person), "party member"
        )
        retention.register_keeper(
            OrgNode,
            lambda person: Q(head=person) | Q(secretary=person),
            "head of an org",
        )
        retention.register_keeper(
            Seat, lambda person: Q(person=person, vacated_on__isnull=True), "seat"
        )
        # Register the app's tasks with Celery in every process, not only in
        # the worker: the import jobs send their task by name, and in-process
        # (eager) Celery, as in the tests, finds it only once registered.
        from orgs import tasks  # noqa: F401
