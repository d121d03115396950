"""A large export runs on a real Celery worker: the request answers at once with the job page,
the worker writes the workbook, and the requester downloads it."""

import time
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import ExportJob
from tests.conftest import real_celery_workers
from tests.factories import MemberFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_large_roster_export_is_written_by_the_worker(settings, personas, tree, client_for, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_JOB_THRESHOLD = 5
    for _ in range(6):
        MemberFactory(branch=tree["branch_a"])
    client = client_for(personas["unit_staff"])
    with real_celery_workers("exports"):
        response = client.post(reverse("branches:member-export"))
        job = ExportJob.objects.get()
        assert response["Location"] == job.get_absolute_url()
        deadline = time.monotonic() + 120
        while job.status != ExportJob.Status.DONE and time.monotonic() < deadline:
            assert job.status != ExportJob.Status.FAILED
            time.sleep(0.2)
            job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.total == 6
    download = client.get(reverse("exports:job-download", args=[job.pk]))
    rows = list(
        load_workbook(BytesIO(b"".join(download.streaming_content))).active.iter_rows(values_only=True)
    )
    assert len(rows) == 2 + 6
