"""Reads for the activity, compliance and monthly-report pages, scoped to the viewer."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models import Case, Count, Exists, OuterRef, Q, Value, When

from .. import permissions
from ..models import Activity, Member, MonthlyReport, Organization
from ..permissions import Action
from ..policy import policy_all
from . import compliance

Kind = Activity.Kind
Status = MonthlyReport.Status


def month_end(month):
    return month + relativedelta(months=1, days=-1)


def branch_activities(branch, *, month=None, kind=None):
    qs = (
        Activity.objects.filter(branch=branch)
        .select_related("cell")
        .annotate(attachment_count=Count("attachments"))
    )
    if month is not None:
        qs = qs.filter(held_on__range=(month, month_end(month)))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-held_on", "-pk")


def deleted_activities(branch, *, year):
    """Soft-deleted records of the year, with who deleted them and why (one query)."""
    return (
        Activity.all_objects.filter(branch=branch, deleted_at__isnull=False, held_on__year=year)
        .select_related("deleted_by")
        .order_by("-deleted_at")
    )


def activity_queryset():
    return Activity.objects.select_related("branch", "cell", "created_by")


def branch_member_choices(branch):
    return Member.objects.filter(branch=branch, state=Member.State.ACTIVE).order_by("name", "pk")


def attendance_roster(branch, today=None):
    """Who is expected at a meeting, from the roster: everyone, or the committee for a 支委会.

    ``{"all": {"full": n, "probationary": n, "ids": [...]}, "committee": {...}}`` (two queries).
    """
    from ..models import Post, Term

    members = list(
        Member.objects.filter(branch=branch, state=Member.State.ACTIVE).values_list("pk", "status")
    )
    committee_ids = set(
        Post.objects.filter(
            term__branch=branch, term__status=Term.Status.ACTIVE, ended_on__isnull=True
        ).values_list("member_id", flat=True)
    )

    def summary(rows):
        return {
            "full": sum(1 for _pk, status in rows if status == Member.Status.FULL),
            "probationary": sum(1 for _pk, status in rows if status == Member.Status.PROBATIONARY),
            "ids": [pk for pk, _status in rows],
        }

    return {"all": summary(members), "committee": summary([m for m in members if m[0] in committee_ids])}


def branch_cells(branch):
    return Organization.objects.filter(parent=branch, kind=Organization.Kind.PARTY_CELL, is_active=True)


def branch_compliance(branch, *, year, today):
    """Year grid rows for one branch (three queries)."""
    policy = policy_all()
    results = compliance.evaluate_branches(
        [branch.pk],
        start=date(year, 1, 1),
        end=date(year, 12, 31),
        today=today,
        lectures_per_quarter=policy["life.lectures_per_quarter"],
    )[branch.pk]
    return compliance.year_grid(results, year)


def branches_for_compliance(user, *, unit_id=None):
    """Branches whose compliance the viewer may see (VIEW scope), for the staff overview."""
    qs = Organization.objects.filter(
        permissions.scope_q(user, Action.VIEW), kind=Organization.Kind.BRANCH, is_active=True
    ).select_related("unit")
    return (qs.filter(unit_id=unit_id) if unit_id else qs).order_by("path")


def compliance_rows(branches, *, year, today):
    """One row per branch: (met, due) per requirement for ``year`` (three queries for the page)."""
    policy = policy_all()
    results = compliance.evaluate_branches(
        [b.pk for b in branches],
        start=date(year, 1, 1),
        end=date(year, 12, 31),
        today=today,
        lectures_per_quarter=policy["life.lectures_per_quarter"],
    )
    rows = []
    for branch in branches:
        cells = []
        for req in compliance.REQUIREMENTS:
            result = results[branch.pk][req.key]
            ratio = result.ratio
            cells.append(
                {
                    "applicable": result.applicable,
                    "met": result.met,
                    "due": result.due,
                    "ratio": ratio,
                    "state": compliance.NOT_APPLICABLE
                    if not result.applicable
                    else compliance.NOT_DUE
                    if ratio is None
                    else compliance.MET
                    if ratio == 1
                    else compliance.MISSED,
                }
            )
        rows.append({"branch": branch, "cells": cells})
    return rows


def year_reports(branch, year):
    """{month start: report} for the branch's reports of ``year``."""
    return {report.month: report for report in MonthlyReport.objects.filter(branch=branch, month__year=year)}


def _month_gaps(branch, month, today, policy):
    """Requirements whose period ends with ``month`` and that are not met (§10.3 warnings)."""
    results = compliance.evaluate_branches(
        [branch.pk],
        start=date(month.year, 1, 1),
        end=month_end(month),
        today=max(today, month_end(month)),
        lectures_per_quarter=policy["life.lectures_per_quarter"],
    )[branch.pk]
    gaps = []
    for key, result in results.items():
        for period in result.periods:
            if period.end == month_end(month) and period.state != compliance.MET:
                gaps.append({"key": key, "label": str(result.requirement.label)})
                break
    return gaps


def report_derived(branch, month, *, today):
    """The figures of §10.1 that come from the month's records and roster (constant queries)."""
    policy = policy_all()
    end = month_end(month)
    activities = list(
        Activity.objects.filter(branch=branch, held_on__range=(month, end)).order_by("held_on", "pk")
    )
    by_kind: dict[str, int] = {}
    for activity in activities:
        by_kind[activity.get_kind_display()] = by_kind.get(activity.get_kind_display(), 0) + 1
    expected = sum(a.expected for a in activities)
    present = sum(a.present for a in activities)
    expected_full = sum(a.expected_full for a in activities)
    present_full = sum(a.present_full for a in activities)
    roster = Member.objects.filter(branch=branch).aggregate(
        full=Count("pk", filter=Q(state=Member.State.ACTIVE, status=Member.Status.FULL)),
        probationary=Count("pk", filter=Q(state=Member.State.ACTIVE, status=Member.Status.PROBATIONARY)),
        new_probationary=Count("pk", filter=Q(joined_on__range=(month, end))),
        converted=Count("pk", filter=Q(full_since__range=(month, end))),
        transferred_out=Count(
            "pk", filter=Q(state=Member.State.TRANSFERRED, state_changed_on__range=(month, end))
        ),
        removed=Count("pk", filter=Q(state=Member.State.REMOVED, state_changed_on__range=(month, end))),
    )
    return {
        "activities": [
            {
                "date": f"{a.held_on:%Y-%m-%d}",
                "kind": a.get_kind_display(),
                "topic": a.topic,
                "expected": a.expected,
                "present": a.present,
                "late": a.entered_late,
            }
            for a in activities
        ],
        "by_kind": by_kind,
        "attendance_rate": round(present / expected, 3) if expected else None,
        "attendance_rate_full": round(present_full / expected_full, 3) if expected_full else None,
        "late_entries": sum(a.entered_late for a in activities),
        "roster": roster,
        "gaps": _month_gaps(branch, month, today, policy),
    }


REPORT_TEXTS = (
    "snapshot",
    "study_topics",
    "development_work",
    "problems",
    "next_month_plan",
    "gap_reason",
    "review_comment",
)


def report_queryset():
    return MonthlyReport.objects.select_related("branch", "branch__unit", "filer", "reviewed_by")


def review_queue(user, *, month=None, unit_id=None, status=None, late=None):
    """Reports the viewer may review. By default the backlog: every report waiting for review,
    whatever its month; ``status="all"`` adds the ones already handled."""
    qs = report_queryset().filter(permissions.scope_q(user, Action.REVIEW, "branch__"))
    if month is not None:
        qs = qs.filter(month=month)
    if unit_id:
        qs = qs.filter(branch__unit_id=unit_id)
    if status == "all":
        qs = qs.exclude(status=Status.DRAFT)
    elif status:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=MonthlyReport.AWAITING_REVIEW)
    if late is not None:
        qs = qs.filter(is_late=late)
    # Oldest submission first (first come, first reviewed); with handled reports shown too, the
    # ones waiting come first. Without that CASE the backlog's order is served by the partial
    # index report_awaiting_review (a page reads 25 index entries, not the whole backlog).
    if status == "all":
        waiting = Case(When(status__in=MonthlyReport.AWAITING_REVIEW, then=Value(0)), default=Value(1))
        return qs.order_by(waiting, "submitted_at", "branch__path")
    return qs.order_by("submitted_at", "branch__path")


def review_queue_page(reports):
    """A page of the queue: without the report's texts and frozen figures (the export has them)."""
    return reports.select_related(None).select_related("branch__unit").defer(*REPORT_TEXTS)


def review_backlog(user):
    """Reports waiting for the viewer's review: how many and the oldest submission (one query)."""
    from django.db.models import Min

    return MonthlyReport.objects.filter(
        permissions.scope_q(user, Action.REVIEW, "branch__"), status__in=MonthlyReport.AWAITING_REVIEW
    ).aggregate(pending=Count("pk"), oldest=Min("submitted_at"))


def review_units(user):
    """Unit committees the viewer reviews (for the filter and the rates table)."""
    return Organization.objects.filter(
        permissions.scope_q(user, Action.REVIEW), kind=Organization.Kind.UNIT_COMMITTEE
    ).order_by("path")


def _branches_in_review_scope(user, unit_id=None):
    qs = Organization.objects.filter(
        permissions.scope_q(user, Action.REVIEW), kind=Organization.Kind.BRANCH, is_active=True
    )
    return qs.filter(unit_id=unit_id) if unit_id else qs


def reporting_rates(user, *, month, today, unit_id=None):
    """DHIS2-style completeness and on-time rates per unit for ``month`` (two queries)."""
    expected = dict(
        _branches_in_review_scope(user, unit_id).values_list("unit_id").annotate(n=Count("pk")).order_by()
    )
    filed = {
        row["branch__unit_id"]: row
        for row in MonthlyReport.objects.filter(
            permissions.scope_q(user, Action.REVIEW, "branch__"),
            month=month,
            status__in=MonthlyReport.FILED,
            branch__is_active=True,
            **({"branch__unit_id": unit_id} if unit_id else {}),
        )
        .values("branch__unit_id")
        .annotate(
            filed=Count("pk"),
            on_time=Count("pk", filter=Q(is_late=False)),
            accepted=Count("pk", filter=Q(status=Status.ACCEPTED)),
        )
        .order_by()
    }
    units = {u.pk: u for u in Organization.objects.filter(pk__in=expected).order_by("path")}
    rows = []
    for unit_id_, unit in units.items():
        row = filed.get(unit_id_, {})
        n = expected[unit_id_]
        rows.append(
            {
                "unit": unit,
                "expected": n,
                "filed": row.get("filed", 0),
                "on_time": row.get("on_time", 0),
                "accepted": row.get("accepted", 0),
                "completeness": row.get("filed", 0) / n if n else None,
                "on_time_rate": row.get("on_time", 0) / n if n else None,
            }
        )
    totals = {key: sum(r[key] for r in rows) for key in ("expected", "filed", "on_time", "accepted")}
    totals["completeness"] = totals["filed"] / totals["expected"] if totals["expected"] else None
    totals["on_time_rate"] = totals["on_time"] / totals["expected"] if totals["expected"] else None
    totals["due_on"] = compliance.report_due_on(month, policy_all()["report.due_day"])
    totals["is_due"] = totals["due_on"] < today
    return rows, totals


def unfiled_branches(user, *, month, unit_id=None):
    filed = MonthlyReport.objects.filter(branch=OuterRef("pk"), month=month, status__in=MonthlyReport.FILED)
    return (
        _branches_in_review_scope(user, unit_id)
        .exclude(Exists(filed))
        .select_related("unit")
        .order_by("path")
    )


def rates_snapshot(user, *, month, today):
    """On-time rate and unfiled count across the viewer's whole scope (home panel)."""
    _rows, totals = reporting_rates(user, month=month, today=today)
    return totals
