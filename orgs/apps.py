from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("组织")

    def ready(self):
        from orgs.models import Committee, OrgNode, PartyMember, Person
        from portal import audit

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
