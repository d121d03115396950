from datetime import date

import pytest

from branches.models import Activity, MonthlyReport, ReportEvent
from branches.reports import demo
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def fingerprint():
    return sorted(Activity.objects.values_list("branch__name", "kind", "held_on", "present_full"))


def test_seed_is_deterministic_idempotent_and_valid(tree, personas):
    for branch in (tree["branch_a"], tree["branch_b"], tree["branch_c"]):
        for _ in range(6):
            MemberFactory(branch=branch)
    today = date(2026, 11, 20)
    counts = demo.seed(scale="small", today=today)
    assert counts["activities"] > 3 * 12 * 3 and counts["reports"] > 20
    first = fingerprint()
    assert demo.seed(scale="small", today=today) == {
        "activities": 0,
        "decisions": 0,
        "reports": 0,
        "events": 0,
    }
    assert fingerprint() == first
    # Nothing in the future, reports only for months already due, cell meetings only in branch_a.
    assert not Activity.objects.filter(held_on__gte=today).exists()
    assert not MonthlyReport.objects.filter(due_on__gte=today).exists()
    assert set(Activity.objects.filter(kind="cell").values_list("branch", flat=True)) == {tree["branch_a"].pk}
    accepted = MonthlyReport.objects.filter(status="accepted").first()
    assert list(ReportEvent.objects.filter(report=accepted).values_list("action", flat=True)) == [
        "submit",
        "accept",
    ]

    Activity.objects.all().delete()
    MonthlyReport.objects.all().delete()
    demo.seed(scale="small", today=today)
    assert fingerprint() == first
