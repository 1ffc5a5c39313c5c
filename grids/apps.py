from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("网格")

    def ready(self):
        # Who changed a cell, who leads or serves it, and every case; the
        # reporter's phone masked. Tree numbers and map shapes are noise.
        from django.db.models import Q

        from grids.models import Case, CaseEvent, Cell, CellAssignment
        from portal import audit, retention

        audit.register(
            Cell,
            exclude_fields=["lft", "rght", "tree_id", "mptt_level", "boundary"],
        )
        audit.register(CellAssignment)
        audit.register(Case, mask_fields=["reporter_phone"])

        # Retention (portal.retention): a cell's leader or worker keeps his
        # data; an anonymised person's name and phone leave the cases.
        retention.register_keeper(Cell, lambda person: Q(leader=person), "grid leader")
        retention.register_keeper(
            CellAssignment,
            lambda person: Q(person=person, ended_on__isnull=True),
            "grid",
        )
        retention.register_copy(
            CaseEvent, of="user", lookup="by", values={"actor_name": retention.LABEL}
        )
        retention.register_copy(
            Case,
            of="phone",
            lookup="reporter_phone",
            values={"reporter_name": retention.LABEL, "reporter_phone": ""},
        )
