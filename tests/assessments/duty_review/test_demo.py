from datetime import date

from assessments.duty_review import demo, selectors
from assessments.models import DutyBallot, DutyCycle, DutyReport, DutyVote
from branches.models import RectificationItem, SourceKind

from .conftest import OUTLINE  # noqa: F401  (fixtures of this package)


def _snapshot():
    return (
        sorted(DutyCycle.objects.values_list("organization_id", "year", "status")),
        sorted(DutyReport.objects.values_list("organization_id", "cycle__year", "status", "computed_grade")),
        DutyVote.objects.count(),
        sorted(DutyBallot.objects.values_list("code", "used")),
    )


def test_demo_builds_last_years_published_cycle_and_this_years_open_one(staffed, personas):
    demo.seed(scale="small", today=date(2026, 11, 30))
    cycles = dict(
        ((org, year), status)
        for org, year, status in DutyCycle.objects.values_list("organization_id", "year", "status")
    )
    assert cycles[(staffed["unit_a"].pk, 2025)] == "published"
    assert cycles[(staffed["unit_a"].pk, 2026)] == "open"  # the first unit stays open for writing
    assert cycles[(staffed["root"].pk, 2025)] == "published"  # unit-committee level too
    last = DutyReport.objects.get(cycle__year=2025, organization=staffed["branch_a"])
    assert last.status == "submitted" and last.vote_count > 0 and last.grade
    assert last.comments.exists()
    current = DutyReport.objects.get(cycle__year=2026, organization=staffed["branch_a"])
    assert current.status in ("draft", "submitted") and current.sections[1]["text"]
    assert DutyReport.objects.get(cycle__year=2026, organization=staffed["branch_b"]).status == "vacant"
    low = DutyReport.objects.filter(cycle__status="published", computed_grade__in=["average", "poor"])
    items = RectificationItem.objects.filter(source_kind=SourceKind.DUTY_REVIEW)
    assert sorted(items.values_list("source_id", flat=True)) == sorted(low.values_list("pk", flat=True))
    snapshot = _snapshot()
    demo.seed(scale="small", today=date(2026, 11, 30))
    assert _snapshot() == snapshot
    assert set(selectors.branches_flagged_for_observation(2025)) <= {staffed["branch_a"], staffed["branch_c"]}


def test_demo_is_deterministic(staffed, personas):
    demo.seed(scale="small", today=date(2026, 11, 30))
    first = _snapshot()
    DutyCycle.objects.all().delete()
    demo.seed(scale="small", today=date(2026, 11, 30))
    assert _snapshot()[:3] == first[:3]
