"""The beat entry, the admin-editable schedule and the task wrapper."""

from datetime import date

import pytest
import time_machine
from django.conf import settings
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from branches.models import JobHeartbeat, TermReminder
from branches.renewals.tasks import renewal_sweep
from branchportal.beat import SeedOnceDatabaseScheduler
from branchportal.celery import app

pytestmark = pytest.mark.django_db


def test_task_runs_sweep_and_records_heartbeat(terms):
    with time_machine.travel(date(2027, 1, 2), tick=False):
        result = renewal_sweep.delay().get()
    assert result["reminders"] == 2  # branch_a and branch_c reached the first reminder
    assert TermReminder.objects.count() == 2
    assert JobHeartbeat.objects.get(name="renewal_sweep").runs == 1


def test_beat_schedule_names_the_registered_task():
    entry = settings.CELERY_BEAT_SCHEDULE["renewal-sweep"]
    assert entry["task"] in app.tasks
    assert settings.CELERY_BEAT_SCHEDULER == "branchportal.beat:SeedOnceDatabaseScheduler"


def test_beat_restart_keeps_the_admins_edited_schedule(monkeypatch):
    # The scheduler closes "old" connections between ticks, which would close the test's transaction.
    monkeypatch.setattr("django_celery_beat.schedulers.close_old_connections", lambda: None)
    scheduler = SeedOnceDatabaseScheduler(app=app, lazy=True)
    scheduler.update_from_dict(settings.CELERY_BEAT_SCHEDULE)
    task = PeriodicTask.objects.get(name="renewal-sweep")
    assert (task.crontab.hour, task.crontab.minute) == ("6", "30")
    # An admin moves the sweep to 08:00 in /admin/django_celery_beat/ ...
    task.crontab = CrontabSchedule.objects.create(hour="8", minute="0", timezone=settings.TIME_ZONE)
    task.save()
    # ... and beat restarts: the stock DatabaseScheduler would write 06:30 back.
    SeedOnceDatabaseScheduler(app=app, lazy=True).update_from_dict(settings.CELERY_BEAT_SCHEDULE)
    task.refresh_from_db()
    assert (task.crontab.hour, task.crontab.minute) == ("8", "0")
