"""Scoped reads of the rectification tracker: lists (overdue first) and closure statistics."""

from django.db.models import Avg, Case, Count, DurationField, ExpressionWrapper, F, IntegerField, Q, When
from django.utils import timezone

from .. import permissions
from ..models import RectificationItem
from ..permissions import Action

Status = RectificationItem.Status


def rectification_list(user, *, unit_id=None, status="", organization=None, today=None):
    """Items the user may view; overdue first, then by deadline. ``status`` may be "overdue"."""
    today = today or timezone.localdate()
    items = RectificationItem.objects.filter(permissions.scope_q(user, Action.VIEW, "organization__"))
    if organization is not None:
        items = items.filter(organization=organization)
    if unit_id:
        items = items.filter(organization__unit_id=unit_id)
    if status == "overdue":
        items = items.filter(status__in=RectificationItem.OPEN_STATUSES, deadline__lt=today)
    elif status in Status.values:
        items = items.filter(status=status)
    overdue = Case(
        When(status__in=RectificationItem.OPEN_STATUSES, deadline__lt=today, then=0),
        default=1,
        output_field=IntegerField(),
    )
    return (
        items.annotate(overdue_rank=overdue)
        .select_related("organization__unit")
        .order_by("overdue_rank", "deadline", "pk")
    )


def closure_stats(user, *, organization=None):
    """{"total", "verified", "closure_rate" (0..1 or None), "avg_days_to_close" (or None)}."""
    items = rectification_list(user, organization=organization).order_by()
    row = items.aggregate(
        total=Count("pk"),
        verified=Count("pk", filter=Q(status=Status.VERIFIED)),
        avg_close=Avg(
            ExpressionWrapper(F("verified_at") - F("created_at"), output_field=DurationField()),
            filter=Q(status=Status.VERIFIED),
        ),
    )
    total, verified, avg_close = row["total"], row["verified"], row["avg_close"]
    return {
        "total": total,
        "verified": verified,
        "closure_rate": verified / total if total else None,
        "avg_days_to_close": round(avg_close.total_seconds() / 86400, 1) if avg_close is not None else None,
    }
