"""Required organizational-life frequencies (domain.md §3.4) computed from activity records.

The evaluation itself is pure (plain dicts in, plain results out) so it can be tested over
built calendars and reused by the standard's rule functions (``assessments/rules_life.py``).
The loaders fetch what many branches need in a constant number of queries.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from ..models import Activity, Decision, MonthlyReport, Organization, Term

Kind = Activity.Kind

MET, MISSED, NOT_DUE, NOT_APPLICABLE = "met", "missed", "not_due", "na"
STATE_LABELS = {
    MET: _("已完成"),
    MISSED: _("未完成"),
    NOT_DUE: _("未到期"),
    NOT_APPLICABLE: _("不适用"),
}


@dataclass(frozen=True)
class Requirement:
    key: str
    label: str
    kind: str
    period: str  # "month", "quarter" or "year"


REQUIREMENTS = (
    Requirement("LIFE-01", _("支部党员大会（每季度）"), Kind.ASSEMBLY, "quarter"),
    Requirement("LIFE-02", _("支部委员会（每月）"), Kind.COMMITTEE, "month"),
    Requirement("LIFE-03", _("党小组会（每月，各党小组）"), Kind.CELL, "month"),
    Requirement("LIFE-04", _("党课（每季度）"), Kind.LECTURE, "quarter"),
    Requirement("LIFE-05", _("主题党日（每月）"), Kind.THEME_DAY, "month"),
    Requirement("LIFE-06", _("组织生活会（每年）"), Kind.ORG_LIFE, "year"),
    Requirement("STUDY", _("集中学习（每月）"), Kind.STUDY, "month"),
)
REQUIREMENT_BY_KEY = {req.key: req for req in REQUIREMENTS}


@dataclass
class BranchFacts:
    """What decides which requirements apply to a branch."""

    # No active term recorded: treated as having a committee, so missing data never exempts.
    has_committee: bool = True
    cell_ids: tuple = ()


@dataclass
class PeriodResult:
    start: date
    end: date  # inclusive
    count: int
    state: str


@dataclass
class RequirementResult:
    requirement: Requirement
    periods: list = field(default_factory=list)  # PeriodResult; for cells one list per cell
    applicable: bool = True

    @property
    def met(self):
        return sum(1 for p in self.periods if p.state == MET)

    @property
    def due(self):
        """Periods already decided: met, or over without the activity."""
        return sum(1 for p in self.periods if p.state in (MET, MISSED))

    @property
    def ratio(self):
        return None if not self.applicable or not self.due else self.met / self.due


def month_starts(start, end):
    current = date(start.year, start.month, 1)
    while current <= end:
        yield current
        current += relativedelta(months=1)


@lru_cache(maxsize=256)
def _periods(kind, start, end):
    """(first month, last day, its month starts) of each period within [start, end].

    Cached: date arithmetic would otherwise dominate when thousands of branches are scored.
    """
    if kind == "year":
        first, last = date(start.year, 1, 1), date(end.year, 12, 31)
        return ((first, last, tuple(month_starts(first, last))),)
    step = 1 if kind == "month" else 3
    periods = []
    for month in month_starts(start, end):
        if (month.month - 1) % step == 0:
            last = month + relativedelta(months=step, days=-1)
            periods.append((month, last, tuple(month_starts(month, last))))
    return tuple(periods)


def _state(count, required, period_end, today):
    if count >= required:
        return MET
    return MISSED if period_end < today else NOT_DUE


def evaluate(*, facts, counts, cell_counts, start, end, today, lectures_per_quarter, keys=None):
    """Results per requirement for one branch.

    ``counts`` maps (kind, month start) to the number of activities, ``cell_counts`` maps
    (cell id, month start) to cell meetings; ``start``/``end`` bound whole months.
    """
    results = {}
    for req in REQUIREMENTS:
        if keys is not None and req.key not in keys:
            continue
        required = lectures_per_quarter if req.kind == Kind.LECTURE else 1
        applicable = (
            (req.kind != Kind.COMMITTEE or facts.has_committee)
            and (req.kind != Kind.CELL or bool(facts.cell_ids))
            and required > 0
        )
        result = RequirementResult(requirement=req, applicable=applicable)
        if applicable:
            for first, last, months in _periods(req.period, start, end):
                if req.kind == Kind.CELL:
                    for cell_id in facts.cell_ids:
                        count = sum(cell_counts.get((cell_id, m), 0) for m in months)
                        result.periods.append(PeriodResult(first, last, count, _state(count, 1, last, today)))
                else:
                    count = sum(counts.get((req.kind, m), 0) for m in months)
                    result.periods.append(
                        PeriodResult(first, last, count, _state(count, required, last, today))
                    )
        results[req.key] = result
    return results


def year_grid(results, year):
    """Rows (requirement × 12 month columns) for the template; quarters and years span columns."""
    rows = []
    for req in REQUIREMENTS:
        result = results[req.key]
        if not result.applicable:
            rows.append({"requirement": req, "cells": [{"span": 12, "state": NOT_APPLICABLE, "count": 0}]})
            continue
        by_start = defaultdict(list)
        for period in result.periods:
            by_start[period.start].append(period)
        cells = []
        for start in sorted(by_start):
            group = by_start[start]  # several entries only for cell meetings (one per cell)
            states = {p.state for p in group}
            state = MISSED if MISSED in states else NOT_DUE if NOT_DUE in states else MET
            months = (group[0].end.year - start.year) * 12 + group[0].end.month - start.month + 1
            cells.append(
                {
                    "span": months,
                    "state": state,
                    "count": sum(p.count for p in group),
                    "label": STATE_LABELS[state],
                    "start": start,
                }
            )
        rows.append({"requirement": req, "cells": cells})
    return rows


# ---- loaders: a constant number of queries for any number of branches ----


def load_facts(branch_ids):
    facts = {branch_id: BranchFacts() for branch_id in branch_ids}
    for branch_id, has_committee in Term.objects.filter(
        branch_id__in=branch_ids, status=Term.Status.ACTIVE
    ).values_list("branch_id", "has_committee"):
        facts[branch_id].has_committee = has_committee
    cells = defaultdict(list)
    for parent_id, cell_id in (
        Organization.objects.filter(
            parent_id__in=branch_ids, kind=Organization.Kind.PARTY_CELL, is_active=True
        )
        .values_list("parent_id", "pk")
        .order_by("pk")
    ):
        cells[parent_id].append(cell_id)
    for branch_id, cell_ids in cells.items():
        facts[branch_id].cell_ids = tuple(cell_ids)
    return facts


def load_counts(branch_ids, start, end, kinds=None):
    """({branch: {(kind, month): n}}, {branch: {(cell, month): n}}) in one query."""
    counts, cell_counts = defaultdict(dict), defaultdict(dict)
    activities = Activity.objects.filter(branch_id__in=branch_ids, held_on__range=(start, end))
    if kinds is not None:
        activities = activities.filter(kind__in=kinds)
    rows = (
        activities.annotate(m=TruncMonth("held_on"))
        .values_list("branch_id", "kind", "cell_id", "m")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for branch_id, kind, cell_id, month, n in rows:
        key = (kind, month)
        counts[branch_id][key] = counts[branch_id].get(key, 0) + n
        if cell_id is not None:
            cell_key = (cell_id, month)
            cell_counts[branch_id][cell_key] = cell_counts[branch_id].get(cell_key, 0) + n
    return counts, cell_counts


def evaluate_branches(branch_ids, *, start, end, today, lectures_per_quarter, keys=None):
    """{branch id: {requirement key: RequirementResult}} in three queries.

    ``keys`` limits the work to some requirements (a scoring rule needs only its own).
    """
    branch_ids = list(branch_ids)
    facts = load_facts(branch_ids)
    kinds = None if keys is None else [REQUIREMENT_BY_KEY[key].kind for key in keys]
    counts, cell_counts = load_counts(branch_ids, start, end, kinds)
    return {
        branch_id: evaluate(
            facts=facts[branch_id],
            counts=counts.get(branch_id, {}),
            cell_counts=cell_counts.get(branch_id, {}),
            start=start,
            end=end,
            today=today,
            lectures_per_quarter=lectures_per_quarter,
            keys=keys,
        )
        for branch_id in branch_ids
    }


def vote_problems(
    *, expected_full, present_full, votes_for, votes_against, votes_abstain, passed, strict_majority
):
    """Messages for a vote that breaks §3.2; an empty list means the vote is valid."""
    problems = []
    if votes_for + votes_against + votes_abstain > present_full:
        problems.append(_("表决票数合计不能超过实到会有表决权的正式党员人数。"))
    quorum = present_full * 2 > expected_full if strict_majority else present_full * 2 >= expected_full
    if not quorum:
        problems.append(_("到会有表决权的正式党员未超过应到人数的半数，不能进行表决。"))
    # "半数以上" (half or more) may apply to attendance only: a motion never passes with exactly half.
    majority = votes_for * 2 > expected_full
    if passed and not majority:
        problems.append(_("赞成票未超过应到会有表决权正式党员的半数，该事项不能通过。"))
    return problems


def load_vote_validity(branch_ids, start, end, *, strict_majority):
    """{branch id: (valid decisions, decisions)} for assemblies in the period (one query)."""
    tally = defaultdict(lambda: [0, 0])
    rows = Decision.objects.filter(
        activity__branch_id__in=branch_ids,
        activity__kind=Kind.ASSEMBLY,
        activity__held_on__range=(start, end),
        activity__deleted_at__isnull=True,
    ).values_list(
        "activity__branch_id",
        "activity__expected_full",
        "activity__present_full",
        "votes_for",
        "votes_against",
        "votes_abstain",
        "passed",
    )
    for branch_id, expected, present, yes, no, abstain, passed in rows:
        ok = not vote_problems(
            expected_full=expected,
            present_full=present,
            votes_for=yes,
            votes_against=no,
            votes_abstain=abstain,
            passed=passed,
            strict_majority=strict_majority,
        )
        tally[branch_id][0] += ok
        tally[branch_id][1] += 1
    return {branch_id: tuple(v) for branch_id, v in tally.items()}


def load_attendance(branch_ids, start, end):
    """{branch id: (present full, expected full)} over all activities in the period."""
    rows = (
        Activity.objects.filter(branch_id__in=branch_ids, held_on__range=(start, end))
        .values("branch_id")
        .annotate(present=Sum("present_full"), expected=Sum("expected_full"))
        .order_by()
    )
    return {row["branch_id"]: (row["present"] or 0, row["expected"] or 0) for row in rows}


def load_lapsed_members(branch_ids, window_start, window_end):
    """{branch id: members absent without leave from every activity in the window} (two queries).

    CONST Art. 9 / LIFE-11: six months without taking part in organizational life. A window
    without any activity says nothing about members, so it flags no one.
    """
    activities = dict(
        Activity.objects.filter(branch_id__in=branch_ids, held_on__range=(window_start, window_end))
        .values_list("branch_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    absences = (
        Activity.absent_members.through.objects.filter(
            activity__branch_id__in=branch_ids,
            activity__held_on__range=(window_start, window_end),
            activity__deleted_at__isnull=True,
        )
        .values_list("activity__branch_id", "member_id")
        .annotate(n=Count("activity_id"))
        .order_by()
    )
    lapsed = defaultdict(int)
    for branch_id, _member_id, n in absences:
        if n == activities.get(branch_id):
            lapsed[branch_id] += 1
    return dict(lapsed)


def report_due_on(month, due_day):
    """Due date of the report for ``month``: ``due_day`` of the following month."""
    return (month + relativedelta(months=1)).replace(day=min(due_day, 28))


def load_report_timeliness(branch_ids, start, end, *, today, due_day):
    """{branch id: (months filed on time, months due)} for monthly reports due before ``today``.

    A month counts as on time when its report was first submitted by the due date.
    """
    due_months = [m for m in month_starts(start, end) if report_due_on(m, due_day) < today]
    on_time = defaultdict(int)
    rows = (
        MonthlyReport.objects.filter(
            branch_id__in=branch_ids, month__in=due_months, first_submitted_at__isnull=False, is_late=False
        )
        .values_list("branch_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for branch_id, n in rows:
        on_time[branch_id] = n
    return {branch_id: (on_time.get(branch_id, 0), len(due_months)) for branch_id in branch_ids}
