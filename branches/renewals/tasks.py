from celery import shared_task


@shared_task(name="branches.renewals.tasks.renewal_sweep")
def renewal_sweep():
    """Daily: send each active term the reminder stage it has reached (idempotent)."""
    from branches.services import job_heartbeat_record

    from .services import renewal_sweep as sweep

    result = sweep()
    job_heartbeat_record(name="renewal_sweep")
    return result
