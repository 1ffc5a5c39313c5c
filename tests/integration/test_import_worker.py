"""An Excel import through the real broker: the page queues, a worker imports."""

import time

import pytest

from orgs.models import ImportJob, ImportStatus, OrgNode
from tests.conftest import login
from tests.orgs.test_import_jobs import _unit_rows, big_xlsx

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_worker_imports_the_file_the_page_queued(world, celery_worker_app):
    # given
    client = login(world.secretary_a)
    # when the page takes the file
    response = client.post(
        "/orgs/import/", {"kind": "units", "file": big_xlsx(_unit_rows(3))}
    )
    # then it answers at once with the job's page, and a worker imports it
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert wait_for(
        lambda: ImportJob.objects.get(pk=job.pk).status == ImportStatus.DONE
    ), ImportJob.objects.get(pk=job.pk).summary
    assert OrgNode.objects.filter(name__startswith="导入单位").count() == 3
    status = client.get(response.url + "status/").json()
    assert status["finished"] and status["percent"] == 100
