from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("评议考核")

    def ready(self):
        # Who changed a result, a grade, a rating or an appeal, and when. The
        # append-only rows (policies, overrides, ratings, appeal events) are
        # also refused UPDATE/DELETE by a trigger; the log adds the actor and
        # the request's address. Results are upserted in bulk by the runs (no
        # entry per computed row); an override's change of grade is logged.
        from evaluations import models as m
        from portal import audit

        for model in (
            m.ScoringPolicy,
            m.Publication,
            m.Evaluation,
            m.GradeOverride,
            m.CreditRating,
            m.Appeal,
            m.AppealEvent,
            m.DepartmentNotice,
            m.Commitment,
        ):
            audit.register(model)
        # Register the app's tasks with Celery in every process, not only in
        # the worker (whose autodiscovery imports them): the runs service
        # sends its task by name, and in-process (eager) Celery, as in the
        # tests, finds it only when it is registered.
        from evaluations import tasks  # noqa: F401
