"""Benchmark key pages against the province-scale demo data (not a test).

    DATABASE_URL=postgres://... .venv/bin/python manage.py seed_demo --scale province
    DATABASE_URL=postgres://... .venv/bin/python scripts/benchmark_pages.py [--repeat 5]

For each page and persona it prints the median wall time over the repeats and the number of SQL
queries of one request. Run it on an otherwise idle machine; compare figures between commits.
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
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from branches.models import Organization, User  # noqa: E402


def pages():
    """(label, username, url) for the pages that grow with the province."""
    secretary = User.objects.get(username="shuji")
    branch = Organization.objects.filter(role_assignments__user=secretary).first()
    unit = branch.unit
    yield "home (provincial staff)", "sheng", reverse("branches:home")
    yield "home (unit staff)", "danwei", reverse("branches:home")
    yield "home (secretary)", "shuji", reverse("branches:home")
    yield "organization tree (provincial staff)", "sheng", reverse("branches:org-tree")
    yield "unit page (unit staff)", "danwei", reverse("branches:org-detail", args=[unit.pk])
    yield "branch page (secretary)", "shuji", reverse("branches:org-detail", args=[branch.pk])
    yield "member list, province (provincial staff)", "sheng", reverse("branches:member-list")
    yield "monthly report queue (provincial staff)", "sheng", reverse("reports:queue")
    yield "report rates (provincial staff)", "sheng", reverse("reports:rates")
    yield "activity grid (secretary)", "shuji", reverse("reports:branch", args=[branch.pk])
    yield "scoring worklist (provincial staff)", "sheng", reverse("assessments:worklist")
    yield "rankings (provincial staff)", "sheng", reverse("assessments:rankings")
    yield "renewal supervision (provincial staff)", "sheng", reverse("renewals:supervision")
    yield "renewal calendar (provincial staff)", "sheng", reverse("renewals:calendar")
    yield from observation_pages()


def observation_pages():
    from assessments.models import ObservationRound, Visit

    finished = (
        ObservationRound.objects.filter(status=ObservationRound.Status.CLOSED).order_by("-year").first()
    )
    current = (
        ObservationRound.objects.filter(status=ObservationRound.Status.IN_PROGRESS).order_by("-year").first()
    )
    if finished:
        yield (
            "observation results (provincial staff)",
            "sheng",
            reverse("observation:results", args=[finished.pk]),
        )
        yield "observation results (unit staff)", "danwei", reverse("observation:results", args=[finished.pk])
    if current:
        group = current.groups.order_by("number").first()
        args = [current.pk, group.pk]
        yield (
            "observation group schedule (provincial)",
            "sheng",
            reverse("observation:group-schedule", args=args),
        )
        yield (
            "observation round page (provincial staff)",
            "sheng",
            reverse("observation:round-detail", args=[current.pk]),
        )
        visit = Visit.objects.filter(round=current, team__user__username="danwei").first()
        if visit:
            yield (
                "observation 评 step (observer)",
                "danwei",
                reverse("observation:visit-step", args=[visit.pk, "ping"]),
            )
    yield "observation rectifications (provincial)", "sheng", reverse("observation:rectifications")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    clients = {}
    print(f"{'page':45} {'median ms':>10} {'queries':>8}")
    for label, username, url in pages():
        client = clients.setdefault(username, Client())
        client.force_login(User.objects.get(username=username))
        client.get(url)  # warm-up
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        status = "" if response.status_code == 200 else f" (HTTP {response.status_code})"
        print(f"{label:45} {statistics.median(timings):10.1f} {len(queries):8d}{status}")


if __name__ == "__main__":
    main()
