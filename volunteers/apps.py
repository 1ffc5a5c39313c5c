from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("志愿服务")

    def ready(self):
        # Changes to records that matter are audited (who, when, what). The
        # points ledger is not registered: it is its own audit trail
        # (append-only, each entry with who, when and why).
        from portal import audit, retention
        from volunteers import models as m

        resident = ["resident_name", "resident_address", "resident_phone"]
        for model in (
            m.Volunteer,
            m.Team,
            m.PointsRule,
            m.Activity,
            m.CheckIn,
            m.StationItem,
            m.Redemption,
            m.GroupServiceEvent,
        ):
            audit.register(model)
        audit.register(m.MicroWish, mask_fields=resident)
        audit.register(m.ServicePost, mask_fields=resident)

        # Retention (portal.retention): a volunteer record is its person's
        # own; a resident's wish or post with his phone loses name and phone.
        retention.register_person_rows(m.Volunteer)
        for model in (m.MicroWish, m.ServicePost):
            retention.register_copy(
                model,
                of="phone",
                lookup="resident_phone",
                values={
                    "resident_name": retention.LABEL,
                    "resident_phone": "",
                    "resident_address": "",
                },
            )
