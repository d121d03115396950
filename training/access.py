"""Who may organize and manage training events, built on ``branches.permissions``.

Committee staff (provincial or unit) organize events of their committees; a branch secretary
organizes the branch's own study sessions. Events are visible to whoever sees their organizer:
outside that scope every training URL answers 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from branches import permissions
from branches.models import Organization
from branches.permissions import Action

from .models import TrainingEvent


def may_organize(user, organizer):
    if organizer.kind == Organization.Kind.BRANCH:
        return permissions.can(user, Action.SUPERVISE, organizer) or permissions.can(
            user, Action.RECORD_ACTIVITY, organizer
        )
    return permissions.can(user, Action.SUPERVISE, organizer)


def organizer_choices(user):
    """Organizations the user may organize for: committees in their supervision scope and the
    branches where they record activities (their own branch for a secretary)."""
    committees = Q(permissions.scope_q(user, Action.SUPERVISE)) & ~Q(
        kind__in=[Organization.Kind.BRANCH, Organization.Kind.PARTY_CELL]
    )
    own_branches = Q(permissions.scope_q(user, Action.RECORD_ACTIVITY)) & Q(kind=Organization.Kind.BRANCH)
    return Organization.objects.filter(committees | own_branches, is_active=True).order_by("path")


def events_for(user):
    return TrainingEvent.objects.filter(permissions.scope_q(user, Action.VIEW, "organizer__"))


def get_event(user, pk, *, manage=False):
    """The event if the user sees its organizer (else 404); 403 when managing is not allowed."""
    event = permissions.get_object_for_user(
        TrainingEvent.objects.select_related("organizer"),
        user=user,
        action=Action.VIEW,
        org_field="organizer",
        pk=pk,
    )
    if manage and not may_organize(user, event.organizer):
        raise PermissionDenied
    return event
