"""Shared fixtures: a small tree and the persona users every test can use.

工委 (root)
├── 甲厅机关党委 (unit_a)
│   ├── 第一党支部 (branch_a)  ── 第一党小组 (cell_a)
│   └── 第二党支部 (branch_b)   (sibling of branch_a)
└── 乙厅机关党委 (unit_b)
    └── 乙厅第一党支部 (branch_c)
"""

import os
from contextlib import contextmanager

import pytest

from branches.models import Organization

from .factories import Role, UserFactory, grant, make_org

# Playwright's sync API runs an event loop in the main thread; the ORM would otherwise
# refuse to run from tests and fixtures.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

Kind = Organization.Kind
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


@pytest.fixture(autouse=True)
def _isolated_cache_and_language():
    """Each test starts with an empty cache (the home page's shared panels, cached summaries)
    and the default language (a request in English leaves it active for the thread)."""
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's chromium; `playwright install` cannot download browsers here.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def tree(db):
    root = make_org("省直机关工委", Kind.WORK_COMMITTEE)
    unit_a = make_org("甲厅机关党委", Kind.UNIT_COMMITTEE, root, unit_name="甲厅")
    unit_b = make_org("乙厅机关党委", Kind.UNIT_COMMITTEE, root, unit_name="乙厅")
    branch_a = make_org("甲厅第一党支部", Kind.BRANCH, unit_a)
    branch_b = make_org("甲厅第二党支部", Kind.BRANCH, unit_a)
    branch_c = make_org("乙厅第一党支部", Kind.BRANCH, unit_b)
    cell_a = make_org("第一党小组", Kind.PARTY_CELL, branch_a)
    return {
        "root": root,
        "unit_a": unit_a,
        "unit_b": unit_b,
        "branch_a": branch_a,
        "branch_b": branch_b,
        "branch_c": branch_c,
        "cell_a": cell_a,
    }


@pytest.fixture
def personas(tree):
    """One user per role; the secretary runs branch_a, unit staff look after unit_a."""
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    grant(admin, Role.ADMIN, tree["root"])
    provincial = UserFactory(username="provincial")
    grant(provincial, Role.PROVINCIAL_STAFF, tree["root"])
    unit_staff = UserFactory(username="unit_staff")
    grant(unit_staff, Role.UNIT_STAFF, tree["unit_a"])
    secretary = UserFactory(username="secretary")
    grant(secretary, Role.SECRETARY, tree["branch_a"])
    outsider = UserFactory(username="outsider")
    grant(outsider, Role.SECRETARY, tree["branch_c"])
    return {
        "admin": admin,
        "provincial": provincial,
        "unit_staff": unit_staff,
        "secretary": secretary,
        "outsider": outsider,
    }


@pytest.fixture
def client_for(client):
    """``client_for(user)`` logs the test client in as that user (axes forbids client.login)."""

    def login(user):
        client.force_login(user)
        return client

    return login


def pytest_sessionstart(session):
    """In CI every service must be there: fail the run instead of skipping tests."""
    if os.environ.get("CI") != "true":
        return
    from django.conf import settings

    missing = []
    if not settings.IS_POSTGRES:
        missing.append("DATABASE_URL (PostgreSQL)")
    if not os.environ.get("REDIS_URL"):
        missing.append("REDIS_URL")
    if not os.path.exists(CHROMIUM):
        missing.append(f"chromium at {CHROMIUM}")
    if missing:
        pytest.exit("CI is missing required services: " + ", ".join(missing), returncode=1)


def require_service(name, available):
    """Skip locally when a service is absent; in CI the session start already failed."""
    if not available:
        pytest.skip(f"{name} not available (set it up with scripts/services.sh)")


def count_queries(client, url):
    """Queries of one GET after a warm-up request (sessions, caches)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@contextmanager
def real_celery_workers(*names, concurrency=2, shutdown_timeout=60):
    """Run Celery workers (threads) against the Redis broker for the duration of the block.

    The queue is purged first so messages left by an interrupted run cannot keep a worker busy.

    All workers are stopped together: Celery's ``start_worker`` helper stops a worker by setting
    the process-wide ``state.should_terminate`` flag and resetting it afterwards, so nesting two
    of them let the second reset race the first worker's shutdown (the flag was cleared before
    that worker saw it, and its thread outlived the join timeout: the intermittent teardown
    failure). Here the flag is set once, every worker thread is joined, then it is cleared, and
    each thread's database connection is closed so the test database can be flushed and dropped.
    """
    import threading

    from celery.contrib.testing.worker import TestWorkController, setup_app_for_worker
    from celery.result import _set_task_join_will_block
    from celery.worker import state
    from django.db import connections

    from branchportal.celery import app

    require_service("REDIS_URL", os.environ.get("REDIS_URL"))
    saved = {
        key: app.conf[key]
        for key in ("task_always_eager", "broker_url", "result_backend", "worker_enable_remote_control")
    }
    app.conf.update(
        task_always_eager=False,
        broker_url=os.environ["REDIS_URL"],
        result_backend=os.environ["REDIS_URL"],
        # No remote-control (pidbox) channel: its Redis pub/sub read could block the worker's
        # event loop so that it never saw the stop flag (the teardown hang). Tests need no
        # broadcast commands.
        worker_enable_remote_control=False,
    )

    def close_thread_connections(**kwargs):
        connections.close_all()

    from celery.signals import task_postrun

    task_postrun.connect(close_thread_connections, weak=False)
    workers, threads = [], []
    try:
        app.control.purge()
        setup_app_for_worker(app, "WARNING", None)
        for name in names:
            worker = TestWorkController(
                app=app,
                concurrency=concurrency,
                hostname=f"{name}@%h",
                pool="threads",
                loglevel="WARNING",
                logfile=None,
                ready_callback=None,
                without_heartbeat=True,
                without_mingle=True,
                without_gossip=True,
            )
            thread = threading.Thread(target=worker.start, daemon=True, name=f"celery-{name}")
            thread.start()
            worker.ensure_started()
            workers.append(worker)
            threads.append(thread)
        _set_task_join_will_block(False)  # the test process may wait on results (not a task)
        yield app
    finally:
        state.should_terminate = 0
        for thread in threads:
            thread.join(shutdown_timeout)
        alive = [thread.name for thread in threads if thread.is_alive()]
        state.should_terminate = None
        task_postrun.disconnect(close_thread_connections)
        app.conf.update(saved)
        if alive:
            import sys
            import traceback

            stacks = "\n".join(
                "".join(traceback.format_stack(sys._current_frames()[thread.ident]))
                for thread in threads
                if thread.is_alive()
            )
            raise RuntimeError(
                f"Celery worker threads did not stop within {shutdown_timeout}s: {alive}\n{stacks}"
            )


# Bookkeeping that any request may touch; everything else must stay as it was.
VOLATILE_TABLES = ("django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog")


def database_fingerprint():
    """Row count and (on PostgreSQL) a content checksum of every table but the volatile ones."""
    from django.db import connection

    tables = [name for name in connection.introspection.table_names() if name not in VOLATILE_TABLES]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            parts = [
                f"SELECT '{name}', count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), ''))"
                f" FROM {quote(name)} t"
                for name in tables
            ]
        else:
            parts = [f"SELECT '{name}', count(*), '' FROM {quote(name)}" for name in tables]
        cursor.execute(" UNION ALL ".join(parts))
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


@contextmanager
def database_unchanged():
    """Fail when the block changed any row (forbidden writes, GETs)."""
    before = database_fingerprint()
    yield
    after = database_fingerprint()
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert changed == [], f"tables changed: {changed}"
