from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("保障")

    def ready(self):
        # Who changed a worker, an organisation, a budget or a spending. The
        # special fund's entries are append-only in the database (trigger) and
        # budgets keep their own revisions.
        from django.db.models import Q

        from portal import audit, retention
        from support.models import Budget, SocialOrg, SpecialFund, Spending, Worker

        audit.register(Worker)
        audit.register(SocialOrg, mask_fields=["contact_phone"])
        audit.register(Budget)
        audit.register(Spending)
        audit.register(SpecialFund)

        # A worker still in post keeps his data (portal.retention).
        retention.register_keeper(
            Worker, lambda person: Q(person=person, left_on__isnull=True), "worker"
        )
