"""Dashboard indicators provided by the yearly classification 先进/中间/后进 (§11).

Discovered by dashboards.registry (no import of it). Both read the classes in force
(``Classification.grade``, i.e. after any staff override) of the year and the year before.
"""

from collections import defaultdict

from django.db.models import Exists, OuterRef

from assessments.models.designations import Classification, FollowUp

Grade = Classification.Grade


def _grades(years, branch_ids):
    """{year: {branch id: grade}} in one query."""
    found = defaultdict(dict)
    for branch_id, year, grade in Classification.objects.filter(
        year__in=years, branch_id__in=branch_ids
    ).values_list("branch_id", "year", "grade"):
        found[year][branch_id] = grade
    return found


def lagging_conversion(period, branch_ids):
    """Per branch classified 后进 last year: (1 if it reached 中间 or better within 12 months, 1) —
    classified 中间/先进 this year or its follow-up closed by re-assessment at 中间/先进, as on
    the designations page (selectors.lagging_conversion). None until this year is classified
    or a follow-up converted. One grouped query."""
    better = [Grade.ADVANCED, Grade.MIDDLE]
    classified_now = Classification.objects.filter(branch=OuterRef("branch_id"), year=period.year)
    reassessed = FollowUp.objects.filter(
        classification=OuterRef("pk"), status=FollowUp.Status.CLOSED, reassessed_grade__in=better
    )
    rows = list(
        Classification.objects.filter(year=period.year - 1, grade=Grade.LAGGING, branch_id__in=branch_ids)
        .annotate(
            now=Exists(classified_now),
            converted=Exists(classified_now.filter(grade__in=better)) | Exists(reassessed),
            reassessed=Exists(reassessed),
        )
        .values_list("branch_id", "now", "converted", "reassessed")
    )
    if not any(now or reassessed for _b, now, _c, reassessed in rows):
        return None
    return {branch_id: (1 if converted else 0, 1) for branch_id, _n, converted, _r in rows}


def advanced_increment(period, branch_ids):
    """Change in the number of 先进 branches from last year: per branch classified in both
    years +1 (became 先进), −1 (no longer 先进) or 0; summed up the tree."""
    grades = _grades((period.year - 1, period.year), branch_ids)
    before, now = grades[period.year - 1], grades[period.year]
    if not before or not now:
        return None
    values = {}
    for branch_id in now.keys() | before.keys():
        was = before.get(branch_id) == Grade.ADVANCED
        is_ = now.get(branch_id) == Grade.ADVANCED
        values[branch_id] = int(is_) - int(was)
    return values


PROVIDES = {"lagging_conversion": lagging_conversion, "advanced_increment": advanced_increment}
