"""Nightly snapshot job: recompute every period that is still open; closed ones stay frozen."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="dashboards.tasks.nightly_snapshots")
def nightly_snapshots():
    from . import periods, services

    today = timezone.localdate()
    result = services.build(periods.open_periods(today), today=today)
    return {key: list(counts) for key, counts in result.items()}
