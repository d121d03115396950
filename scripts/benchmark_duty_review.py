"""Benchmark the 述职评议 pages and the tally on the province-scale demo data (not a test).

    DATABASE_URL=postgres://... .venv/bin/python manage.py seed_demo --scale province
    DATABASE_URL=postgres://... .venv/bin/python scripts/benchmark_duty_review.py [--repeat 5]

Prints median wall time and SQL queries per page, then the queries and time of tallying the
largest unit cycle and the provincial cycle (inside a transaction that is rolled back).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchportal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from assessments.duty_review import services  # noqa: E402
from assessments.models import DutyBallot, DutyCycle, DutyReport, DutyVote  # noqa: E402
from branches.models import User  # noqa: E402


def pages():
    year = DutyCycle.objects.order_by("-year").values_list("year", flat=True).first()
    root_cycle = DutyCycle.objects.filter(year=year, level="unit").first()
    unit_cycle = (
        DutyCycle.objects.filter(year=year, level="branch")
        .annotate(n=Count("reports"))
        .order_by("-n")
        .first()
    )
    last = (
        DutyCycle.objects.filter(year=year - 1, level="branch")
        .annotate(n=Count("reports"))
        .order_by("-n")
        .first()
    )
    report = (
        DutyReport.objects.filter(cycle__year=year - 1, cycle__level="branch")
        .exclude(status="vacant")
        .first()
    )
    ballot = DutyBallot.objects.filter(cycle__status="voting", used=False).select_related("rater").first()
    yield "index (provincial staff, all cycles)", "sheng", reverse("duty_review:index")
    yield (
        f"overview {year}, all ~3,000 bodies, page 1",
        "sheng",
        reverse("duty_review:overview") + f"?year={year}",
    )
    yield (
        "overview, not submitted only",
        "sheng",
        reverse("duty_review:overview") + f"?year={year}&state=missing",
    )
    yield (
        f"cycle detail, provincial level ({root_cycle.reports.count()})",
        "sheng",
        root_cycle.get_absolute_url(),
    )
    yield f"cycle detail, largest unit ({unit_cycle.n})", "sheng", unit_cycle.get_absolute_url()
    yield (
        f"ranking, last year's largest unit ({last.n})",
        "sheng",
        reverse("duty_review:cycle-ranking", args=[last.pk]),
    )
    yield (
        "Excel export, last year's largest unit",
        "sheng",
        reverse("duty_review:cycle-export", args=[last.pk]),
    )
    yield "report page (staff, published)", "sheng", report.get_absolute_url()
    yield "report print (staff)", "sheng", reverse("duty_review:report-print", args=[report.pk])
    if ballot is not None and ballot.rater and ballot.rater.user is None:
        yield "ballot page (sheet code, no login)", None, ballot.get_absolute_url()


def measure(client, url, repeat):
    client.get(url)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), len(queries)


def tally(cycle):
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            services.cycle_tally(cycle=cycle)
            elapsed = (time.perf_counter() - start) * 1000
        transaction.set_rollback(True)
    return elapsed, len(queries)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    clients = {}
    print(f"{'page':52} {'median ms':>10} {'queries':>8}")
    for label, username, url in pages():
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client()
            if username:
                client.force_login(User.objects.get(username=username))
        median, queries = measure(client, url, args.repeat)
        print(f"{label:52} {median:10.1f} {queries:8d}")
    year = DutyCycle.objects.order_by("-year").values_list("year", flat=True).first()
    for cycle in (
        DutyCycle.objects.filter(year=year - 1, level="branch")
        .annotate(n=Count("reports"))
        .order_by("-n")
        .first(),
        DutyCycle.objects.filter(year=year - 1, level="branch")
        .annotate(n=Count("reports"))
        .order_by("n")
        .first(),
        DutyCycle.objects.filter(year=year - 1, level="unit").first(),
    ):
        votes = DutyVote.objects.filter(report__cycle=cycle).count()
        elapsed, queries = tally(cycle)
        print(
            f"{'tally ' + cycle.organization.name[:20] + f' ({cycle.reports.count()} reports, {votes} votes)':52} {elapsed:10.1f} {queries:8d}"
        )


if __name__ == "__main__":
    main()
