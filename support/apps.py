from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("保障")

    def ready(self):
        # Who changed a worker, an organisation, a budget or a spending. The
        # special fund's entries are append-only in the database (trigger) and
        # budgets keep their own revisions.
        from portal import audit
        from support.models import Budget, SocialOrg, SpecialFund, Spending, Worker

        audit.register(Worker)
        audit.register(SocialOrg, mask_fields=["contact_phone"])
        audit.register(Budget)
        audit.register(Spending)
        audit.register(SpecialFund)
