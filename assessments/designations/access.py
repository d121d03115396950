"""Who may do what with designations, classes and follow-ups.

Nominations come from the branch's unit committee (unit staff above the branch); decisions
(approve, reject, revoke, renew) are provincial staff's. Classes and follow-ups are handled by
whoever may review the branch (unit or provincial staff). Admins may do everything.
"""

from django.core.exceptions import PermissionDenied

from branches import permissions
from branches.models import RoleAssignment

Role = RoleAssignment.Role


def _holds(user, role, organization):
    return any(organization.path.startswith(path) for path in permissions.role_paths(user, role))


def can_nominate(user, branch):
    return permissions.is_admin(user) or _holds(user, Role.UNIT_STAFF, branch)


def can_decide(user, branch):
    return permissions.is_admin(user) or _holds(user, Role.PROVINCIAL_STAFF, branch)


def can_guide(user, branch):
    """Classify, override, follow up: staff who may review the branch."""
    return permissions.is_staff_role(user) and permissions.can(user, permissions.Action.REVIEW, branch)


def require(allowed):
    if not allowed:
        raise PermissionDenied
