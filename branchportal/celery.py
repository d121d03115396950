import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchportal.settings")

app = Celery("branchportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


logger = logging.getLogger("branchportal.tasks")


def enqueue(task, *args, **kwargs):
    """Queue ``task`` for a worker; with the broker unreachable, log and return None.

    The action that asked for the task has already been saved; every task is idempotent and the
    periodic sweeps (renewal-sweep, report-reminders) pick up whatever a lost message would have
    done at their next scheduled run. Broker timeouts in settings keep this to a few seconds.
    """
    try:
        return task.apply_async(args=args, kwargs=kwargs)
    except Exception as exc:  # noqa: BLE001 - kombu/redis raise many types for "unreachable"
        logger.warning("could not queue %s (broker unreachable?): %s", task.name, exc)
        return None
