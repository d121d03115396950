"""A task sent through Redis to a real Celery worker changes the database."""

import os

import pytest
from celery.contrib.testing.worker import start_worker

from branches.models import JobHeartbeat
from branches.tasks import heartbeat
from branchportal.celery import app
from tests.conftest import require_service

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker(settings):
    require_service("REDIS_URL", os.environ.get("REDIS_URL"))
    app.conf.update(
        task_always_eager=False, broker_url=os.environ["REDIS_URL"],
        result_backend=os.environ["REDIS_URL"],
    )
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False,
                          loglevel="WARNING"):
            yield app
    finally:
        app.conf.task_always_eager = True


def test_heartbeat_task_runs_on_real_worker_and_records_run(real_worker):
    assert heartbeat.delay().get(timeout=30) == 1
    assert heartbeat.delay().get(timeout=30) == 2
    row = JobHeartbeat.objects.get(name="heartbeat")
    assert row.runs == 2
