"""Demo history for the quality dashboard: three years that tell a story, then snapshots.

The other seeders make last year's reviews and the last 13 months of monthly reports. This
one backfills the two years before (finalized unit reviews and monthly reports) so that each
unit follows a trend — most rise, some stay flat, a few decline — with noise per branch, and
then builds every period's snapshots. Deterministic (seeded per unit / branch and year) and
idempotent (existing reviews and report months are left alone; snapshots are upserted).
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from assessments import default_edition
from assessments import results as review_results
from assessments.models import Dimension, Edition, Item, ItemScore, Review, Tier
from assessments.services import round_half
from branches.models import MonthlyReport, Organization, ReportEvent
from branches.policy import policy_all
from branches.reports import compliance

from . import periods, services

BATCH = 5000
BACKFILL_YEARS = 2


def unit_trend(unit_id):
    """Points per year a unit's branches gained: most rise, some are flat, a few decline."""
    rng = random.Random(f"dashboards-trend-{unit_id}")
    roll = rng.random()
    if roll < 0.62:
        return rng.uniform(2.0, 5.0)
    if roll < 0.85:
        return rng.uniform(-0.6, 0.6)
    return rng.uniform(-3.0, -1.2)


def _branches():
    return list(
        Organization.objects.filter(kind=Organization.Kind.BRANCH, is_active=True)
        .order_by("pk")
        .values_list("pk", "unit_id")
    )


def _anchor_totals(year):
    """Last year's official totals (what the earlier years lead up to)."""
    return {
        branch_id: float(total or 0)
        for branch_id, total in Review.objects.filter(
            year=year,
            kind=Review.Kind.UNIT,
            status=Review.Status.FINALIZED,
            period_kind=Review.PeriodKind.YEAR,
        )
        .values_list("branch_id")
        .annotate(total=Sum("scores__score"))
        .order_by()
    }


@transaction.atomic
def _backfill_reviews(branches, anchor_year, today):
    edition = default_edition.load(Edition, Dimension, Item, Tier)
    items = list(edition.items.order_by("dimension__order", "order"))
    anchors = _anchor_totals(anchor_year)
    years = [anchor_year - k for k in range(1, BACKFILL_YEARS + 1)]
    existing = set(
        Review.objects.filter(kind=Review.Kind.UNIT, year__in=years).values_list("branch_id", "year")
    )
    reviews, plans = [], []
    for branch_id, unit_id in branches:
        trend = unit_trend(unit_id)
        for year in years:
            if (branch_id, year) in existing:
                continue
            rng = random.Random(f"dashboards-review-{branch_id}-{year}")
            anchor = anchors.get(branch_id, 78.0)
            target = min(99.0, max(35.0, anchor - trend * (anchor_year - year) + rng.gauss(0, 3.5)))
            stamp = timezone.make_aware(datetime.combine(date(year, 12, 20), time(10)))
            review = Review(
                branch_id=branch_id,
                edition=edition,
                kind=Review.Kind.UNIT,
                year=year,
                status=Review.Status.FINALIZED,
                submitted_at=stamp,
                finalized_at=stamp,
            )
            reviews.append(review)
            plans.append((review, rng, target / 100.0))
    scores = []
    for review, rng, share in plans:
        rows = []
        for item in items:
            if not item.points:
                veto = item.is_veto and rng.random() < 0.004 * (1 + anchor_year - review.year)
                rows.append(ItemScore(review=review, item=item, score=Decimal(0), veto_triggered=veto))
                continue
            value = min(1.0, max(0.0, rng.gauss(share, 0.08)))
            rows.append(
                ItemScore(review=review, item=item, score=round_half(item.points * Decimal(str(value))))
            )
        review.final_total, review.final_vetoed = review_results.of_rows(rows)  # all finalized
        scores.extend(rows)
    Review.objects.bulk_create(reviews, batch_size=BATCH)
    ItemScore.objects.bulk_create(scores, batch_size=BATCH)
    return len(reviews)


@transaction.atomic
def _backfill_reports(branches, first_month, last_month, today):
    """Monthly reports from ``first_month`` up to (excluding) ``last_month``: more of them on
    time every year in rising units."""
    due_day = policy_all()["report.due_day"]
    tz = timezone.get_current_timezone()
    months = list(compliance.month_starts(first_month, last_month - timedelta(days=1)))
    # A branch with any report in the range is done (a month left unfiled stays unfiled).
    done = set(
        MonthlyReport.objects.filter(month__gte=first_month, month__lt=last_month)
        .values_list("branch_id", flat=True)
        .distinct()
    )
    reports, returned = [], []
    for branch_id, unit_id in branches:
        if branch_id in done:
            continue
        trend = unit_trend(unit_id)
        rng = random.Random(f"dashboards-reports-{branch_id}")
        base_late = rng.uniform(0.05, 0.25)
        for month in months:
            years_back = (last_month.year - month.year) + (last_month.month - month.month) / 12
            late_p = min(0.6, max(0.02, base_late + 0.025 * trend * years_back))
            if rng.random() < 0.03 + 0.01 * years_back:
                continue  # never filed
            due_on = compliance.report_due_on(month, due_day)
            late = rng.random() < late_p
            offset = rng.randint(1, 12) if late else -rng.randint(0, 6)
            stamp = timezone.make_aware(datetime.combine(due_on + timedelta(days=offset), time(10)), tz)
            reports.append(
                MonthlyReport(
                    branch_id=branch_id,
                    month=month,
                    due_on=due_on,
                    status=MonthlyReport.Status.ACCEPTED,
                    first_submitted_at=stamp,
                    submitted_at=stamp,
                    is_late=late,
                    declaration=True,
                    reviewed_at=stamp + timedelta(days=2),
                )
            )
            returned.append(rng.random() < 0.06 + 0.01 * trend * years_back / 2)
    created = MonthlyReport.objects.bulk_create(reports, batch_size=BATCH)
    events = [
        ReportEvent(
            report_id=r.pk,
            action=ReportEvent.Action.RETURN,
            revision=1,
            at=r.submitted_at + timedelta(days=1),
        )
        for r, was_returned in zip(created, returned, strict=True)
        if was_returned and r.pk
    ]
    ReportEvent.objects.bulk_create(events, batch_size=BATCH)
    return len(created)


def seed(*, scale, today):
    del scale  # the size follows the organizations that exist
    branches = _branches()
    anchor_year = today.year - 1
    reviews = _backfill_reviews(branches, anchor_year, today)
    # The reports seeder covers the last 13 months; backfill from January two years before.
    window_start = today.replace(day=1) - relativedelta(months=12)
    reports = _backfill_reports(branches, date(anchor_year - BACKFILL_YEARS, 1, 1), window_start, today)
    built = services.build(all_periods(today), today=today, rebuild=True, reason="seed_demo")
    return {"reviews": reviews, "reports": reports, "periods": len(built)}


def all_periods(today, years=BACKFILL_YEARS + 2):
    found = []
    for year in range(today.year - years + 1, today.year + 1):
        found += periods.periods_of_year(year, today)
    return found
