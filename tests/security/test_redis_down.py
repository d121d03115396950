"""With Redis (cache and broker) unreachable, pages still render and nothing hangs."""

import time
from contextlib import contextmanager

import pytest
from celery import Celery
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from branchportal.celery import app, enqueue

pytestmark = pytest.mark.django_db
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1
DEAD_CACHE = {
    "default": {
        "BACKEND": "branchportal.cache.TolerantRedisCache",
        "LOCATION": CLOSED,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@override_settings(CACHES=DEAD_CACHE)
def test_cache_errors_become_misses_with_a_warning(caplog):
    started = time.monotonic()
    assert cache.get("k", "fallback") == "fallback"
    cache.set("k", 1)
    assert cache.get_or_set("k", lambda: 42) == 42
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("k", 1) is False
    cache.delete("k")
    assert time.monotonic() - started < 10
    assert "continuing without cache" in caplog.text


@override_settings(CACHES=DEAD_CACHE)
@pytest.mark.parametrize("persona", ["provincial", "unit_staff", "secretary", "admin"])
def test_home_pages_render_without_redis(personas, client_for, persona):
    response = client_for(personas[persona]).get(reverse("branches:home"))
    assert response.status_code == 200


@contextmanager
def broker_at(url):
    """Point the portal's Celery app at ``url`` (and back).

    Kombu keeps one connection pool per broker URL in a global registry, so dropping the app's
    references is enough: the original pool (never closed here) comes back with the original URL.
    """
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app._pool, app.amqp._producer_pool = None, None
    app.conf.broker_url, app.conf.task_always_eager = url, False
    try:
        yield
    finally:
        app._pool, app.amqp._producer_pool = None, None
        app.conf.broker_url, app.conf.task_always_eager = saved


def test_enqueue_gives_up_quickly_when_the_broker_is_down(caplog):
    isolated = Celery("probe", set_as_current=False)
    isolated.config_from_object("django.conf:settings", namespace="CELERY")
    isolated.conf.broker_url, isolated.conf.task_always_eager = CLOSED, False

    @isolated.task(name="probe.noop")
    def noop():
        return None

    started = time.monotonic()
    assert enqueue(noop) is None
    assert time.monotonic() - started < 8
    assert "could not queue probe.noop" in caplog.text


def test_admin_run_task_reports_the_broker_instead_of_hanging(personas, client_for):
    schedule = CrontabSchedule.objects.create(minute="*/5")
    task = PeriodicTask.objects.create(name="hb", task="branches.tasks.heartbeat", crontab=schedule)
    client = client_for(personas["admin"])
    with broker_at(CLOSED):
        started = time.monotonic()
        response = client.post(
            reverse("admin:django_celery_beat_periodictask_changelist"),
            {"action": "run_tasks", "_selected_action": [task.pk]},
            follow=True,
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 10
    assert "任务队列暂时无法连接" in response.content.decode()
