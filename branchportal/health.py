"""Deployment health check: database and broker reachability, no login and no data."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception:  # noqa: BLE001 - any failure means "unreachable"
        return False


def _broker_ok():
    if settings.CELERY_TASK_ALWAYS_EAGER and settings.CELERY_BROKER_URL == "memory://":
        return None  # no broker configured: tasks run in-process
    from branchportal.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001
        return False


@login_not_required
@never_cache
@require_GET
def healthz(request):
    database = _database_ok()
    broker = _broker_ok()
    healthy = database and broker is not False
    body = {
        "status": "ok" if healthy else "error",
        "database": "ok" if database else "error",
        "broker": {None: "eager", True: "ok", False: "error"}[broker],
    }
    return JsonResponse(body, status=200 if healthy else 503)
