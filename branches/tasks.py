from celery import shared_task


@shared_task
def heartbeat():
    """Stamp the heartbeat row; proves beat scheduled it and a worker ran it."""
    from .services import job_heartbeat_record

    return job_heartbeat_record(name="heartbeat").runs


from .exportjobs.tasks import export_job_run, export_jobs_cleanup  # noqa: E402, F401  (autodiscovery)
from .imports.tasks import import_apply, import_preview  # noqa: E402, F401  (autodiscovery)
from .rectifications.tasks import rectification_reminder_sweep  # noqa: E402, F401  (autodiscovery)
from .renewals.tasks import renewal_sweep  # noqa: E402, F401  (registers the renewal sweep)
from .reports.tasks import (  # noqa: E402, F401  (autodiscovery)
    report_reminder_sweep,
    send_report_reminder,
    send_report_reminders,
)
