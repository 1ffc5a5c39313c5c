from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("联席会议")

    def ready(self):
        from meetings.models import (
            ActionItem,
            Attachment,
            Attendance,
            Meeting,
            MinutesRevision,
            Problem,
            RotationSwap,
            SectionInspection,
        )
        from portal import audit, retention

        # Minutes keep their own revisions (MinutesRevision); problems and
        # items their own step history. The audit log covers every other change
        # (and those too, field by field), with who did it.
        audit.register(Meeting, exclude_fields=["minutes_html"])
        # A revision is created once and never changed; the log also records a
        # deletion (the admin may delete), with the text it removed.
        audit.register(MinutesRevision)
        audit.register(RotationSwap)
        audit.register(Attendance)
        audit.register(Problem)
        audit.register(ActionItem)
        audit.register(Attachment)
        audit.register(SectionInspection)

        # An anonymised person's name leaves the attendance lists and the
        # problems he reported (portal.retention).
        retention.register_copy(
            Attendance,
            of="person",
            lookup="seat__person",
            values={"name": retention.LABEL},
        )
        retention.register_copy(
            Problem,
            of="user",
            lookup="reporter",
            values={"reporter_name": retention.LABEL},
        )
