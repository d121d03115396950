"""Dashboard indicators provided by 述职评议 (discovered by dashboards.registry; no import of it)."""

from django.db.models import Count, Q, Value
from django.db.models.functions import Coalesce, NullIf

from assessments.models.duty_review import DutyCycle, DutyReport, Grade

GOOD_GRADES = (Grade.GOOD, Grade.FAIRLY_GOOD)


def appraisal_good_share(period, branch_ids):
    """Per branch: (published reports graded 好/较好, published graded reports) of the year.

    The grade in force is the staff override, else the tallied grade. One grouped query.
    """
    rows = (
        DutyReport.objects.filter(
            cycle__year=period.year,
            cycle__status=DutyCycle.Status.PUBLISHED,
            organization_id__in=branch_ids,
        )
        .annotate(
            effective=Coalesce(NullIf("override_grade", Value("")), NullIf("computed_grade", Value("")))
        )
        .filter(effective__isnull=False)
        .values_list("organization_id")
        .annotate(n=Count("pk"), good=Count("pk", filter=Q(effective__in=GOOD_GRADES)))
        .order_by()
    )
    return {branch_id: (good, n) for branch_id, n, good in rows} or None


PROVIDES = {"appraisal_good_share": appraisal_good_share}
