"""Scoped reads of 述职评议. Lists run a constant number of queries at any size."""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count, F, Q

from assessments.models import DutyBallot, DutyCycle, DutyReminder, DutyReport, DutyVote, Grade
from branches import permissions
from branches.models import Organization
from branches.permissions import Action

from .tally import TallyPolicy, result_for

Status = DutyCycle.Status


def may_manage(user, cycle):
    return permissions.is_staff_role(user) and permissions.can(user, Action.REVIEW, cycle.organization)


def may_view_report(user, report):
    """The secretary sees their own report; staff of the level above see all of the cycle; once
    published, the reporting body's own committee (staff with scope over it) sees the result."""
    if report.secretary_id is not None and report.secretary_id == user.pk:
        return True
    if may_manage(user, report.cycle):
        return True
    if (
        report.cycle.status == Status.PUBLISHED
        and permissions.is_staff_role(user)
        and permissions.can(user, Action.REVIEW, report.organization)
    ):
        return True
    # Raters (grant source in access.py) read the submitted reports of the cycle they rate.
    return (
        report.cycle.status in (Status.OPEN, Status.VOTING)
        and report.status == DutyReport.Status.SUBMITTED
        and permissions.can(user, Action.RATE, report.cycle.organization)
    )


def cycles_for(user):
    """Cycles the user manages (staff) — one query."""
    if not permissions.is_staff_role(user):
        return DutyCycle.objects.none()
    return (
        DutyCycle.objects.filter(permissions.scope_q(user, Action.REVIEW, "organization__"))
        .select_related("organization")
        .annotate(
            report_count=Count("reports", filter=~Q(reports__status=DutyReport.Status.VACANT)),
            submitted_count=Count("reports", filter=Q(reports__status=DutyReport.Status.SUBMITTED)),
            vacant_count=Count("reports", filter=Q(reports__status=DutyReport.Status.VACANT)),
        )
        .order_by("-year", "organization__path")
    )


def my_reports(user):
    return (
        DutyReport.objects.filter(secretary=user)
        .select_related("cycle", "organization")
        .order_by("-cycle__year")
    )


def published_for_committee(user):
    """Published results of bodies in the staff user's scope that report to a level above."""
    if not permissions.is_staff_role(user):
        return DutyReport.objects.none()
    return (
        DutyReport.objects.filter(
            permissions.scope_q(user, Action.REVIEW, "organization__"), cycle__status=Status.PUBLISHED
        )
        .exclude(status=DutyReport.Status.VACANT)
        .select_related("cycle", "organization")
        .order_by("-cycle__year", "organization__path")[:50]
    )


def my_ballots(user):
    return DutyBallot.objects.filter(
        rater__user=user, cycle__status=Status.VOTING, used=False
    ).select_related("cycle__organization")


def cycle_reports(cycle, *, state=""):
    """The overview rows: every enrolled body with its report status (one query)."""
    reports = cycle.reports.select_related("organization", "secretary").order_by("organization__path")
    if state == "missing":
        reports = reports.filter(status__in=DutyReport.EDITABLE)
    elif state == "vacant":
        reports = reports.filter(status=DutyReport.Status.VACANT)
    elif state == "submitted":
        reports = reports.filter(status=DutyReport.Status.SUBMITTED)
    return reports


def reports_overview(user, *, year, state="", level=""):
    """Every enrolled body of ``year`` in cycles the staff user manages (the province: ~3,000),
    for "who has not submitted" across units. One query per page plus the count."""
    reports = (
        DutyReport.objects.filter(
            permissions.scope_q(user, Action.REVIEW, "cycle__organization__"), cycle__year=year
        )
        .select_related("organization", "cycle__organization")
        .order_by("cycle__organization__path", "organization__path")
    )
    if not permissions.is_staff_role(user):
        return reports.none()
    if level:
        reports = reports.filter(cycle__level=level)
    if state == "missing":
        reports = reports.filter(status__in=DutyReport.EDITABLE)
    elif state == "vacant":
        reports = reports.filter(status=DutyReport.Status.VACANT)
    elif state == "submitted":
        reports = reports.filter(status=DutyReport.Status.SUBMITTED)
    return reports


def overview_counts(user, *, year):
    """{status: n} over the same rows as ``reports_overview`` (one grouped query)."""
    if not permissions.is_staff_role(user):
        return {}
    rows = (
        DutyReport.objects.filter(
            permissions.scope_q(user, Action.REVIEW, "cycle__organization__"), cycle__year=year
        )
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


def cycle_counts(cycle):
    rows = dict(cycle.reports.values("status").annotate(n=Count("pk")).values_list("status", "n").order_by())
    ballots = cycle.ballots.aggregate(issued=Count("pk"), used=Count("pk", filter=Q(used=True)))
    return {"by_status": rows, "total": sum(rows.values()), **ballots}


def vote_counts(cycle):
    """{report id: {grade: n}} for the whole cycle in one grouped query."""
    counts: defaultdict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        DutyVote.objects.filter(report__cycle=cycle)
        .values_list("report_id", "grade")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for report_id, grade, n in rows:
        counts[report_id][grade] = n
    return counts


def live_tally(cycle, policy_values):
    """{report id: Result} computed from the current votes (two queries), before publication."""
    policy = TallyPolicy.from_policy(policy_values)
    issued = cycle.ballots.count()
    return {
        report_id: result_for(counts, ballots_issued=issued, policy=policy)
        for report_id, counts in vote_counts(cycle).items()
    }


def ranked_reports(cycle):
    """Reports with a result, best first (composite desc, then votes)."""
    return (
        cycle.reports.exclude(status=DutyReport.Status.VACANT)
        .select_related("organization")
        .order_by(F("composite").desc(nulls_last=True), "-vote_count", "organization__path")
    )


def ballot_report_ids(cycle):
    return list(cycle.reports.exclude(status=DutyReport.Status.VACANT).values_list("pk", flat=True))


def ballot_reports(cycle):
    return (
        cycle.reports.exclude(status=DutyReport.Status.VACANT)
        .select_related("organization")
        .order_by("organization__path")
    )


def reminders_due(*, today, days_before):
    """(report, stage) pairs whose reminder is due today and not yet sent."""
    sent = set(
        DutyReminder.objects.values_list("report_id", "stage").filter(
            report__cycle__status=Status.OPEN, report__cycle__due_on__gte=today - timedelta(days=1)
        )
    )
    reports = DutyReport.objects.filter(
        cycle__status=Status.OPEN,
        status__in=DutyReport.EDITABLE,
        secretary__isnull=False,
        cycle__due_on__lte=today + timedelta(days=days_before),
        cycle__due_on__gte=today,
    ).select_related("cycle", "secretary", "organization")
    due = []
    for report in reports:
        stage = DutyReminder.Stage.DUE if report.cycle.due_on == today else DutyReminder.Stage.BEFORE
        if (report.pk, stage) not in sent:
            due.append((report, stage))
    return due


def latest_grades(org_ids):
    """{organization id: report} of the latest published result of each body (one query)."""
    reports = (
        DutyReport.objects.filter(organization_id__in=org_ids, cycle__status=Status.PUBLISHED)
        .exclude(status=DutyReport.Status.VACANT)
        .select_related("cycle")
        .order_by("organization_id", "-cycle__year")
        .distinct("organization_id")
        if _distinct_on()
        else None
    )
    if reports is None:  # SQLite: no DISTINCT ON
        result: dict[int, DutyReport] = {}
        for report in (
            DutyReport.objects.filter(organization_id__in=org_ids, cycle__status=Status.PUBLISHED)
            .exclude(status=DutyReport.Status.VACANT)
            .select_related("cycle")
            .order_by("-cycle__year")
        ):
            result.setdefault(report.organization_id, report)
        return result
    return {report.organization_id: report for report in reports}


def _distinct_on():
    from django.db import connection

    return connection.features.can_distinct_on_fields


def branches_flagged_for_observation(year):
    """Organizations whose secretary was graded 一般 or 差 in a published 述职评议 cycle of ``year``.

    For the cross-observation feature: the round that follows cycle ``year`` (usually held in
    ``year + 1``) must include these in its sample. Returns an Organization queryset (both
    levels: branches for branch-level cycles, unit committees for unit-level cycles); filter by
    ``kind`` as needed. The grade counts after a committee override.
    """
    low = [Grade.AVERAGE, Grade.POOR]
    return Organization.objects.filter(
        Q(duty_reports__override_grade__in=low)
        | Q(duty_reports__override_grade="", duty_reports__computed_grade__in=low),
        duty_reports__cycle__year=year,
        duty_reports__cycle__status=Status.PUBLISHED,
    ).distinct()


def default_year(today=None):
    """Cycles run from November to January: before July the current cycle is last year's."""
    today = today or date.today()
    return today.year if today.month >= 7 else today.year - 1


def grades_in_year(org_ids, year):
    """{organization id: grade code} of the published 述职评议 results of ``year`` (override
    first); the source the designation criteria and the yearly classification read."""
    rows = DutyReport.objects.filter(
        organization_id__in=org_ids, cycle__year=year, cycle__status=Status.PUBLISHED
    ).exclude(status=DutyReport.Status.VACANT)
    return {
        org_id: override or computed
        for org_id, override, computed in rows.values_list(
            "organization_id", "override_grade", "computed_grade"
        )
        if override or computed
    }
