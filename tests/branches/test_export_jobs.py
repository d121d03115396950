"""Large list exports run as jobs (branches.exportjobs): the size threshold, the requester-only
job page and file, expiry cleanup, and the same rows as the immediate download."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from branches.exportjobs.services import export_jobs_cleanup
from branches.models import ExportJob, RectificationItem, SourceKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def rows_of(content):
    return list(load_workbook(BytesIO(content)).active.iter_rows(values_only=True))


def file_content(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def export_roster(client, django_capture_on_commit_callbacks):
    """What the export button does: the roster export's GET, and for a large one its POST."""
    url = reverse("branches:member-export")
    response = client.get(url)
    if response["Content-Type"].startswith("text/html"):
        assert 'id="export-start"' in response.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url)
    return response


def test_small_export_downloads_at_once_and_large_one_becomes_a_job(
    settings, media, personas, tree, client_for, add_members, django_capture_on_commit_callbacks
):
    add_members(tree["branch_a"], full=3)
    add_members(tree["branch_b"], full=2)
    client = client_for(personas["unit_staff"])
    settings.EXPORT_JOB_THRESHOLD = 5
    immediate = export_roster(client, django_capture_on_commit_callbacks)
    assert immediate["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not ExportJob.objects.exists()

    settings.EXPORT_JOB_THRESHOLD = 4
    offer = client.get(reverse("branches:member-export"))
    assert "共 5 行" in offer.content.decode() and not ExportJob.objects.exists()  # a GET never writes
    response = export_roster(client, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.kind, job.requested_by, job.total) == ("roster", personas["unit_staff"], 5)
    job.refresh_from_db()  # the (eager) worker ran on commit
    assert job.status == ExportJob.Status.DONE
    assert timedelta(hours=23) < job.expires_at - timezone.now() <= timedelta(hours=24)

    page = client.get(job.get_absolute_url()).content.decode()
    assert reverse("exports:job-download", args=[job.pk]) in page
    download = client.get(reverse("exports:job-download", args=[job.pk]))
    assert "filename*=utf-8''" in download["Content-Disposition"].lower()
    assert rows_of(file_content(download)) == rows_of(immediate.content)  # same rows either way
    assert len(rows_of(immediate.content)) == 2 + 5


def test_job_keeps_the_list_filters(
    settings, media, personas, tree, client_for, add_members, django_capture_on_commit_callbacks
):
    add_members(tree["branch_a"], full=2, probationary=3)
    settings.EXPORT_JOB_THRESHOLD = 1
    client = client_for(personas["secretary"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("branches:org-members-export", args=[tree["branch_a"].pk]) + "?status=probationary"
        )
    job = ExportJob.objects.get()
    assert job.total == 3
    rows = rows_of(file_content(client.get(reverse("exports:job-download", args=[job.pk]))))
    assert [row[5] for row in rows[2:]] == ["预备党员"] * 3


def test_only_the_requester_reaches_the_job_and_its_file(
    settings, media, personas, tree, client_for, add_members, django_capture_on_commit_callbacks
):
    add_members(tree["branch_a"], full=3)
    settings.EXPORT_JOB_THRESHOLD = 1
    export_roster(client_for(personas["unit_staff"]), django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    urls = [
        job.get_absolute_url(),
        reverse("exports:job-progress", args=[job.pk]),
        reverse("exports:job-download", args=[job.pk]),
    ]
    for other in ("admin", "provincial", "secretary"):
        client = client_for(personas[other])
        assert [client.get(url).status_code for url in urls] == [404, 404, 404], other
    client = client_for(personas["unit_staff"])
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]


def test_progress_fragment_polls_while_running_and_reloads_when_done(
    settings, media, personas, tree, client_for
):
    user = personas["unit_staff"]
    job = ExportJob.objects.create(
        kind="roster",
        requested_by=user,
        title="名册",
        filename="名册.xlsx",
        total=10_000,
        done_rows=4_000,
        status=ExportJob.Status.RUNNING,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    client = client_for(user)
    progress = reverse("exports:job-progress", args=[job.pk])
    running = client.get(progress, headers={"HX-Request": "true"})
    html = running.content.decode()
    assert 'value="40"' in html and f'data-hx-get="{progress}"' in html
    assert "HX-Refresh" not in running
    assert client.get(reverse("exports:job-download", args=[job.pk])).status_code == 404  # not ready
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.DONE)
    done = client.get(progress, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true" and "data-hx-get" not in done.content.decode()


def test_cleanup_deletes_expired_jobs_and_their_files(
    settings, media, personas, tree, client_for, add_members, django_capture_on_commit_callbacks
):
    add_members(tree["branch_a"], full=3)
    settings.EXPORT_JOB_THRESHOLD = 1
    client = client_for(personas["unit_staff"])
    export_roster(client, django_capture_on_commit_callbacks)
    export_roster(client, django_capture_on_commit_callbacks)
    old, fresh = ExportJob.objects.order_by("pk")
    path = old.file.path
    ExportJob.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(old.get_absolute_url()).status_code == 404  # expired: gone for the user at once

    assert export_jobs_cleanup() == 1
    assert list(ExportJob.objects.all()) == [fresh]
    assert not (media / path).exists() and fresh.file.storage.exists(fresh.file.name)


def test_cleanup_is_scheduled():
    assert settings_schedule()["export-cleanup"]["task"] == "branches.exportjobs.cleanup"


def settings_schedule():
    from django.conf import settings

    return settings.CELERY_BEAT_SCHEDULE


def test_rectification_ledger_uses_the_same_jobs(
    settings, media, personas, tree, client_for, django_capture_on_commit_callbacks
):
    for n in range(3):
        RectificationItem.objects.create(
            organization=tree["branch_a"],
            source_kind=SourceKind.DUTY_REVIEW,
            description=f"=问题{n}",
            deadline=timezone.localdate() - timedelta(days=1),
        )
    client = client_for(personas["unit_staff"])
    url = reverse("rectifications:list") + "?format=xlsx"
    settings.EXPORT_JOB_THRESHOLD = 3
    immediate = client.get(url)
    assert immediate["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = rows_of(immediate.content)
    assert rows[1][2:] == ("述职评议", "=问题0", rows[1][4], "待整改", "是")  # text, never a formula
    settings.EXPORT_JOB_THRESHOLD = 2
    assert client.get(url)["Content-Type"].startswith("text/html") and not ExportJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = ExportJob.objects.get(kind="rectifications")
    assert response["Location"] == job.get_absolute_url()
    assert rows_of(file_content(client.get(reverse("exports:job-download", args=[job.pk])))) == rows
