"""Benchmark the training pages and a 5,000-row sign-in sheet import on the province demo data.

    DATABASE_URL=postgres://... .venv/bin/python manage.py seed_demo --scale province
    DATABASE_URL=postgres://... .venv/bin/python scripts/benchmark_training.py [--repeat 5]

Pages: median wall time of a request with the figures cached (warm), right after a training write
for members of one unit, after every cached figure expired and the refresh task ran (what the
beat task `training-coverage-refresh` leaves at any time of day, midnight included), and with every
cached figure invalidated and nothing refreshed (Redis flushed, or no worker running); the CPU
time of the warm and of the uncached request; the queries of one request. Import: a 5,000-row sheet of members of a
unit (with some unknown and ambiguous rows) previewed and confirmed through the Celery tasks
(eager here), then imported again (nothing changes); the event is removed afterwards.
"""

import argparse
import os
import statistics
import sys
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchportal.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from branches.imports import engine  # noqa: E402
from branches.models import Member, Organization, User  # noqa: E402
from training import imports, selectors, services  # noqa: E402
from training.models import Attendance, Tier, TrainingEvent  # noqa: E402


def pages():
    """(label, username, url, cold too): cold = right after a training write (the figures'
    cache is invalidated through the data version, as a recorded attendance does)."""
    secretary = User.objects.get(username="shuji")
    branch = Organization.objects.filter(role_assignments__user=secretary).first()
    unit = branch.unit
    biggest = Organization.objects.filter(kind=Organization.Kind.UNIT_COMMITTEE).order_by("-pk").first()
    yield "home (provincial staff, headline)", "sheng", reverse("branches:home"), True
    yield "coverage, province (provincial staff)", "sheng", reverse("training:coverage"), True
    yield "coverage, province, tier=unit", "sheng", reverse("training:coverage") + "?tier=unit", True
    yield (
        "drill-down unit (provincial staff)",
        "sheng",
        reverse("training:coverage-org", args=[biggest.pk]),
        True,
    )
    yield "drill-down unit (unit staff)", "danwei", reverse("training:coverage-org", args=[unit.pk]), True
    yield (
        "drill-down branch (unit staff)",
        "danwei",
        reverse("training:coverage-org", args=[branch.pk]),
        False,
    )
    yield "branch hours (secretary)", "shuji", reverse("training:coverage-org", args=[branch.pk]), False
    yield "event list (provincial staff)", "sheng", reverse("training:event-list"), False
    event = TrainingEvent.objects.filter(tier=Tier.UNIT, organizer=unit).first()
    yield "event detail (unit staff)", "danwei", reverse("training:event-detail", args=[event.pk]), False


def _median_ms(client, url, repeat, invalidate=None):
    timings, cpu = [], []
    for _ in range(repeat):
        if invalidate:
            invalidate()
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(timings), response, statistics.median(cpu)


def _expired_and_refreshed():
    selectors.bump_data_version()  # every entry gone, as if expired …
    selectors.refresh_coverage_cache()  # … and the beat task's run before anyone looks


def bench_pages(repeat):
    """warm: figures cached; 1 unit: right after a training write for members of one unit (what
    services.refresh_member_years does: only that unit's figures are recomputed); refreshed:
    every entry expired and the refresh task ran; all: every cached figure invalidated
    (bump_data_version) and nothing refreshed. CPU: median process time, warm / all."""
    one_unit = Organization.objects.filter(kind=Organization.Kind.UNIT_COMMITTEE).order_by("path").first()
    invalidations = {
        "1 unit": lambda: selectors.bump_unit_versions([one_unit.pk]),
        "refreshed": _expired_and_refreshed,
        "all": selectors.bump_data_version,
    }
    clients = {}
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'page':42} {'warm ms':>8} {'1 unit':>8} {'refresh':>8} {'all ms':>8} {'cpu w/a':>11}"
        f" {'queries':>8} {'all q':>6}"
    )
    for label, username, url, cold_too in pages():
        client = clients.setdefault(username, Client())
        client.force_login(User.objects.get(username=username))
        client.get(url)
        warm, response, warm_cpu = _median_ms(client, url, repeat)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        cold = {name: "" for name in invalidations}
        cold_queries = ""
        cpu = f"{warm_cpu:5.0f}"
        if cold_too:
            for name, invalidate in invalidations.items():
                wall, _response, cold_cpu = _median_ms(client, url, repeat, invalidate)
                cold[name] = f"{wall:8.1f}"
            cpu += f"/{cold_cpu:<5.0f}"
            selectors.bump_data_version()
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            cold_queries = f"{len(captured):6d}"
        status = "" if response.status_code == 200 else f" (HTTP {response.status_code})"
        print(
            f"{label:42} {warm:8.1f} {cold['1 unit']:>8} {cold['refreshed']:>8} {cold['all']:>8} {cpu:>11}"
            f" {len(queries):8d} {cold_queries:>6}{status}"
        )


def sheet_of(members):
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet()
    ws.append(["姓名", "支部", "党员编号", "学时"])
    for i, (pk, name, branch) in enumerate(members):
        if i % 50 == 0:
            ws.append([name + "某", branch, None, 8])  # unknown
        elif i % 3 == 0:
            ws.append([name, None, pk, 6])  # by member number
        else:
            ws.append([name, branch, None, None])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bench_import(rows=5000):
    root = Organization.objects.get(parent__isnull=True)
    admin = User.objects.get(username="admin")
    today = timezone.localdate()
    event = services.event_create(
        user=admin,
        tier=Tier.PROVINCIAL,
        organizer=root,
        title="基准测试导入",
        start_on=today,
        end_on=today,
        hours=8,
        mode="in_person",
        audience="all_members",
    )
    members = list(
        Member.objects.filter(state=Member.State.ACTIVE)
        .order_by("pk")
        .values_list("pk", "name", "branch__name")[:rows]
    )
    content = sheet_of(members)
    try:
        for attempt in ("first import", "same sheet again"):
            started = time.perf_counter()
            job = imports.import_start(event=event, user=admin, upload=SimpleUploadedFile("s.xlsx", content))
            engine.preview_job(job.pk)  # the engine's tasks, run inline (idempotent if already run)
            job.refresh_from_db()
            previewed = time.perf_counter()
            imports.import_confirm(job=job, user=admin)
            engine.apply_job(job.pk)
            job.refresh_from_db()
            done = time.perf_counter()
            print(
                f"import {rows} rows, {attempt}: preview {previewed - started:.1f}s, confirm {done - previewed:.1f}s,"
                f" counts {imports.counts(job)}, result {job.result}"
            )
    finally:
        member_ids = list(Attendance.objects.filter(event=event).values_list("member_id", flat=True))
        event.delete()
        services.refresh_member_years(member_ids, years={today.year})


def bench_headline(repeat):
    user = User.objects.get(username="sheng")
    today = timezone.localdate()
    for cold in (False, True):
        timings = []
        for _ in range(repeat):
            if cold:
                selectors.bump_data_version()
            user = User.objects.get(username="sheng")
            started = time.perf_counter()
            figures = selectors.headline(user, year=today.year, today=today)
            timings.append((time.perf_counter() - started) * 1000)
        label = f"headline panel alone{' (cold cache)' if cold else ''}"
        print(f"{label:45} {statistics.median(timings):10.1f}          {figures['ever'].percent}% ever")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-import", action="store_true")
    args = parser.parse_args()
    bench_pages(args.repeat)
    bench_headline(args.repeat)
    if not args.skip_import:
        bench_import()


if __name__ == "__main__":
    main()
