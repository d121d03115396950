"""The training demo: deterministic, idempotent, coverage rising year over year with gaps."""

from datetime import date

import pytest
from django.db.models import Q

from branches.demo import seed_province
from training import demo, selectors
from training.models import Attendance, MemberYearHours, TrainingEvent

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 1)


def test_demo_is_idempotent_and_coverage_rises_with_gaps():
    seed_province(scale_name="small", today=TODAY, log=lambda *_: None)
    first = demo.seed(scale="small", today=TODAY)
    assert first["events"] > 0 and first["attendance"] > 0
    snapshot = (TrainingEvent.objects.count(), Attendance.objects.count(), MemberYearHours.objects.count())
    assert demo.seed(scale="small", today=TODAY) == {"events": 0, "attendance": 0}
    assert (
        TrainingEvent.objects.count(),
        Attendance.objects.count(),
        MemberYearHours.objects.count(),
    ) == snapshot
    assert not TrainingEvent.objects.filter(end_on__gt=TODAY).exists()

    shares = {}
    for year in (2024, 2025, 2026):
        totals = selectors._totals(
            selectors.coverage(branch_q=Q(), key="unit", year=year, today=TODAY).values()
        )
        shares[year] = {name: ratio.value for name, ratio in totals.items()}
    for metric in ("member_hours_compliance", "committee_hours_compliance", "standard_training_coverage"):
        assert shares[2024][metric] < shares[2026][metric] < 1, metric


def test_rollup_matches_attendance():
    """The seeder writes the roll-up directly; rebuilding it from attendance gives the same rows."""
    seed_province(scale_name="small", today=TODAY, log=lambda *_: None)
    demo.seed(scale="small", today=TODAY)
    seeded = sorted(
        MemberYearHours.objects.values_list("member_id", "year", "tier", "hours", "concentrated", "standard")
    )
    from training.services import refresh_member_years

    refresh_member_years(list(MemberYearHours.objects.values_list("member_id", flat=True).distinct()))
    rebuilt = sorted(
        MemberYearHours.objects.values_list("member_id", "year", "tier", "hours", "concentrated", "standard")
    )
    assert rebuilt == seeded
