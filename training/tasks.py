"""Thin Celery adapters: load by id, call the module that does the work. All idempotent."""

from celery import shared_task

from .models import AttendanceImport


@shared_task(name="training.tasks.import_preview")
def import_preview(job_id):
    from . import imports

    # Claim: only one worker moves an uploaded job into preview.
    if not AttendanceImport.objects.filter(pk=job_id, status=AttendanceImport.Status.UPLOADED).update(
        status=AttendanceImport.Status.PREVIEWING
    ):
        return None
    imports.run_preview(AttendanceImport.objects.select_related("event__organizer").get(pk=job_id))
    return job_id


@shared_task(name="training.tasks.import_confirm")
def import_confirm(job_id):
    from . import imports

    job = AttendanceImport.objects.select_related("event__organizer").get(pk=job_id)
    if job.status != AttendanceImport.Status.IMPORTING:
        return None
    try:
        return imports.run_confirm(job)
    except Exception:
        AttendanceImport.objects.filter(pk=job_id).update(
            status=AttendanceImport.Status.FAILED, message="导入失败，未写入任何记录。"
        )
        raise


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
