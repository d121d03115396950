"""Celery adapters of the import engine: each takes a job id and is safe to run twice."""

from celery import shared_task

# A province workbook takes about a minute; allow well beyond the project-wide 5 minutes.
LIMITS = {"soft_time_limit": 1800, "time_limit": 1900}


@shared_task(name="branches.imports.preview", **LIMITS)
def import_preview(job_id):
    from . import engine, onboarding  # noqa: F401  (registers the onboarding spec)

    return engine.preview_job(job_id)


@shared_task(name="branches.imports.apply", **LIMITS)
def import_apply(job_id):
    from . import engine, onboarding  # noqa: F401

    return engine.apply_job(job_id)
