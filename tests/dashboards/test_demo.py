"""seed_demo's dashboard history: three years, idempotent, a rise with exceptions."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from assessments.models import Review
from branches.models import MonthlyReport, Organization
from dashboards import demo
from dashboards.models import Snapshot
from dashboards.selectors import dashboard_root

pytestmark = pytest.mark.django_db


def state():
    return (
        sorted(Review.objects.filter(kind="unit").values_list("branch_id", "year", "status")),
        MonthlyReport.objects.count(),
        sorted(
            Snapshot.objects.values_list(
                "organization_id", "period_kind", "year", "period_no", "indicator", "value"
            )
        ),
    )


def test_seed_demo_builds_three_years_of_snapshots_idempotently():
    call_command("seed_demo", stdout=StringIO())
    first = state()
    call_command("seed_demo", stdout=StringIO())
    assert state() == first
    year = timezone.localdate().year - 1
    root = dashboard_root()
    means = dict(
        Snapshot.objects.filter(organization=root, indicator="score_mean", period_kind="year").values_list(
            "year", "value"
        )
    )
    assert {year - 2, year - 1, year} <= set(means)
    on_time = Snapshot.objects.filter(organization=root, indicator="report_on_time", period_kind="quarter")
    assert on_time.filter(year=year - 2).count() == 4  # every quarter of three years has reports


def test_unit_trends_include_risers_flat_and_decliners():
    trends = [demo.unit_trend(unit_id) for unit_id in range(1, 200)]
    assert sum(t > 1.5 for t in trends) > 100
    assert any(-0.6 <= t <= 0.6 for t in trends)
    assert any(t < -1 for t in trends)


def test_province_mean_rises_over_the_backfilled_years():
    call_command("seed_demo", stdout=StringIO())
    year = timezone.localdate().year - 1
    root = Organization.objects.get(kind="work_committee")
    means = dict(
        Snapshot.objects.filter(organization=root, indicator="score_mean", period_kind="year").values_list(
            "year", "value"
        )
    )
    assert means[year - 2] < means[year]
