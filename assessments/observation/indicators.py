"""Dashboard indicator provided by 交叉观摩 (discovered by dashboards.registry; no import of it)."""

from django.db.models import Avg, F
from django.db.models.functions import Abs

from assessments.models.observation import ObservationRound, Visit


def reliability_gap(period, branch_ids):
    """Per branch: mean absolute difference (points) between the observed total and the
    self/computed reference total, over the published regular visits of the year's rounds
    (domain.md §11). One grouped query."""
    rows = (
        Visit.objects.filter(
            branch_id__in=branch_ids,
            kind=Visit.Kind.REGULAR,
            round__year=period.year,
            round__status__in=[ObservationRound.Status.PUBLISHED, ObservationRound.Status.CLOSED],
            observed_total__isnull=False,
            reference_total__isnull=False,
        )
        .values_list("branch_id")
        .annotate(gap=Avg(Abs(F("observed_total") - F("reference_total"))))
        .order_by()
    )
    return {branch_id: float(gap) for branch_id, gap in rows} or None


PROVIDES = {"reliability_gap": reliability_gap}
