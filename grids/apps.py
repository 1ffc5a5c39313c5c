from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("网格")

    def ready(self):
        # Who changed a cell, who leads or serves it, and every case; the
        # reporter's phone masked. Tree numbers and map shapes are noise.
        from grids.models import Case, Cell, CellAssignment
        from portal import audit

        audit.register(
            Cell,
            exclude_fields=["lft", "rght", "tree_id", "mptt_level", "boundary"],
        )
        audit.register(CellAssignment)
        audit.register(Case, mask_fields=["reporter_phone"])
