"""Reads for pages, always scoped to the viewer through branches.permissions."""

from django.db.models import Count, Q

from . import permissions
from .models import Member, Notification, Organization, Term
from .permissions import Action

Kind = Organization.Kind


def secretary_branches(user):
    """Branches where the user holds the secretary role, with their active term."""
    paths = [path for role, path in permissions._assignments(user) if role == permissions.Role.SECRETARY]
    return list(
        Organization.objects.filter(kind=Kind.BRANCH, path__in=paths)
        .annotate(
            active_members=Count("members", filter=Q(members__state=Member.State.ACTIVE)),
            full_members=Count(
                "members",
                filter=Q(members__state=Member.State.ACTIVE, members__status=Member.Status.FULL),
            ),
        )
        .order_by("path")
    )


def active_term(branch):
    return Term.objects.filter(branch=branch, status=Term.Status.ACTIVE).first()


def scope_counts(user, *, today, expiring_until):
    """Counts for a staff member's scope: branches, members, terms expiring and overdue."""
    branches = Organization.objects.filter(
        permissions.scope_q(user, Action.VIEW), kind=Kind.BRANCH, is_active=True
    )
    terms = Term.objects.filter(
        permissions.scope_q(user, Action.VIEW, "branch__"), status=Term.Status.ACTIVE
    )
    term_counts = terms.aggregate(
        expiring=Count("pk", filter=Q(ends_on__gte=today, ends_on__lte=expiring_until)),
        overdue=Count("pk", filter=Q(ends_on__lt=today)),
    )
    return {
        "branches": branches.count(),
        "members": Member.objects.filter(
            permissions.scope_q(user, Action.VIEW, "branch__"), state=Member.State.ACTIVE
        ).count(),
        **term_counts,
    }


NOTIFICATION_FILTERS = ("unread", "ack")


def notification_list(user, *, filter=""):
    """The user's notifications; ``filter`` "unread" or "ack" (acknowledgement still owed)."""
    notices = Notification.objects.filter(recipient=user).select_related("organization")
    if filter == "unread":
        notices = notices.filter(read_at__isnull=True)
    elif filter == "ack":
        notices = notices.filter(requires_ack=True, acknowledged_at__isnull=True)
    return notices
