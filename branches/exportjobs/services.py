"""Export jobs: start (queue the worker), run (write the workbook), clean up expired ones."""

from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from branches.models import ExportJob

from ..xlsx import xlsx_bytes
from . import Export, build

PROGRESS_EVERY = 2000  # rows between two progress writes (one UPDATE each)


@transaction.atomic
def export_job_start(*, user, kind: str, params: dict, export: Export) -> ExportJob:
    """Record the requester's export and queue its worker. ``export`` was built for ``user``
    by the registered builder, which applied the user's scope (a 404/403 happened there)."""
    job = ExportJob.objects.create(
        kind=kind,
        params=params,
        requested_by=user,
        title=export.title[:200],
        filename=export.filename[:200],
        total=export.count,
        expires_at=timezone.now() + timedelta(hours=settings.EXPORT_JOB_KEEP_HOURS),
    )
    from .tasks import export_job_run

    transaction.on_commit(lambda: export_job_run.delay(job.pk))
    return job


def _counted(job_id, rows, total):
    """Yield ``rows``, writing the count done every PROGRESS_EVERY rows (the page polls it)."""
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job_id).update(done_rows=min(done, total))


def export_job_run(job_id: int) -> str:
    """Write the job's workbook (safe to run twice: a finished job is left alone)."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING
    )
    job = ExportJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None or not claimed:
        return "skipped"
    try:
        export = build(job.kind, job.requested_by, job.params)
        sheet = export.sheet()
        total = max(export.count, 1)
        sheet["rows"] = _counted(job.pk, sheet["rows"], total)
        content = xlsx_bytes(**sheet)
    except Exception:
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, finished_at=timezone.now())
        raise
    job.file.save(f"export-{job.pk}.xlsx", ContentFile(content), save=False)
    job.status = ExportJob.Status.DONE
    job.total = export.count
    job.done_rows = export.count
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "status", "total", "done_rows", "finished_at"])
    return "done"


def export_jobs_cleanup(now=None) -> int:
    """Delete expired jobs and their files; returns how many were deleted."""
    now = now or timezone.now()
    deleted = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        deleted += 1
    return deleted
