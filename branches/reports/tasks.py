"""Monthly-report reminder tasks: the beat-scheduled sweep and one send task per batch of
claimed rows. The logic is in ``services`` (``report_reminders_claim`` / ``report_reminders_send``)."""

from celery import shared_task
from django.db import transaction

from . import services


@shared_task
def report_reminder_sweep(today=None):
    """Claim the due reminders (``today`` for tests) and queue one send task per batch of
    ``services.REMINDER_BATCH`` claimed rows (a fixed number of queries per batch)."""
    claimed = services.report_reminders_claim(today=today)
    for start in range(0, len(claimed), services.REMINDER_BATCH):
        batch = claimed[start : start + services.REMINDER_BATCH]
        transaction.on_commit(lambda ids=batch: send_report_reminders.delay(ids))
    return claimed


@shared_task
def send_report_reminders(reminder_ids):
    return services.report_reminders_send(reminder_ids=reminder_ids)


@shared_task
def send_report_reminder(reminder_id):
    """One reminder (messages queued before the batch task existed still arrive here)."""
    return services.report_reminder_send(reminder_id=reminder_id)
