"""Thin Celery adapters: load by id, call the module that does the work. All idempotent."""

from celery import shared_task


@shared_task(name="training.tasks.new_secretary_sweep")
def new_secretary_sweep():
    from branches.services import job_heartbeat_record

    from . import reminders

    claimed = reminders.sweep()
    job_heartbeat_record(name="training_new_secretary_sweep")
    return len(claimed)


@shared_task(name="training.tasks.send_secretary_reminder")
def send_secretary_reminder(reminder_id):
    from . import reminders

    return reminders.deliver(reminder_id)


@shared_task(name="training.tasks.refresh_coverage")
def refresh_coverage():
    """Keep the coverage pages' cached per-unit figures fresh (beat: training-coverage-refresh)."""
    from . import selectors

    return selectors.refresh_coverage_cache()
