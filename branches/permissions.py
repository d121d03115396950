"""The one place that answers "may this user do X to this object?" and "which objects?".

A role assignment covers its organization and every node below it. Superusers and the admin
role may do everything everywhere. Views use ``get_object_for_user`` (404 outside the viewer's
scope, 403 when visible but the action is not granted) or the ``branch_permission_required``
decorator; selectors start from ``scope_q``/``orgs_in_scope``.
"""

from enum import StrEnum
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Organization, RoleAssignment

Role = RoleAssignment.Role


class Action(StrEnum):
    VIEW = "view"
    EDIT_ORG = "edit_org"  # create/edit branches and cells under a node
    EDIT_MEMBERS = "edit_members"
    MANAGE_TERMS = "manage_terms"  # terms, posts, approvals of secretaries
    RECORD_ACTIVITY = "record_activity"  # meetings, renewal steps entered by the branch
    SUBMIT_REPORT = "submit_report"  # monthly report, self-assessment
    REVIEW = "review"  # accept/return reports, score branches
    SUPERVISE = "supervise"  # renewal supervision, postponement approvals
    EXPORT = "export"
    CONFIGURE = "configure"  # standards, policy settings
    IMPORT = "import"  # spreadsheet imports into a unit (organizations, roster, terms, posts)


ROLE_ACTIONS = {
    Role.ADMIN: frozenset(Action),
    Role.PROVINCIAL_STAFF: frozenset({Action.VIEW, Action.REVIEW, Action.SUPERVISE, Action.EXPORT}),
    Role.UNIT_STAFF: frozenset(
        {
            Action.VIEW,
            Action.EDIT_ORG,
            Action.EDIT_MEMBERS,
            Action.MANAGE_TERMS,
            Action.REVIEW,
            Action.SUPERVISE,
            Action.EXPORT,
            Action.IMPORT,
        }
    ),
    Role.SECRETARY: frozenset(
        {
            Action.VIEW,
            Action.EDIT_MEMBERS,
            Action.RECORD_ACTIVITY,
            Action.SUBMIT_REPORT,
            Action.EXPORT,
        }
    ),
}

STAFF_ROLES = frozenset({Role.ADMIN, Role.PROVINCIAL_STAFF, Role.UNIT_STAFF})


def _assignments(user):
    """The user's (role, path) pairs, fetched once per user object (i.e. once per request)."""
    if not getattr(user, "is_authenticated", False):
        return ()
    cached = getattr(user, "_role_paths", None)
    if cached is None:
        cached = tuple(RoleAssignment.objects.filter(user=user).values_list("role", "organization__path"))
        user._role_paths = cached
    return cached


def roles_of(user):
    return {role for role, _path in _assignments(user)}


def role_paths(user, role):
    """Tree paths of the nodes assigned to ``user`` with ``role`` (e.g. a secretary's branches)."""
    return [path for assigned, path in _assignments(user) if assigned == role]


def is_admin(user):
    return bool(getattr(user, "is_superuser", False)) or Role.ADMIN in roles_of(user)


def is_staff_role(user):
    return is_admin(user) or bool(roles_of(user) & STAFF_ROLES)


def scope_paths(user, action):
    """Tree prefixes under which ``user`` may do ``action``; None means everywhere."""
    if is_admin(user):
        return None
    return sorted({path for role, path in _assignments(user) if action in ROLE_ACTIONS[role]})


def scope_q(user, action, field="", *, organization_field=None):
    """A Q matching rows whose organization lies in the user's scope for ``action``.

    ``field`` is the lookup to the organization from the model filtered ("" for Organization
    itself, "branch__" for Member). An empty scope yields a Q that matches nothing.
    """
    prefix = organization_field if organization_field is not None else field
    paths = scope_paths(user, action)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for path in paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def orgs_in_scope(user, action=Action.VIEW):
    return Organization.objects.filter(scope_q(user, action))


def can(user, action, organization):
    """True when ``user`` may do ``action`` on ``organization`` (a node of the tree)."""
    if organization is None:
        return is_admin(user)
    paths = scope_paths(user, action)
    if paths is None:
        return True
    return any(organization.path.startswith(path) for path in paths)


def check(user, action, organization):
    """Raise Http404 when the node is invisible to the user, 403 when the action is not granted."""
    if not can(user, Action.VIEW, organization):
        raise Http404
    if not can(user, action, organization):
        raise PermissionDenied


def get_object_for_user(queryset, *, user, action, org_field="", **lookup):
    """Fetch one object and authorize ``action`` on it in one call.

    ``org_field`` leads from the object to its organization ("" for Organization, "branch" for
    Member). Objects outside the viewer's VIEW scope answer 404, never another branch's data.
    """
    prefix = f"{org_field}__" if org_field else ""
    obj = get_object_or_404(queryset.filter(scope_q(user, Action.VIEW, prefix)), **lookup)
    organization = obj
    for part in org_field.split("__") if org_field else ():
        organization = getattr(organization, part)
    if not can(user, action, organization):
        raise PermissionDenied
    return obj


def require_admin(user):
    if not is_admin(user):
        raise PermissionDenied


def branch_permission_required(action, *, url_kwarg="org_id"):
    """View decorator: loads the organization named by ``url_kwarg`` and checks ``action``.

    The view receives the organization as its second argument instead of the raw id.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            organization = get_object_for_user(
                Organization.objects.select_related("parent", "unit"),
                user=request.user,
                action=action,
                pk=kwargs.pop(url_kwarg),
            )
            return view(request, organization, *args, **kwargs)

        return wrapper

    return decorator


def staff_required(view):
    """Pages for committee staff and admins only (secretaries get 403)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff_role(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require_admin(request.user)
        return view(request, *args, **kwargs)

    return wrapper
