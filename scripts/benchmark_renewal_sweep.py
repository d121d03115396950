"""Time the renewal ladder sweep over the province-scale demo data (not a test).

    manage.py seed_demo --scale province          # once
    python scripts/benchmark_renewal_sweep.py [--date YYYY-MM-DD] [--commit]

Runs the sweep twice in one transaction (the cold run sends, the second must send nothing)
and rolls back unless --commit, so the figures can be reproduced. Mail goes to the
in-memory backend so the time is the sweep's, not an SMTP server's.
"""

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchportal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from branches.models import Organization, Term  # noqa: E402
from branches.renewals.services import renewal_sweep  # noqa: E402


class Rollback(Exception):
    pass


def measure(today):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = renewal_sweep(today=today)
        elapsed = time.perf_counter() - started
    return result, elapsed, len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", type=date.fromisoformat, default=None, help="sweep as of this day")
    parser.add_argument("--commit", action="store_true", help="keep what the sweep sent")
    args = parser.parse_args()
    today = args.date or timezone.localdate()
    branches = Organization.objects.filter(kind=Organization.Kind.BRANCH).count()
    terms = Term.objects.filter(status=Term.Status.ACTIVE).count()
    print(f"Data: {branches} branches, {terms} active terms; sweep as of {today}")
    try:
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            transaction.atomic(),
        ):
            for label in ("first run", "second run (idempotent)"):
                result, elapsed, queries = measure(today)
                print(
                    f"{label:24} {elapsed * 1000:8.0f} ms  {queries:3d} queries  "
                    f"terms checked {result['terms_checked']}, due {result['due']}, "
                    f"reminders sent {result['reminders']}, notifications {result['notifications']}"
                )
            if not args.commit:
                raise Rollback
    except Rollback:
        print("(rolled back; pass --commit to keep)")


if __name__ == "__main__":
    main()
