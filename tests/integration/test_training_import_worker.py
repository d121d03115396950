"""A 5,000-row sign-in sheet previewed and confirmed by a real Celery worker through Redis (the
import engine's tasks), importing it again changes nothing; both within 30 s, with progress."""

import time
from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from branches.imports import engine
from branches.models import ImportJob, Member
from tests.conftest import real_celery_workers
from tests.factories import MemberFactory
from training import imports
from training.models import Attendance, TrainingEvent

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROWS = 5000


def wait_for(job, statuses, seen, timeout=60):
    """Poll like the page does; ``seen`` collects the progress percentages shown meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.add(engine.job_progress(job)[0])
        if job.status in statuses:
            return
        time.sleep(0.05)
    raise AssertionError(f"job still {job.status}")


def test_five_thousand_rows_on_a_real_worker(tree, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    Member.objects.bulk_create(
        [MemberFactory.build(branch=tree["branch_a"], name=f"党员{i:04d}") for i in range(ROWS)],
        batch_size=2000,
    )
    event = TrainingEvent.objects.create(
        tier="unit",
        organizer=tree["unit_a"],
        title="轮训",
        start_on=date(2026, 3, 1),
        end_on=date(2026, 3, 1),
        hours=8,
        audience="all_members",
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["姓名", "支部"])
    for i in range(ROWS):
        sheet.append([f"党员{i:04d}", tree["branch_a"].name])
    buffer = BytesIO()
    workbook.save(buffer)
    user = personas["unit_staff"]
    with real_celery_workers("training-import"):
        for expected in (
            {"created": ROWS, "updated": 0, "unchanged": 0},
            {"created": 0, "updated": 0, "unchanged": ROWS},
        ):
            started = time.monotonic()
            job = imports.import_start(
                event=event, user=user, upload=SimpleUploadedFile("s.xlsx", buffer.getvalue())
            )
            seen = set()
            wait_for(job, {ImportJob.Status.PREVIEW, ImportJob.Status.FAILED}, seen)
            assert imports.counts(job)["matched"] == ROWS
            imports.import_confirm(job=job, user=user)
            wait_for(job, {ImportJob.Status.DONE, ImportJob.Status.FAILED}, seen)
            assert job.result == {**expected, "skipped": 0}
            assert time.monotonic() - started < 30
            assert 100 in seen and len(seen) >= 2  # the progress bar moved
    assert Attendance.objects.filter(event=event, status="attended").count() == ROWS
