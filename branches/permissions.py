"""The one place that answers "may this user do X to this object?" and "which objects?".

A role assignment covers its organization and every node below it. Superusers and the admin
role may do everything everywhere. Views use ``get_object_for_user`` (404 outside the viewer's
scope, 403 when visible but the action is not granted) or the ``branch_permission_required``
decorator; selectors start from ``scope_q``/``orgs_in_scope``; notices go to ``users_with``.

Besides role assignments, features may register **grant sources** (``register_grant_source``):
time-boxed grants of some actions on an organization's subtree (e.g. observers of a round may
view the host branch until the round closes). ``can``, ``scope_q``/``orgs_in_scope``,
``get_object_for_user`` and ``users_with`` all consult them, so views need no extra ``if``.

Convention (services and access): **views load objects through this module** (404 outside the
scope, 403 when visible but not allowed); **a service that acts for a user (takes ``user``)
also asserts the action itself with ``require(user, action, organization)``** as its first
step, so a second caller (API, command, another service) cannot skip the check. Services that
run as the system (sweeps, tasks, ``notify``) take no ``user`` and check nothing.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import Organization, RoleAssignment, User

if TYPE_CHECKING:
    from notifications.models import Notification

Role = RoleAssignment.Role
AnyUser = User | AnonymousUser
M = TypeVar("M", bound=Model)
View = Callable[..., HttpResponse]


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
    RATE = "rate"  # 述职评议 raters: read the reports of the cycle they rate (grant source only)
    IMPORT = "import"  # spreadsheet imports into a unit (organizations, roster, terms, posts)


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
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


def _assignments(user: AnyUser) -> tuple[tuple[str, str], ...]:
    """The user's (role, path) pairs, fetched once per user object (i.e. once per request)."""
    if not isinstance(user, User):
        return ()
    cached = getattr(user, "_role_paths", None)
    if cached is None:
        cached = tuple(
            RoleAssignment.objects.filter(user_id=user.pk).values_list("role", "organization__path")
        )
        setattr(user, "_role_paths", cached)  # noqa: B010 (a per-request cache on the user object)
    return cached


def roles_of(user: AnyUser) -> set[str]:
    return {role for role, _path in _assignments(user)}


def role_paths(user: AnyUser, role: str) -> list[str]:
    """Tree paths of the nodes assigned to ``user`` with ``role`` (e.g. a secretary's branches)."""
    return [path for assigned, path in _assignments(user) if assigned == role]


def is_admin(user: AnyUser) -> bool:
    return bool(getattr(user, "is_superuser", False)) or Role.ADMIN in roles_of(user)


def is_staff_role(user: AnyUser) -> bool:
    return is_admin(user) or bool(roles_of(user) & STAFF_ROLES)


# --- pluggable grant sources -------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """``user_id`` may do ``actions`` on the subtree at ``path`` from ``valid_from`` until
    (excluding) ``valid_until``; either bound may be None (open)."""

    user_id: int
    actions: frozenset
    path: str
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def active(self, now: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= now) and (
            self.valid_until is None or now < self.valid_until
        )


@dataclass(frozen=True)
class GrantSource:
    name: str
    for_user: Callable[..., Iterable[Grant]]  # (user, now) -> grants held by the user
    for_paths: Callable[..., Iterable[Grant]]  # (paths, now) -> grants covering any of the paths
    # The actions its grants may carry; None: any. A question about another action never asks
    # the source, so a source of rare grants costs nothing on the pages that don't need them.
    actions: frozenset[str] | None = None

    def may_grant(self, action: str) -> bool:
        return self.actions is None or action in self.actions


_GRANT_SOURCES: dict[str, GrantSource] = {}


def register_grant_source(
    name: str,
    *,
    for_user: Callable[[AnyUser, datetime], Iterable[Grant]],
    for_paths: Callable[[list[str], datetime], Iterable[Grant]],
    actions: Iterable[str] | None = None,
) -> None:
    """Register a source of time-boxed grants (see ``Grant``). ``actions``: the only actions
    its grants carry (the source is consulted only for those); None: any action. Registering a
    name again replaces it (tests do this); ``unregister_grant_source`` removes it."""
    _GRANT_SOURCES[name] = GrantSource(
        name, for_user, for_paths, frozenset(actions) if actions is not None else None
    )


def unregister_grant_source(name: str) -> None:
    _GRANT_SOURCES.pop(name, None)


def _grants(user: AnyUser, action: str) -> list[Grant]:
    """Active grants the user holds from the sources that may grant ``action``; each source is
    asked once per user object (i.e. once per request), and only when such a question comes."""
    if not getattr(user, "is_authenticated", False) or not _GRANT_SOURCES:
        return []
    cached: dict[str, tuple[Grant, ...]] | None = getattr(user, "_grants_by_source", None)
    if cached is None:
        cached = {}
        setattr(user, "_grants_by_source", cached)  # noqa: B010 (a per-request cache on the user object)
    grants: list[Grant] = []
    for source in _GRANT_SOURCES.values():
        if not source.may_grant(action):
            continue
        if source.name not in cached:
            now = timezone.now()
            cached[source.name] = tuple(grant for grant in source.for_user(user, now) if grant.active(now))
        grants.extend(cached[source.name])
    return grants


def scope_paths(user: AnyUser, action: str) -> list[str] | None:
    """The topmost tree prefixes under which ``user`` may do ``action``; None means everywhere."""
    if is_admin(user):
        return None
    paths = {path for role, path in _assignments(user) if action in ROLE_ACTIONS[role]}
    paths.update(grant.path for grant in _grants(user, action) if action in grant.actions)
    # Only the topmost: a path under another adds nothing to the scope but one more OR term to
    # every scoped query (provincial staff on observation teams carried ~200 of them). In sorted
    # order a subtree's paths follow its root, so comparing with the last one kept suffices.
    topmost: list[str] = []
    for path in sorted(paths):
        if not topmost or not path.startswith(topmost[-1]):
            topmost.append(path)
    return topmost


def scope_signature(user: AnyUser) -> str:
    """A short key for everything that decides the user's scopes: users with the same signature
    may see and do the same for every action (their role assignments and active grants), so
    figures computed for one of them may be shown to the other."""
    if is_admin(user):
        return "admin"
    parts = sorted(f"{role}@{path}" for role, path in _assignments(user))
    parts += sorted(
        {
            f"{action}~{grant.path}"
            for action in Action
            for grant in _grants(user, action)
            if action in grant.actions
        }
    )
    return hashlib.sha1("|".join(parts).encode()).hexdigest()


def _ancestor_paths(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:depth]) + "/" for depth in range(1, len(parts) + 1)]


class TreeNode(Protocol):
    """All the role lookups read of an organization: an Organization, or a light stand-in
    (a sweep over tens of thousands of branches need not build a model instance for each)."""

    @property
    def pk(self) -> Any: ...

    @property
    def path(self) -> str: ...


def users_by_role_many(
    action: str,
    organizations: Iterable[TreeNode],
    *,
    roles: Iterable[str] | None = None,
    exact_roles: Iterable[str] = (),
) -> dict[int, dict[str, list[User]]]:
    """{organization id: {role or "grant": [active users]}} who may do ``action`` on each
    organization, in two queries plus one per grant source.

    A role assignment on the node or any ancestor counts; roles in ``exact_roles`` count only
    when assigned on the node itself. ``roles`` limits the roles considered (grants are then
    left out: the caller asked for role holders).
    """
    from django.contrib.auth import get_user_model

    organizations = list(organizations)
    wanted = {path for org in organizations for path in _ancestor_paths(org.path)}
    allowed_roles = [r for r in ROLE_ACTIONS if action in ROLE_ACTIONS[r] and (roles is None or r in roles)]
    by_path: dict[str, list] = {}
    assignments = RoleAssignment.objects.filter(
        user__is_active=True, role__in=allowed_roles, organization__path__in=wanted
    ).order_by("user_id")
    for path, role, uid in assignments.values_list("organization__path", "role", "user_id"):
        by_path.setdefault(path, []).append((role, uid))
    user_ids = {uid for rows in by_path.values() for _role, uid in rows}
    if roles is None and _GRANT_SOURCES:
        now = timezone.now()
        for source in _GRANT_SOURCES.values():
            if not source.may_grant(action):
                continue
            for grant in source.for_paths(sorted({org.path for org in organizations}), now):
                if grant.active(now) and action in grant.actions:
                    by_path.setdefault(grant.path, []).append(("grant", grant.user_id))
                    user_ids.add(grant.user_id)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids, is_active=True)}
    result = {}
    for org in organizations:
        found: dict[str, dict] = {}
        for path in _ancestor_paths(org.path):
            for role, uid in by_path.get(path, ()):
                if role in exact_roles and path != org.path:
                    continue
                if uid in users:
                    found.setdefault(role, {})[uid] = users[uid]
        result[org.pk] = {role: list(found_users.values()) for role, found_users in found.items()}
    return result


def users_with_many(
    action: str,
    organizations: Iterable[TreeNode],
    *,
    roles: Iterable[str] | None = None,
    exact_roles: Iterable[str] = (),
) -> dict[int, list[User]]:
    """{organization id: [active users who may do ``action`` on it]} (see ``users_by_role_many``)."""
    result = {}
    for org_id, by_role in users_by_role_many(
        action, organizations, roles=roles, exact_roles=exact_roles
    ).items():
        users = {user.pk: user for role_users in by_role.values() for user in role_users}
        result[org_id] = sorted(users.values(), key=lambda user: user.pk)
    return result


def users_with(
    action: str,
    organization: Organization,
    *,
    roles: Iterable[str] | None = None,
    exact_roles: Iterable[str] = (),
) -> list[User]:
    """The active users who may do ``action`` on ``organization`` (see ``users_with_many``)."""
    return users_with_many(action, [organization], roles=roles, exact_roles=exact_roles)[organization.pk]


def scope_q(user: AnyUser, action: str, field: str = "", *, organization_field: str | None = None) -> Q:
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


def orgs_in_scope(user: AnyUser, action: str = Action.VIEW) -> QuerySet[Organization]:
    return Organization.objects.filter(scope_q(user, action))


def can(user: AnyUser, action: str, organization: Organization | None) -> bool:
    """True when ``user`` may do ``action`` on ``organization`` (a node of the tree)."""
    if organization is None:
        return is_admin(user)
    paths = scope_paths(user, action)
    if paths is None:
        return True
    return any(organization.path.startswith(path) for path in paths)


def require(user: AnyUser, action: str, organization: Organization | None) -> None:
    """Raise PermissionDenied unless ``user`` may do ``action`` (services acting for a user)."""
    if not can(user, action, organization):
        raise PermissionDenied


def can_organize(user: AnyUser, organization: Organization) -> bool:
    """Whether ``user`` may organize events (training, study sessions) for ``organization``.

    Committee staff organize for the committees they supervise; for a branch, whoever
    supervises it or records its activities (its secretary) does.
    """
    if organization.kind == Organization.Kind.BRANCH and can(user, Action.RECORD_ACTIVITY, organization):
        return True
    return can(user, Action.SUPERVISE, organization)


def require_organize(user: AnyUser, organization: Organization) -> None:
    """Raise PermissionDenied unless ``can_organize`` (services organizing for a user)."""
    if not can_organize(user, organization):
        raise PermissionDenied


def require_any(user: AnyUser, action: str) -> None:
    """Raise PermissionDenied unless ``user`` may do ``action`` somewhere (e.g. any export)."""
    if not is_admin(user) and not scope_paths(user, action):
        raise PermissionDenied


def check(user: AnyUser, action: str, organization: Organization) -> None:
    """Raise Http404 when the node is invisible to the user, 403 when the action is not granted."""
    if not can(user, Action.VIEW, organization):
        raise Http404
    if not can(user, action, organization):
        raise PermissionDenied


def get_object_for_user(
    queryset: QuerySet[M], *, user: AnyUser, action: str, org_field: str = "", **lookup: Any
) -> M:
    """Fetch one object and authorize ``action`` on it in one call.

    ``org_field`` leads from the object to its organization ("" for Organization, "branch" for
    Member). Objects outside the viewer's VIEW scope answer 404, never another branch's data.
    """
    prefix = f"{org_field}__" if org_field else ""
    obj = get_object_or_404(queryset.filter(scope_q(user, Action.VIEW, prefix)), **lookup)
    organization: Any = obj
    for part in org_field.split("__") if org_field else ():
        organization = getattr(organization, part)
    if not can(user, action, organization):
        raise PermissionDenied
    return obj


def renewal_step_action(step: str) -> Action:
    """The action a renewal step needs: the branch records its own steps, the higher
    organization approves (request approval: SUPERVISE; candidates and the new secretary:
    MANAGE_TERMS)."""
    from .models import RenewalStep

    Step = RenewalStep.Step
    actions: dict[str, Action] = {
        Step.REQUEST: Action.RECORD_ACTIVITY,
        Step.REQUEST_APPROVAL: Action.SUPERVISE,
        Step.CANDIDATES: Action.RECORD_ACTIVITY,
        Step.CANDIDATE_APPROVAL: Action.MANAGE_TERMS,
        Step.ELECTION: Action.RECORD_ACTIVITY,
        Step.RESULTS_REPORT: Action.RECORD_ACTIVITY,
        Step.SECRETARY_APPROVAL: Action.MANAGE_TERMS,
    }
    return actions[step]


def calendar_feed_owner(token: str) -> User:
    """The active user a private calendar-feed token belongs to (the token is the only
    credential of the feed), or 404."""
    from .models import CalendarToken

    return get_object_or_404(
        CalendarToken.objects.select_related("user"), token=token, user__is_active=True
    ).user


def get_notification_for_user(user: AnyUser, pk: int, **lookup: Any) -> "Notification":
    """A notice is visible to its recipient only (404 for anybody else's)."""
    from notifications.models import Notification

    return get_object_or_404(Notification, pk=pk, recipient=user, **lookup)


def require_admin(user: AnyUser) -> None:
    if not is_admin(user):
        raise PermissionDenied


def branch_permission_required(action: str, *, url_kwarg: str = "org_id") -> Callable[[View], View]:
    """View decorator: loads the organization named by ``url_kwarg`` and checks ``action``.

    The view receives the organization as its second argument instead of the raw id.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            organization = get_object_for_user(
                Organization.objects.select_related("parent", "unit"),
                user=request.user,
                action=action,
                pk=kwargs.pop(url_kwarg),
            )
            return view(request, organization, *args, **kwargs)

        return wrapper

    return decorator


def staff_required(view: View) -> View:
    """Pages for committee staff and admins only (secretaries get 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_role(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_admin(request.user)
        return view(request, *args, **kwargs)

    return wrapper
