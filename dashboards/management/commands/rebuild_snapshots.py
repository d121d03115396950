from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboards import periods, services


class Command(BaseCommand):
    help = (
        "Rebuild indicator snapshots for past periods (e.g. --year 2025, --period 2025Q3). "
        "Closed periods are rebuilt on purpose here; every changed value is logged (old → new)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", default=[], help="a year and its quarters")
        parser.add_argument("--period", action="append", default=[], help="2025 or 2025Q3")
        parser.add_argument("--reason", default="", help="why (kept in the change log)")

    def handle(self, *args, year, period, reason, **options):
        today = timezone.localdate()
        try:
            chosen = [periods.parse(key) for key in period]
        except ValueError as exc:
            raise CommandError(f"bad period: {exc}") from exc
        for y in year:
            chosen += periods.periods_of_year(y, today)
        if not chosen:
            raise CommandError("give --year or --period")
        chosen = [p for p in sorted(set(chosen)) if p.start <= today]
        result = services.build(
            chosen, today=today, rebuild=True, reason=reason or "manage.py rebuild_snapshots"
        )
        for key, (written, changed, removed) in result.items():
            self.stdout.write(f"{key}: {written} rows, {changed} changed, {removed} removed")
