from celery import shared_task


@shared_task(name="assessments.observation.tasks.observation_reminders")
def observation_reminders():
    """Daily: remind visit teams 7 and 1 days before (each reminder once; idempotent)."""
    from branches.services import job_heartbeat_record

    from .services import reminder_sweep

    result = reminder_sweep()
    job_heartbeat_record(name="observation_reminders")
    return result
