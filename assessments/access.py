"""Who may do what to a review, built on branches.permissions (the one permissions module).

Self-assessments are filled by the branch (SUBMIT_REPORT) and decided by committee staff
(REVIEW); unit and provincial reviews are scored and decided by staff with REVIEW on the
branch; provincial reviews additionally need a provincial role.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from branches import permissions
from branches.permissions import Action, Role

from . import selectors
from .models import Review


def is_provincial(user):
    return permissions.is_admin(user) or Role.PROVINCIAL_STAFF in permissions.roles_of(user)


def can_start(user, branch, kind):
    if kind == Review.Kind.SELF:
        return permissions.can(user, Action.SUBMIT_REPORT, branch)
    if kind == Review.Kind.PROVINCIAL and not is_provincial(user):
        return False
    return permissions.can(user, Action.REVIEW, branch)


def may_score(user, review):
    """Whether the user may fill this review (its status aside): who may start it."""
    return can_start(user, review.branch, review.kind)


def can_edit(user, review):
    return review.is_editable and may_score(user, review)


def may_decide(user, review):
    """Whether the user may return or finalize this review (its status aside)."""
    if review.kind == Review.Kind.PROVINCIAL and not is_provincial(user):
        return False
    return permissions.can(user, Action.REVIEW, review.branch)


def can_decide(user, review):
    return review.status == Review.Status.SUBMITTED and may_decide(user, review)


def get_review(user, pk, queryset=None):
    """404 for a review the user may not see (another branch, or a draft committee review)."""
    queryset = queryset if queryset is not None else Review.objects.all()
    visible = selectors.visible_reviews(user).values("pk")
    return get_object_or_404(queryset.select_related("branch__unit", "edition").filter(pk__in=visible), pk=pk)


def require(allowed):
    if not allowed:
        raise PermissionDenied


# The services' own checks (the convention: a service acting for a user asserts its action
# first). The review's status is the service's business: a stale page gets its ValidationError.


def require_start(user, branch, kind):
    require(can_start(user, branch, kind))


def require_score(user, review):
    require(may_score(user, review))


def require_decide(user, review):
    require(may_decide(user, review))
