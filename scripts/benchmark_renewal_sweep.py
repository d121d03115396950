"""Time the renewal ladder sweep over the province-scale demo data (not a test).

    manage.py seed_demo --scale province          # once
    python scripts/benchmark_renewal_sweep.py [--date YYYY-MM-DD] [--commit]

    # 50,000 terms: in a writable copy of the province data (never in portal_province itself)
    createdb -h 127.0.0.1 -U portal -T portal_province portal_bench
    DATABASE_URL=postgres://…/portal_bench python scripts/benchmark_renewal_sweep.py --terms 50000

``--terms N`` first adds (and commits) branches until N terms are active: one generated
branch per missing term under the existing unit committees, each with a secretary (with an
email address) and an active term whose end is spread evenly over the next three years and the
past 400 days, so a day of the sweep meets every ladder stage.

Runs, in one transaction: the *worst day* (the first sweep over data never swept: every term
in the ladder's window is due at once), the same day again (idempotent: nothing sent), and
the *daily run* of the next day (only the terms that crossed a stage boundary overnight).
Rolled back unless --commit, so the figures can be reproduced; the foreign-key checks a
commit would run are timed after each run and printed apart. Mail goes to the in-memory
backend so the time is the sweep's, not an SMTP server's.
"""

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchportal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from branches.models import Organization, RoleAssignment, Term, User  # noqa: E402
from branches.renewals.services import renewal_sweep  # noqa: E402
from notifications.models import OutboxEmail  # noqa: E402
from notifications.services import outbox_deliver  # noqa: E402


class Rollback(Exception):
    pass


def measure(today):
    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        result = renewal_sweep(today=today)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    sql = sum(float(q["time"]) for q in queries.captured_queries)
    return result, elapsed, len(queries), cpu, sql, deferred_checks()


def deferred_checks():
    """Seconds PostgreSQL spends on the foreign-key checks Django declares DEFERRABLE
    INITIALLY DEFERRED: a real run pays them at COMMIT, which this rolled-back one never
    reaches, so they are run here (and reported apart)."""
    if connection.vendor != "postgresql":
        return 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return time.perf_counter() - started


def generate(terms_wanted, today):
    """Add branches (each with a secretary and an active term) until ``terms_wanted`` terms
    are active; explicit ids, because an organization's path holds its own id."""
    from django.db.models import Max

    if connection.settings_dict["NAME"] == "portal_province":
        sys.exit("portal_province is the read-only template: generate in a copy (see --help)")
    missing = terms_wanted - Term.objects.filter(status=Term.Status.ACTIVE).count()
    if missing <= 0:
        return 0
    units = list(Organization.objects.filter(kind=Organization.Kind.UNIT_COMMITTEE, is_active=True))
    next_org = (Organization.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    next_user = (User.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    span = 3 * 365 + 400
    orgs, users, roles, terms = [], [], [], []
    for n in range(missing):
        unit = units[n % len(units)]
        org_id, user_id = next_org + n, next_user + n
        orgs.append(
            Organization(
                id=org_id,
                name=f"压测第{org_id}党支部",
                kind=Organization.Kind.BRANCH,
                parent_id=unit.pk,
                path=f"{unit.path}{org_id}/",
                depth=unit.depth + 1,
                unit_id=unit.pk,
            )
        )
        users.append(
            User(id=user_id, username=f"bench{org_id}", email=f"bench{org_id}@example.org", password="!")
        )
        roles.append(
            RoleAssignment(user_id=user_id, role=RoleAssignment.Role.SECRETARY, organization_id=org_id)
        )
        ends_on = today - timedelta(days=400) + timedelta(days=n * span // missing)
        terms.append(Term(branch_id=org_id, elected_on=ends_on - timedelta(days=1096), ends_on=ends_on))
    with transaction.atomic():
        Organization.objects.bulk_create(orgs, batch_size=2000)
        User.objects.bulk_create(users, batch_size=2000)
        RoleAssignment.objects.bulk_create(roles, batch_size=2000)
        Term.objects.bulk_create(terms, batch_size=2000)
        with connection.cursor() as cursor:
            for model in (Organization, User):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
    return missing


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", type=date.fromisoformat, default=None, help="sweep as of this day")
    parser.add_argument("--commit", action="store_true", help="keep what the sweep sent")
    parser.add_argument("--terms", type=int, default=0, help="first add branches until N terms are active")
    args = parser.parse_args()
    today = args.date or timezone.localdate()
    if args.terms:
        print(f"Generated {generate(args.terms, today)} branches with a secretary and an active term")
    branches = Organization.objects.filter(kind=Organization.Kind.BRANCH).count()
    terms = Term.objects.filter(status=Term.Status.ACTIVE).count()
    print(f"Data: {branches} branches, {terms} active terms; sweep as of {today}")
    print("Load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    try:
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            transaction.atomic(),
        ):
            runs = (
                ("worst day (first run)", today),
                ("same day (idempotent)", today),
                ("daily run (next day)", today + timedelta(days=1)),
            )
            for label, day in runs:
                result, elapsed, queries, cpu, sql, checks = measure(day)
                print(
                    f"{label:24} {elapsed * 1000:8.0f} ms (Python CPU {cpu * 1000:.0f} ms, SQL {sql * 1000:.0f} ms)  "
                    f"+ {checks * 1000:.0f} ms FK checks at commit  {queries:3d} queries  "
                    f"terms checked {result['terms_checked']}, due {result['due']}, "
                    f"reminders sent {result['reminders']}, notifications {result['notifications']}"
                )
            # What the outbox worker then does: one batch of the queued mail, rendered and sent.
            with CaptureQueriesContext(connection) as queries:
                started, cpu = time.perf_counter(), time.process_time()
                delivered = outbox_deliver()
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(
                f"{'outbox batch':24} {elapsed * 1000:8.0f} ms (Python CPU {cpu * 1000:.0f} ms)  "
                f"{len(queries):3d} queries  sent {delivered['sent']} of the {OutboxEmail.objects.filter(status='pending').count() + delivered['sent']} queued"
            )
            if not args.commit:
                raise Rollback
    except Rollback:
        print("(rolled back; pass --commit to keep)")


if __name__ == "__main__":
    main()
