"""Benchmark key pages against the province-scale demo data (not a test).

    DATABASE_URL=postgres://... .venv/bin/python manage.py seed_demo --scale province
    DATABASE_URL=postgres://... .venv/bin/python scripts/benchmark_pages.py [--repeat 5]

For each page and persona it prints the median wall time over the repeats, the number of SQL
queries of one request and, for list pages, the ratio to Django admin's changelist over the same
rows (measured first, with a bare "hello" view: /healthz). ``--only roster`` runs the pages whose
label contains the text (and their admin twins). The load average is printed before and after:
run it on an otherwise idle machine; compare figures between commits. Budgets (issue #17): list
and detail pages <= 100 ms, dashboards (homes) <= 250 ms, lists no slower than their admin twin.
"""

import argparse
import functools
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

from branches.home import note_write  # noqa: E402
from branches.models import Member, Organization, User  # noqa: E402

COMPUTED = ", computed"


def pages():
    """(label, username, url, admin twin label or None) for the pages that grow with the province.

    A list page names the Django admin changelist over the same rows; its ratio is printed.
    """
    secretary = User.objects.get(username="shuji")
    branch = Organization.objects.filter(role_assignments__user=secretary).first()
    unit = branch.unit
    member = Member.objects.filter(branch=branch).order_by("pk").first()
    yield "hello view: /healthz (anonymous)", None, reverse("healthz"), None
    yield "admin member changelist (admin)", "admin", reverse("admin:branches_member_changelist"), None
    yield "admin term changelist (admin)", "admin", reverse("admin:branches_term_changelist"), None
    yield (
        "admin organization changelist (admin)",
        "admin",
        reverse("admin:branches_organization_changelist"),
        None,
    )
    yield "home (provincial staff)", "sheng", reverse("branches:home"), None
    yield "home (unit staff)", "danwei", reverse("branches:home"), None
    # The staff panels computed afresh (as after the viewer's own write), not read shared.
    yield f"home (provincial staff){COMPUTED}", "sheng", reverse("branches:home"), None
    yield f"home (unit staff){COMPUTED}", "danwei", reverse("branches:home"), None
    yield "home (secretary)", "shuji", reverse("branches:home"), None
    yield "organization tree (provincial staff)", "sheng", reverse("branches:org-tree"), None
    yield "unit page (unit staff)", "danwei", reverse("branches:org-detail", args=[unit.pk]), None
    yield "branch page (secretary)", "shuji", reverse("branches:org-detail", args=[branch.pk]), None
    yield (
        "member list, province (provincial staff)",
        "sheng",
        reverse("branches:member-list"),
        "admin member changelist (admin)",
    )
    yield (
        "member list, province, page 100 (provincial)",
        "sheng",
        reverse("branches:member-list") + "?page=100",
        "admin member changelist (admin)",
    )
    yield "member list, unit (unit staff)", "danwei", reverse("branches:org-members", args=[unit.pk]), None
    if member:
        yield "member page (secretary)", "shuji", reverse("branches:member-detail", args=[member.pk]), None
    yield "monthly report queue (provincial staff)", "sheng", reverse("reports:queue"), None
    yield "report rates (provincial staff)", "sheng", reverse("reports:rates"), None
    yield "report compliance (provincial staff)", "sheng", reverse("reports:compliance"), None
    yield "activity grid (secretary)", "shuji", reverse("reports:branch", args=[branch.pk]), None
    yield "scoring worklist (provincial staff)", "sheng", reverse("assessments:worklist"), None
    yield "rankings (provincial staff)", "sheng", reverse("assessments:rankings"), None
    yield from ranking_pages()
    yield from review_pages()
    yield (
        "renewal supervision (provincial staff)",
        "sheng",
        reverse("renewals:supervision"),
        "admin term changelist (admin)",
    )
    yield "renewal calendar (provincial staff)", "sheng", reverse("renewals:calendar"), None
    yield "postponements (provincial staff)", "sheng", reverse("renewals:postponement-list"), None
    yield "rectifications (provincial staff)", "sheng", reverse("rectifications:list"), None
    yield "notifications (secretary)", "shuji", reverse("notifications:list"), None
    yield from observation_pages()


def ranking_pages():
    """Rankings and worklist of the latest year with finalized reviews (the default year may
    have none yet)."""
    from django.db.models import Max

    from assessments.models import Review

    year = Review.objects.filter(status=Review.Status.FINALIZED).aggregate(y=Max("year"))["y"]
    if year:
        query = f"?year={year}"
        yield f"rankings {year} (provincial staff)", "sheng", reverse("assessments:rankings") + query, None
        yield f"rankings {year} (unit staff)", "danwei", reverse("assessments:rankings") + query, None
        yield (
            f"scoring worklist {year} (provincial staff)",
            "sheng",
            reverse("assessments:worklist") + query,
            None,
        )


def review_pages():
    from assessments.models import Review

    review = Review.objects.filter(branch__path__startswith=_province_path()).order_by("-pk").first()
    if review:
        yield "review page (provincial staff)", "sheng", review.get_absolute_url(), None


def _province_path():
    return Organization.objects.get(parent__isnull=True).path


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
            None,
        )
        yield (
            "observation results (unit staff)",
            "danwei",
            reverse("observation:results", args=[finished.pk]),
            None,
        )
    if current:
        group = current.groups.order_by("number").first()
        args = [current.pk, group.pk]
        yield (
            "observation group schedule (provincial)",
            "sheng",
            reverse("observation:group-schedule", args=args),
            None,
        )
        yield (
            "observation round page (provincial staff)",
            "sheng",
            reverse("observation:round-detail", args=[current.pk]),
            None,
        )
        visit = Visit.objects.filter(round=current, team__user__username="danwei").first()
        if visit:
            yield (
                "observation 评 step (observer)",
                "danwei",
                reverse("observation:visit-step", args=[visit.pk, "ping"]),
                None,
            )
    yield "observation rectifications (provincial)", "sheng", reverse("observation:rectifications"), None


def measure(client, url, repeat, before=None):
    """Median wall ms, median CPU ms of this process (Python and templates: less sensitive to
    a busy machine than wall time), queries of one request, HTTP status. ``before`` (if given)
    runs before each request, untimed."""
    before = before or (lambda: None)
    client.get(url)  # warm-up
    timings, cpu = [], []
    for _ in range(repeat):
        before()
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    before()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(timings), statistics.median(cpu), len(queries), response.status_code


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="", help="only pages whose label contains this text")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    chosen = [page for page in pages() if args.only.lower() in page[0].lower()]
    twins = {twin for _label, _username, _url, twin in chosen if twin}
    chosen = [page for page in pages() if page in chosen or page[0] in twins]
    clients = {}
    medians = {}
    print(f"{'page':50} {'median ms':>10} {'cpu ms':>7} {'queries':>8} {'vs admin':>9}")
    for label, username, url, twin in chosen:
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client()
            if username:
                client.force_login(User.objects.get(username=username))
        before = None
        if label.endswith(COMPUTED):
            before = functools.partial(note_write, User.objects.get(username=username))
        median, cpu, queries, status_code = measure(client, url, args.repeat, before)
        medians[label] = median
        ratio = f"{median / medians[twin]:8.2f}x" if twin in medians else ""
        status = "" if status_code == 200 else f" (HTTP {status_code})"
        print(f"{label:50} {median:10.1f} {cpu:7.1f} {queries:8d} {ratio:>9}{status}", flush=True)
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
