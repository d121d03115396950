"""Dashboard indicators provided by the yearly classification 先进/中间/后进 (§11).

Discovered by dashboards.registry (no import of it). Both read the classes in force
(``Classification.grade``, i.e. after any staff override) of the year and the year before.
"""

from collections import defaultdict

from assessments.models.designations import Classification

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
    """Per branch classified 后进 last year and classified this year: (1 if now 中间 or 先进, 1)."""
    grades = _grades((period.year - 1, period.year), branch_ids)
    before, now = grades[period.year - 1], grades[period.year]
    values = {
        branch_id: (1 if now[branch_id] != Grade.LAGGING else 0, 1)
        for branch_id, grade in before.items()
        if grade == Grade.LAGGING and branch_id in now
    }
    return values or None


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
