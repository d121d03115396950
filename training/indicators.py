"""Dashboard indicator provided by training (discovered by dashboards.registry; no import of it)."""

from django.db.models import Count, Q

from .models import MemberYearHours
from .selectors import _hours_relation, current_secretary_posts


def training_coverage(period, branch_ids):
    """secretary_rotation_coverage (domain.md §9.2) per branch: (current secretaries with at least
    one concentrated training in the year, current secretaries). None for a year without any
    training record. Two queries."""
    if not MemberYearHours.objects.filter(year=period.year).exists():
        return None
    rows = (
        current_secretary_posts()
        .filter(term__branch_id__in=branch_ids)
        .annotate(yh=_hours_relation("member__", period.year, ""))
        .values_list("term__branch_id")
        .annotate(n=Count("pk"), rotated=Count("pk", filter=Q(yh__concentrated__gte=1)))
        .order_by()
    )
    return {branch_id: (rotated, n) for branch_id, n, rotated in rows} or None


PROVIDES = {"training_coverage": training_coverage}
