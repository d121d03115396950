"""Demo data for every app, orchestrated from the top layer.

Only the top layer may know every feature, so the lower layers never load upper-layer modules
(by import or by name); each feature exposes an idempotent ``seed(scale=, today=)``.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from assessments import demo as assessments_demo
from assessments.designations import demo as guidance_demo
from assessments.duty_review import demo as duty_review_demo
from assessments.observation import demo as observation_demo
from branches.demo import DEMO_PASSWORD, DEMO_USERS, SCALES, seed_province
from branches.models import Member, Organization, User
from branches.renewals import demo as renewals_demo
from branches.reports import demo as reports_demo
from dashboards import demo as dashboards_demo
from training import demo as training_demo

# Feature seeders run after the base province, in this order; each is idempotent.
FEATURE_SEEDERS = [
    reports_demo.seed,
    renewals_demo.seed,
    training_demo.seed,  # before assessments: the training rules read its records
    assessments_demo.seed,  # after the records: its rules pre-score from them
    observation_demo.seed,  # after the reviews: sampling and reference scores read them
    duty_review_demo.seed,  # after scores: reports read the year's results and grades
    guidance_demo.seed,  # classes from the reviews above; follow-ups, designations, FAQs, library
    dashboards_demo.seed,  # after everything it summarizes: backfills history, builds snapshots
]


def analyze():
    """Bulk loads leave the planner with empty statistics (it then picks nested loops over
    thousands of rows, minutes per query at province scale) until autovacuum gets round to it;
    each seeder reads what the previous one wrote, so refresh them after each."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class Command(BaseCommand):
    help = "Build the demo province (deterministic and idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DEBUG off (demo users have a published password).",
        )

    def handle(self, *args, scale, allow_production, **options):
        if settings.PRODUCTION and not allow_production:
            raise CommandError("seed_demo creates users with a published password; refusing with DEBUG off.")
        started = time.monotonic()
        today = timezone.localdate()
        result = seed_province(scale_name=scale, today=today, log=self.stdout.write)
        if settings.PRODUCTION:
            # The demo password is published: in production each demo user must replace it at
            # the first login.
            User.objects.filter(username__in=result["users_created"]).update(must_change_password=True)
            self.stdout.write("Demo users must change the shared password at their first login.")
        analyze()
        for seed in FEATURE_SEEDERS:
            seed(scale=scale, today=today)
            analyze()
        counts = Organization.objects.aggregate(
            units=Count("pk", filter=Q(kind=Organization.Kind.UNIT_COMMITTEE)),
            branches=Count("pk", filter=Q(kind=Organization.Kind.BRANCH)),
        )
        self.stdout.write(
            f"Demo province ({scale}): {counts['units']} units, {counts['branches']} branches, "
            f"{Member.objects.count()} members; {result['units_added']} units added "
            f"in {time.monotonic() - started:.1f}s."
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        names = dict(
            User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).values_list(
                "username", "display_name"
            )
        )
        for username, _display, role, _node in DEMO_USERS:
            self.stdout.write(f"  {username:8} {role.label}  {names.get(username, '')}")
