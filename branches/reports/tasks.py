"""Monthly-report reminder tasks: the beat-scheduled sweep and one thin task per claimed row.
The logic is in ``services`` (``report_reminders_claim`` / ``report_reminder_send``)."""

from celery import shared_task
from django.db import transaction

from . import services


@shared_task
def report_reminder_sweep(today=None):
    """Claim the due reminders (``today`` for tests) and queue one send task per claimed row."""
    claimed = services.report_reminders_claim(today=today)
    for reminder_id in claimed:
        transaction.on_commit(lambda rid=reminder_id: send_report_reminder.delay(rid))
    return claimed


@shared_task
def send_report_reminder(reminder_id):
    return services.report_reminder_send(reminder_id=reminder_id)
