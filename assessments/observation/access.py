"""Who may see and do what in cross-observation, on top of branches.permissions.

- Provincial staff (and admins) run rounds: groups, sample, schedule, publish, close.
- Team members see and fill the visits they are on, and read the host branch's records,
  only while the round is not closed (a time-boxed grant: ``grant_paths``).
- The host branch (its secretary, its unit's staff: VIEW on the branch) sees the visit's
  aggregated result, comments and rectification items once results are published — never
  an individual observer's scores.
"""

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404

from assessments.access import is_provincial
from assessments.models import ObservationRound, Visit, VisitMember
from branches import permissions
from branches.permissions import Action

RESULT_STATUSES = (ObservationRound.Status.PUBLISHED, ObservationRound.Status.CLOSED)


def is_manager(user):
    return is_provincial(user)


def _open_team_q(user, prefix=""):
    return Q(
        **{
            f"{prefix}team__user": user,
            f"{prefix}round__status__in": [
                s for s in ObservationRound.ORDER if s != ObservationRound.Status.CLOSED
            ],
        }
    )


def visible_visits(user):
    """Visits the user may open: all for managers; their own while the round is open; their
    branches' visits once results are out."""
    visits = Visit.objects.all()
    if is_manager(user):
        return visits
    on_team = Visit.objects.filter(_open_team_q(user)).values("pk")
    hosted = permissions.scope_q(user, Action.VIEW, "branch__") & Q(round__status__in=RESULT_STATUSES)
    return visits.filter(Q(pk__in=on_team) | hosted)


def team_member(user, visit):
    """The user's VisitMember row on an open visit, or None."""
    if visit.round.status == ObservationRound.Status.CLOSED:
        return None
    return VisitMember.objects.filter(visit=visit, user=user).select_related("user").first()


def get_visit(user, pk):
    return get_object_or_404(
        visible_visits(user).select_related("round__edition", "branch__unit", "group", "host_group"), pk=pk
    )


def sees_individual_scores(user, visit):
    """Managers and the visit's own team; never the host branch."""
    return is_manager(user) or team_member(user, visit) is not None


def _open_visits():
    return Visit.objects.exclude(round__status=ObservationRound.Status.CLOSED)


TEAM_USERS_KEY = "observation:open-team-users"


def team_users():
    """Ids of users on a team of an open round, cached so that the grant source costs no query
    for everybody else (asked on every request). Services that change teams or close a round
    call ``team_users_changed``."""
    users = cache.get(TEAM_USERS_KEY)
    if users is None:
        users = frozenset(_open_visits().values_list("team__user_id", flat=True).exclude(team__user_id=None))
        cache.set(TEAM_USERS_KEY, users, 3600)
    return users


def team_users_changed():
    cache.delete(TEAM_USERS_KEY)
    transaction.on_commit(lambda: cache.delete(TEAM_USERS_KEY))


def grants_for_user(user, now):
    """Grant source: VIEW on each host branch of the open visits the user is on. The grant ends
    when the round is closed (the query no longer finds it)."""
    if user.pk not in team_users():
        return []
    paths = _open_visits().filter(team__user=user).values_list("branch__path", flat=True).distinct()
    return [permissions.Grant(user.pk, frozenset({Action.VIEW}), path) for path in paths]


def grants_for_paths(paths, now):
    rows = (
        _open_visits()
        .filter(branch__path__in=list(paths))
        .values_list("team__user_id", "branch__path")
        .distinct()
    )
    return [permissions.Grant(user_id, frozenset({Action.VIEW}), path) for user_id, path in rows if user_id]


permissions.register_grant_source(
    "observation-teams", for_user=grants_for_user, for_paths=grants_for_paths, actions={Action.VIEW}
)


def grant_paths(user, action=Action.VIEW):
    """Host branch paths the user may read through an observation team grant right now."""
    if action != Action.VIEW or not getattr(user, "is_authenticated", False):
        return []
    return [grant.path for grant in grants_for_user(user, None)]


def can_read_branch(user, branch):
    """VIEW on a branch through the role scope or an open observation grant (``can`` consults
    the registered grant sources)."""
    return permissions.can(user, Action.VIEW, branch)


def require(allowed):
    if not allowed:
        raise PermissionDenied


def visible_rounds(user):
    if is_manager(user):
        return ObservationRound.objects.all()
    return ObservationRound.objects.filter(pk__in=visible_visits(user).values("round_id"))
