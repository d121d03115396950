"""Celery adapters of the export jobs."""

from celery import shared_task

LIMITS = {"soft_time_limit": 1800, "time_limit": 1900}


@shared_task(name="branches.exportjobs.run", **LIMITS)
def export_job_run(job_id):
    from . import registry  # noqa: F401  (registers the exports)
    from .services import export_job_run as run

    return run(job_id)


@shared_task(name="branches.exportjobs.cleanup")
def export_jobs_cleanup():
    from .services import export_jobs_cleanup as cleanup

    return cleanup()
