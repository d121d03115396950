"""Large list exports as background jobs (one model, one task, one set of pages).

A list export registers a *builder* under a kind: ``builder(user, params) -> Export``. The
builder checks the user's scope itself (it is also what the worker calls, with the requester),
so the rows a job writes are exactly the rows the immediate download would have held.

``respond(request, kind, params)`` is what an export view returns: exports of up to
``settings.EXPORT_JOB_THRESHOLD`` rows stream straight back as before; for larger ones the GET
shows a page whose button (a POST: opening a page never writes) creates an ``ExportJob``
written by a Celery worker (``tasks.export_job_run``), while the requester sees a progress page
that polls and then offers the download. Only the requester can see the job or its
file (anyone else: 404); the file is kept ``EXPORT_JOB_KEEP_HOURS`` hours, then the periodic
``export_jobs_cleanup`` deletes row and file.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.shortcuts import redirect, render

from ..xlsx import xlsx_response


@dataclass
class Export:
    """What a builder returns: the download's name, its row count and its sheet.

    ``sheet()`` returns the keyword arguments of ``branches.xlsx.xlsx_bytes`` (``rows`` an
    iterable streamed from the database); it is only called once the size decided where it runs.
    """

    filename: str
    title: str
    count: int
    sheet: Callable[[], dict[str, Any]]


REGISTRY: dict[str, Callable[..., Export]] = {}


def register(kind: str):
    """Decorator registering ``builder(user, params) -> Export`` under ``kind``."""

    def decorate(builder):
        if REGISTRY.get(kind, builder) is not builder:
            raise ValueError(f"export kind {kind!r} registered twice")
        REGISTRY[kind] = builder
        return builder

    return decorate


def build(kind: str, user, params: dict) -> Export:
    return REGISTRY[kind](user, params)


def threshold() -> int:
    return settings.EXPORT_JOB_THRESHOLD


def respond(request, kind: str, params: dict):
    """The export view's response: the file itself when small; when large, a page offering to
    generate it in the background (a GET never writes), and on its POST the job's page."""
    export = build(kind, request.user, params)
    if export.count <= threshold():
        return xlsx_response(export.filename, **export.sheet())
    if request.method != "POST":
        return render(request, "exports/confirm.html", {"export": export, "action": request.get_full_path()})
    from .services import export_job_start

    job = export_job_start(user=request.user, kind=kind, params=params, export=export)
    return redirect(job)
