"""The observation demo: a finished round last year and one in progress, idempotent."""

from datetime import date

from assessments.models import ObservationRound, Visit
from assessments.observation import demo
from branches.demo import seed_province

TODAY = date(2026, 11, 30)


def test_demo_rounds_are_built_once(db, edition):
    seed_province(scale_name="small", today=TODAY)
    assert demo.seed(scale="small", today=TODAY) == 2
    finished = ObservationRound.objects.get(year=2025)
    current = ObservationRound.objects.get(year=2026)
    assert finished.status == ObservationRound.Status.CLOSED and finished.sample_seed == 2025
    assert current.status == ObservationRound.Status.IN_PROGRESS
    assert finished.groups.count() == 2  # four units: two groups of two
    regular = finished.visits.filter(kind=Visit.Kind.REGULAR)
    assert regular.count() == 8 and not regular.filter(observed_total=None).exists()
    assert current.visits.filter(status=Visit.Status.SUBMITTED).exists()  # visits before today
    assert current.visits.filter(status=Visit.Status.SCHEDULED).exists()  # visits still to come
    before = sorted(Visit.objects.values_list("round__year", "branch_id", "status"))
    assert demo.seed(scale="small", today=TODAY) == 0
    assert sorted(Visit.objects.values_list("round__year", "branch_id", "status")) == before
