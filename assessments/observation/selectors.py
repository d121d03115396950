"""Reads for the observation pages, scoped to the viewer; each a constant number of queries."""

from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, Sum

from assessments import selectors as assessment_selectors
from assessments.models import (
    InterviewAnswer,
    InterviewQuestion,
    LookCheck,
    ObservationRound,
    ObserverScore,
    RecordCheck,
    Rectification,
    Review,
    Visit,
    VisitItem,
    VisitMember,
)
from branches import permissions
from branches.models import Activity, Member, MonthlyReport, Organization, RectificationItem, Term
from branches.permissions import Action

from . import access


def round_overview(round_):
    """The round's units, its groups (each with ``unit_rows``, its units from that one list)
    and the visit counts per status."""
    units = list(
        round_.units.select_related("unit__unit_category", "observer", "group").order_by("unit__path")
    )
    groups = list(round_.groups.select_related("leader").order_by("number"))
    for group in groups:
        group.unit_rows = [row for row in units if row.group_id == group.pk]
    counts = dict(
        round_.visits.filter(kind=Visit.Kind.REGULAR)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return units, groups, counts


def results(user, round_, *, group=None, unit=None):
    """The round's regular visits with their stored results, ranked, scoped to the viewer."""
    visits = round_.visits.filter(kind=Visit.Kind.REGULAR).select_related(
        "branch__unit", "host_group", "reinspection"
    )
    if not access.is_manager(user):
        visits = visits.filter(permissions.scope_q(user, Action.VIEW, "branch__"))
    if group:
        visits = visits.filter(host_group_id=group)
    if unit:
        visits = visits.filter(branch__unit_id=unit)
    return visits.annotate(gap=F("observed_total") - F("reference_total")).order_by(
        "rank_overall", "branch__path"
    )


def unit_gaps(visits):
    """Mean absolute reliability gap per unit: [(unit, mean gap, branches)], from result rows."""
    by_unit: dict[Organization, list[Decimal]] = {}
    for visit in visits:
        if visit.observed_total is None or visit.reference_total is None:
            continue
        gaps = by_unit.setdefault(visit.branch.unit, [])
        gaps.append(abs(visit.observed_total - visit.reference_total))
    return sorted(((unit, sum(g) / len(g), len(g)) for unit, g in by_unit.items()), key=lambda row: -row[1])


def group_schedule(round_, group):
    """A group's visits with teams (one query for visits, one for the team)."""
    return (
        round_.visits.filter(group=group)
        .select_related("branch__unit")
        .prefetch_related(Prefetch("team", queryset=VisitMember.objects.select_related("user", "unit")))
        .order_by("date", "branch__path")
    )


def rectifications(user, *, round_id=None):
    rows = Rectification.objects.select_related("branch__unit", "visit__round", "tracker_item")
    if not access.is_manager(user):
        rows = rows.filter(permissions.scope_q(user, Action.VIEW, "branch__")).filter(
            visit__round__status__in=access.RESULT_STATUSES
        )
    if round_id:
        rows = rows.filter(visit__round_id=round_id)
    return rows.order_by("deadline", "pk")


def my_visits(user):
    return (
        Visit.objects.filter(access._open_team_q(user))
        .select_related("branch__unit", "round")
        .order_by("date", "pk")
    )


def visit_items(visit):
    """Edition items with the host's computed scores and (after publication) aggregates."""
    computed = {row.item_id: row for row in VisitItem.objects.filter(visit=visit)}
    items = list(
        visit.round.edition.items.select_related("dimension").order_by("dimension__order", "order", "pk")
    )
    for item in items:
        item.visit_row = computed.get(item.pk)
    return items


def my_scores(member):
    return {row.item_id: row for row in ObserverScore.objects.filter(member=member)}


def all_scores(visit):
    """{(member id, item id): score} for the print sheet (team and managers only)."""
    return {
        (row.member_id, row.item_id): row.score
        for row in ObserverScore.objects.filter(member__visit=visit).only("member_id", "item_id", "score")
    }


def briefing(visit):
    """述: what the portal knows of the host branch now."""
    branch = visit.branch
    review = (
        Review.objects.filter(branch=branch, year=visit.round.year).order_by("-finalized_at", "-pk").first()
    )
    result = assessment_selectors.with_results(Review.objects.filter(pk=review.pk)).get() if review else None
    dimensions = []
    if review:
        dimensions = list(
            review.scores.values("item__dimension__name", "item__dimension__order")
            .order_by("item__dimension__order")
            .annotate(total=Sum("score"))
        )
    term = Term.objects.filter(branch=branch, status=Term.Status.ACTIVE).first()
    reports = (
        MonthlyReport.objects.filter(branch=branch, month__year=visit.round.year)
        .values("status")
        .annotate(n=Count("pk"))
    )
    return {
        "review": review,
        "result": result,
        "dimensions": dimensions,
        "term": term,
        "reports": list(reports),
        "open_rectifications": RectificationItem.objects.filter(
            organization=branch, status__in=RectificationItem.OPEN_STATUSES
        ).count(),
        "members": Member.objects.filter(branch=branch, state=Member.State.ACTIVE).count(),
    }


def looks(visit):
    return {row.item_id: row for row in LookCheck.objects.filter(visit=visit)}


def record_checks(visit):
    rows = {row.month: row for row in RecordCheck.objects.filter(visit=visit)}
    return [(month, rows.get(month)) for month in visit.sample_months]


def evidence_pack(visit, items):
    """查: for each AUTO item, the host's records of the year behind it (activity records)."""
    activities = list(
        Activity.objects.filter(branch=visit.branch, held_on__year=visit.round.year).order_by("held_on")[:200]
    )
    return [item for item in items if item.mode == item.Mode.AUTO], activities


def interviews(visit):
    members = Member.objects.in_bulk(visit.interviewees)
    questions = list(InterviewQuestion.objects.filter(is_active=True))
    answers = {(a.member_id, a.question_id): a.passed for a in InterviewAnswer.objects.filter(visit=visit)}
    people = [members[pk] for pk in visit.interviewees if pk in members]
    for person in people:
        # Read by the interview template; set on the instance like an annotation.
        person.qa = [(q, answers.get((person.pk, q.pk))) for q in questions]  # type: ignore[attr-defined]
    return people


def branch_annual(user, branch):
    """The branch's latest published annual standardization score (branch page section)."""
    return (
        Visit.objects.filter(
            branch=branch,
            kind=Visit.Kind.REGULAR,
            round__status__in=access.RESULT_STATUSES,
        )
        .filter(Q(annual_score__isnull=False))
        .select_related("round")
        .order_by("-round__year", "-pk")
        .first()
    )


def observed_totals_in_year(branch_ids, year):
    """{branch id: observed total} from the published regular visits of ``year``'s rounds; the
    source the yearly classification mixes in."""
    rows = Visit.objects.filter(
        branch_id__in=branch_ids,
        kind=Visit.Kind.REGULAR,
        round__year=year,
        round__status__in=[ObservationRound.Status.PUBLISHED, ObservationRound.Status.CLOSED],
        observed_total__isnull=False,
    )
    return dict(rows.values_list("branch_id", "observed_total"))
