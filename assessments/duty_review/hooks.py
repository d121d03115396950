"""Where 述职评议 meets features built alongside it.

Rectification items go through the shared tracker (``branches.rectifications``); training
attended comes from the ``training`` app's attendance records.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from branches.models import RectificationItem, SourceKind
from branches.rectifications.services import rectification_create as tracker_create


def training_facts(*, organization, secretary, year):
    """Training the secretary attended in ``year`` from the training app's attendance records:
    {"sessions": n, "hours": "h", "titles": [...]}, or None when no member record is linked to
    the secretary's login (the report then shows 暂无数据). Two queries."""

    from branches.models import Member
    from training.models import Attendance

    if secretary is None:
        return None
    member = Member.objects.filter(user=secretary).values_list("pk", flat=True).first()
    if member is None:
        return None
    attended = Attendance.objects.filter(
        member_id=member, status=Attendance.Status.ATTENDED, event__start_on__year=year
    )
    rows = list(attended.order_by("event__start_on").values_list("event__title", "hours_credited"))
    hours = sum((h for _t, h in rows), start=0)
    return {"sessions": len(rows), "hours": str(hours), "titles": [t for t, _h in rows][:10]}


def rectification_facts(*, organization, year):
    """Rectification items of the organization from last year's 述职评议 cycle and from
    observation visits of the last two years: {"open": [...], "closed": [...]} (one query)."""
    from assessments.models import DutyReport

    last_reports = DutyReport.objects.filter(organization=organization, cycle__year=year - 1).values("pk")
    items = RectificationItem.objects.filter(organization=organization).filter(
        Q(source_kind=SourceKind.DUTY_REVIEW, source_id__in=last_reports)
        | Q(source_kind=SourceKind.OBSERVATION_VISIT, created_at__year__gte=year - 1)
    )
    result = {"open": [], "closed": []}
    for description, status in items.order_by("deadline", "pk").values_list("description", "status"):
        key = "closed" if status == RectificationItem.Status.VERIFIED else "open"
        result[key].append(description)
    return result


def rectification_create(*, report, deadline_days, user):
    """Open the tracker item (source 述职评议) for a report graded 一般 or 差; idempotent per
    report (publication may be retried). Returns the item."""
    existing = RectificationItem.objects.filter(
        source_kind=SourceKind.DUTY_REVIEW, source_id=report.pk
    ).first()
    if existing is not None:
        return existing
    return tracker_create(
        organization=report.organization,
        source_kind=SourceKind.DUTY_REVIEW,
        source_id=report.pk,
        description=(
            f"{report.cycle.year} 年度书记抓党建述职评议等次为“{report.get_grade_display()}”，"
            "请对照点评意见和测评情况制定整改清单，按期整改。"
        ),
        deadline=timezone.localdate() + timedelta(days=deadline_days),
        user=user,
    )
