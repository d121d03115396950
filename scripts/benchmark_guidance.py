"""Benchmark the guidance pages against the province-scale demo data (not a test).

    DATABASE_URL=postgres://... .venv/bin/python manage.py seed_demo --scale province
    DATABASE_URL=postgres://... .venv/bin/python scripts/benchmark_guidance.py [--repeat 5]

Prints the median wall time over the repeats and the SQL queries of one request for the
classification overview, the follow-up list, FAQ search and the other guidance lists.
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
from django.utils import timezone  # noqa: E402

from branches.models import User  # noqa: E402


def pages():
    year = timezone.localdate().year - 1
    overview = reverse("designations:overview")
    yield "classification overview (provincial staff)", "sheng", f"{overview}?year={year}"
    yield "classification overview, lagging (provincial)", "sheng", f"{overview}?year={year}&grade=lagging"
    yield "classification overview (unit staff)", "danwei", f"{overview}?year={year}"
    yield "follow-up list (provincial staff)", "sheng", reverse("designations:follow-ups")
    yield "follow-up list, overdue (provincial staff)", "sheng", reverse("designations:follow-ups") + "?status=overdue"
    yield "FAQ search 组织生活 (secretary)", "shuji", reverse("guidance:faq") + "?q=组织生活"
    yield "FAQ search 党费 (secretary)", "shuji", reverse("guidance:faq") + "?q=党费"
    yield "demonstration branches (secretary)", "shuji", reverse("designations:public")
    yield "designations (provincial staff)", "sheng", reverse("designations:list")
    yield "questions (provincial staff)", "sheng", reverse("guidance:questions")
    yield "unanswered questions (provincial staff)", "sheng", reverse("guidance:unanswered")
    yield "experience search 党日 (secretary)", "shuji", reverse("guidance:experiences") + "?q=党日"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    clients = {}
    print(f"{'page':50} {'median ms':>10} {'queries':>8}")
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
        print(f"{label:50} {statistics.median(timings):10.1f} {len(queries):8d}{status}")


if __name__ == "__main__":
    main()
