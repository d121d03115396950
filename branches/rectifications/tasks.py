from celery import shared_task

from . import services


@shared_task
def rectification_reminder_sweep():
    """Daily: reminders before and at each open item's deadline, once per (item, stage)."""
    return services.rectification_reminder_sweep()
