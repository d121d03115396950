"""A task sent through Redis to a real Celery worker changes the database."""

import pytest

from branches.models import JobHeartbeat
from branches.tasks import heartbeat
from tests.conftest import real_celery_workers

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker():
    with real_celery_workers("heartbeat") as app:
        yield app


def test_heartbeat_task_runs_on_real_worker_and_records_run(real_worker):
    assert heartbeat.delay().get(timeout=30) == 1
    assert heartbeat.delay().get(timeout=30) == 2
    row = JobHeartbeat.objects.get(name="heartbeat")
    assert row.runs == 2
