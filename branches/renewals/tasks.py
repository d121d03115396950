import smtplib

from celery import shared_task


# A mail server that is down makes the sweep hand its claims back and fail; retry a few times
# with growing pauses (the rows are claimed again, so nothing is sent twice).
@shared_task(
    name="branches.renewals.tasks.renewal_sweep",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=60,
    max_retries=5,
)
def renewal_sweep():
    """Daily: send each active term the reminder stage it has reached (idempotent)."""
    from branches.services import job_heartbeat_record

    from .services import renewal_sweep as sweep

    result = sweep()
    job_heartbeat_record(name="renewal_sweep")
    return result
