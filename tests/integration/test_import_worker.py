"""The import runs on a real Celery worker: the upload answers at once, the page shows the
progress, and the preview and the confirmed write appear when the worker is done."""

import time

import pytest
from django.urls import reverse

from branches.models import ImportJob, Member
from tests.branches.imports.conftest import member, upload, workbook_bytes
from tests.conftest import real_celery_workers

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(job, *statuses, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in statuses:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job stayed {job.status}")


def test_upload_and_confirm_run_on_the_worker(settings, personas, client_for, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    sheets = {"党员": [member("甲厅机关党委/甲厅第一党支部", f"W{n}", f"党员{n}") for n in range(30)]}
    client = client_for(personas["unit_staff"])
    with real_celery_workers("imports"):
        response = client.post(reverse("imports:upload"), {"file": upload(workbook_bytes(sheets))})
        job = ImportJob.objects.get()
        assert response["Location"] == job.get_absolute_url()
        page = client.get(job.get_absolute_url())  # revisiting while (or after) the worker runs
        assert page.status_code == 200
        wait_for(job, ImportJob.Status.PREVIEW)
        assert job.preview["error_count"] == 0
        client.post(reverse("imports:job-confirm", args=[job.pk]))
        wait_for(job, ImportJob.Status.DONE)
    assert Member.objects.filter(number__startswith="W").count() == 30
