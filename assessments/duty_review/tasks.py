from celery import shared_task


@shared_task(name="assessments.duty_review.tasks.duty_review_reminders")
def duty_review_reminders():
    """Daily: remind secretaries who have not submitted (each report and stage once)."""
    from branches.services import job_heartbeat_record

    from .services import reminder_sweep

    sent = reminder_sweep()
    job_heartbeat_record(name="duty_review_reminders")
    return sent
