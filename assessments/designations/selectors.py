"""Scoped reads: designations, the public list of demonstration branches, the classification
overview, a branch's path across years, follow-ups and the lagging conversion rate (§11)."""

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from branches import permissions
from branches.models import Organization, RectificationItem, SourceKind

from ..models import CheckIn, Classification, Designation, FollowUp

Grade = Classification.Grade
Action = permissions.Action


def designation_list(user, *, status="", kind=""):
    rows = Designation.objects.filter(permissions.scope_q(user, Action.VIEW, "branch__"))
    if status in Designation.Status.values:
        rows = rows.filter(status=status)
    if kind in Designation.Kind.values:
        rows = rows.filter(kind=kind)
    return rows.select_related("branch__unit", "nominated_by").order_by("status", "-nominated_at", "-pk")


def demonstration_branches(*, kind="", dimension="", today=None):
    """Approved, valid designations (visible to every signed-in user: models to learn from)."""
    today = today or timezone.localdate()
    rows = Designation.objects.filter(status=Designation.Status.APPROVED, valid_until__gte=today)
    if kind in Designation.Kind.values:
        rows = rows.filter(kind=kind)
    if dimension:
        rows = rows.filter(dimensions__contains=f",{dimension},")
    return rows.select_related("branch__unit").order_by("branch__unit__path", "branch__path")


def demonstration_secretaries(*, today=None):
    """{branch: [secretary users]} of the demonstration and pilot branches in force — for
    training and observation rounds to invite them (one query plus the permissions lookup)."""
    branches = [row.branch for row in demonstration_branches(today=today)]
    users = permissions.users_with_many(
        Action.RECORD_ACTIVITY,
        branches,
        roles={permissions.Role.SECRETARY},
        exact_roles={permissions.Role.SECRETARY},
    )
    return {branch: users[branch.pk] for branch in branches}


def live_designations(branch_ids):
    """{branch_id: [approved designation kinds]} for badges."""
    found: dict[int, list[str]] = {}
    for branch_id, kind in Designation.objects.filter(
        branch_id__in=branch_ids, status=Designation.Status.APPROVED
    ).values_list("branch_id", "kind"):
        found.setdefault(branch_id, []).append(kind)
    return found


def classification_years(user):
    """Years that have classes (not scoped: a year is no branch's data; one index scan)."""
    return list(Classification.objects.order_by("-year").values_list("year", flat=True).distinct())


def classification_rows(user, *, year, grade="", unit_id=None):
    rows = Classification.objects.filter(permissions.scope_q(user, Action.VIEW, "branch__"), year=year)
    if grade in Grade.values:
        rows = rows.filter(grade=grade)
    if unit_id:
        rows = rows.filter(branch__unit_id=unit_id)
    open_follow_up = FollowUp.objects.filter(
        branch=OuterRef("branch_id"), status=FollowUp.Status.OPEN
    ).order_by()
    return (
        rows.annotate(open_follow_up=Subquery(open_follow_up.values("pk")[:1]))
        .select_related("branch__unit")
        .order_by("score", "branch__path")
    )


def classification_by_unit(user, *, year):
    """[{unit id/name, advanced, middle, lagging, total}] plus a province total row."""
    rows = (
        Classification.objects.filter(permissions.scope_q(user, Action.VIEW, "branch__"), year=year)
        .values("branch__unit_id", "branch__unit__name")
        .annotate(
            advanced=Count("pk", filter=Q(grade=Grade.ADVANCED)),
            middle=Count("pk", filter=Q(grade=Grade.MIDDLE)),
            lagging=Count("pk", filter=Q(grade=Grade.LAGGING)),
            total=Count("pk"),
        )
        .order_by("branch__unit__name")
    )
    units = list(rows)
    total = {key: sum(u[key] for u in units) for key in ("advanced", "middle", "lagging", "total")}
    return units, total


def branch_history(branch):
    """The branch's class per year, oldest first, with the staff changes."""
    return list(
        Classification.objects.filter(branch=branch).prefetch_related("changes__changed_by").order_by("year")
    )


def lagging_conversion(user, *, year):
    """Lagging conversion (§11): of the branches classed 后进 in ``year``, the share that reached
    中间 or better within 12 months — classed 中间/先进 in ``year + 1`` or a follow-up closed by
    re-assessment. Per unit and for the whole scope: ([rows], total)."""
    converted = Q(
        Exists(
            Classification.objects.filter(
                branch=OuterRef("branch_id"), year=year + 1, grade__in=[Grade.ADVANCED, Grade.MIDDLE]
            )
        )
    ) | Q(
        Exists(
            FollowUp.objects.filter(
                classification=OuterRef("pk"),
                status=FollowUp.Status.CLOSED,
                reassessed_grade__in=[Grade.ADVANCED, Grade.MIDDLE],
            )
        )
    )
    rows = list(
        Classification.objects.filter(
            permissions.scope_q(user, Action.VIEW, "branch__"), year=year, grade=Grade.LAGGING
        )
        .values("branch__unit_id", "branch__unit__name")
        .annotate(lagging=Count("pk"), converted=Count("pk", filter=converted))
        .order_by("branch__unit__name")
    )
    for row in rows:
        row["rate"] = row["converted"] / row["lagging"] if row["lagging"] else None
    lagging = sum(r["lagging"] for r in rows)
    converted_total = sum(r["converted"] for r in rows)
    total = {
        "lagging": lagging,
        "converted": converted_total,
        "rate": converted_total / lagging if lagging else None,
    }
    return rows, total


def _plan_counts():
    items = RectificationItem.objects.filter(
        source_kind=SourceKind.GUIDANCE_FOLLOW_UP, source_id=OuterRef("pk")
    ).order_by()
    count = items.values("source_id").annotate(n=Count("pk")).values("n")[:1]
    done = (
        items.filter(status=RectificationItem.Status.VERIFIED)
        .values("source_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    check_ins = (
        CheckIn.objects.filter(follow_up=OuterRef("pk"))
        .order_by()
        .values("follow_up_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    # Subqueries, not JOIN + GROUP BY: PostgreSQL evaluates them for the page's rows only.
    return {
        "plan_total": Coalesce(Subquery(count), 0),
        "plan_done": Coalesce(Subquery(done), 0),
        "check_in_count": Coalesce(Subquery(check_ins), 0),
    }


def follow_up_list(user, *, status="", unit_id=None, today=None):
    """Follow-ups in the viewer's scope (or where the viewer is the contact leader); open and
    overdue first."""
    today = today or timezone.localdate()
    rows = FollowUp.objects.filter(
        permissions.scope_q(user, Action.VIEW, "branch__") | Q(contact_leader=user)
    )
    if status == "overdue":
        rows = rows.filter(status=FollowUp.Status.OPEN, reassess_due__lt=today)
    elif status in FollowUp.Status.values:
        rows = rows.filter(status=status)
    if unit_id:
        rows = rows.filter(branch__unit_id=unit_id)
    return (
        rows.annotate(**_plan_counts())
        .select_related("branch__unit", "classification")
        .order_by("-status", "reassess_due", "pk")
    )


def plan_items(follow_up):
    return list(
        RectificationItem.objects.filter(
            source_kind=SourceKind.GUIDANCE_FOLLOW_UP, source_id=follow_up.pk
        ).order_by("deadline", "pk")
    )


def units_in_scope(user):
    return Organization.objects.filter(
        permissions.scope_q(user, Action.VIEW), kind=Organization.Kind.UNIT_COMMITTEE
    ).order_by("name")
