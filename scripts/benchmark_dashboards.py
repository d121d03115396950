"""Benchmark the quality dashboard against the province-scale demo data (not a test).

    DATABASE_URL=postgres://... .venv/bin/python manage.py seed_demo --scale province
    DATABASE_URL=postgres://... .venv/bin/python scripts/benchmark_dashboards.py [--repeat 5]

Prints the nightly snapshot job's wall time over the whole province (the periods still open
today), then the median wall time and query count of the province dashboard, a large and a
small unit's drill-down, the largest general branch's (党总支) drill-down if there is one, and a
branch health report.
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

from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from branches.models import Organization, User  # noqa: E402
from dashboards import periods, selectors, services  # noqa: E402
from dashboards.models import Snapshot  # noqa: E402


def pages():
    root = selectors.dashboard_root()
    units = list(
        Organization.objects.filter(kind=Organization.Kind.UNIT_COMMITTEE)
        .annotate(n=Count("unit_members", filter=Q(unit_members__kind="branch")))
        .order_by("-n", "pk")
    )
    big, small = units[0], units[-1]
    branch = Organization.objects.filter(kind="branch", unit=big).order_by("path").first()
    yield "province dashboard", reverse("dashboards:org", args=[root.pk])
    yield f"unit drill-down ({big.n} branches)", reverse("dashboards:org", args=[big.pk])
    yield f"unit drill-down ({small.n} branches)", reverse("dashboards:org", args=[small.pk])
    general = (
        Organization.objects.filter(kind=Organization.Kind.GENERAL_BRANCH)
        .annotate(n=Count("children", filter=Q(children__kind="branch")))
        .order_by("-n", "pk")
        .first()
    )
    if general is not None:
        label = f"general-branch drill-down ({general.n} branches)"
        yield label, reverse("dashboards:org", args=[general.pk])
    yield "branch health report", reverse("dashboards:branch-report", args=[branch.pk])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-nightly", action="store_true")
    args = parser.parse_args()
    if not args.skip_nightly:
        today = timezone.localdate()
        started = time.perf_counter()
        result = services.build(periods.open_periods(today), today=today)
        elapsed = time.perf_counter() - started
        rows = sum(written for written, _changed, _removed in result.values())
        print(f"nightly snapshot job ({', '.join(result)}): {elapsed:.1f} s, {rows} rows")
    print(f"snapshot rows in total: {Snapshot.objects.count()}")
    client = Client()
    client.force_login(User.objects.get(username="sheng"))
    print(f"{'page':40} {'median ms':>10} {'queries':>8}")
    for label, url in pages():
        client.get(url)  # warm-up
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        status = "" if response.status_code == 200 else f" (HTTP {response.status_code})"
        print(f"{label:40} {statistics.median(timings):10.1f} {len(queries):8d}{status}")


if __name__ == "__main__":
    main()
