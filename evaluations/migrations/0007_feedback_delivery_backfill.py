"""Record how the months published before deliveries were recorded went.

Those months sent feedback to inboxes only: a result whose feedback notice is
in someone's inbox was delivered there; every other result (units and 大党委,
not the street's 大工委) reached nobody and is listed as undeliverable, so
its notice can be printed. Without these rows a retry would tell the heads of
an old month a second time.
"""

from django.db import migrations
from django.db.models import Count, Q


def backfill(apps, schema_editor):
    Publication = apps.get_model("evaluations", "Publication")
    Evaluation = apps.get_model("evaluations", "Evaluation")
    FeedbackDelivery = apps.get_model("evaluations", "FeedbackDelivery")
    Notification = apps.get_model("portal", "Notification")
    for publication in Publication.objects.order_by("pk").iterator():
        ids = list(
            Evaluation.objects.filter(publication=publication)
            .filter(Q(kind="unit") | Q(committee__kind="big_party"))
            .exclude(delivery__isnull=False)
            .values_list("pk", flat=True)
        )
        if not ids:
            continue
        links = {"/evaluations/results/%s/" % pk: pk for pk in ids}
        told = dict(
            Notification.objects.filter(
                kind__startswith="evaluations.feedback.", link__in=list(links)
            )
            .order_by()
            .values("link")
            .annotate(n=Count("pk"))
            .values_list("link", "n")
        )
        rows = []
        for link, pk in links.items():
            n = told.get(link, 0)
            rows.append(
                FeedbackDelivery(
                    publication=publication,
                    evaluation_id=pk,
                    channel="inbox" if n else "none",
                    recipients=n,
                )
            )
        FeedbackDelivery.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0006_feedback_delivery"),
        ("portal", "0003_data_generation"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
