from celery import shared_task

from . import services


@shared_task
def guidance_sweep():
    """Daily: designation expiry reviews and follow-up reminders, each once per (object, stage)."""
    return {"designations": services.designation_sweep(), "follow_ups": services.follow_up_sweep()}
