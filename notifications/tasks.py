from celery import shared_task

from . import services


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def deliver_outbox():
    """Send due outbox emails, batch after batch for up to ``DRAIN_BUDGET`` (beat every
    minute, and enqueued after each notice commits)."""
    return services.outbox_drain()
