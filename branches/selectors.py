"""Reads for pages, always scoped to the viewer through branches.permissions."""

from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from . import checks, permissions, request_cache
from .models import Member, Organization, Term
from .permissions import Action

Kind = Organization.Kind


def secretary_branches(user):
    """Branches where the user holds the secretary role, with their member counts; read once
    per request (the home page's panels all ask), a fresh list for each caller."""
    paths = permissions.role_paths(user, permissions.Role.SECRETARY)
    if not paths:
        return []
    return list(request_cache.memo(f"secretary-branches:{user.pk}", lambda: _secretary_branches(paths)))


def _secretary_branches(paths):
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
    """The branch's current term, or None (every "current term" lookup goes through here)."""
    return Term.objects.filter(branch=branch, status=Term.Status.ACTIVE).first()


def scope_counts(user, *, today, expiring_until):
    """Counts for a staff member's scope: branches, members, terms expiring and overdue."""
    branches = Organization.objects.filter(
        permissions.scope_q(user, Action.VIEW), kind=Kind.BRANCH, is_active=True
    )
    terms = Term.objects.filter(permissions.scope_q(user, Action.VIEW, "branch__"), status=Term.Status.ACTIVE)
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


# --- organization browser, branch page, roster -------------------------------------------------


def _with_counts(queryset):
    """Annotate child and active-member counts with subqueries (no join fan-out)."""
    children = (
        Organization.objects.filter(parent=OuterRef("pk"), is_active=True)
        .order_by()
        .values("parent")
        .annotate(n=Count("pk"))
        .values("n")
    )
    members = (
        Member.objects.filter(branch=OuterRef("pk"), state=Member.State.ACTIVE)
        .order_by()
        .values("branch")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        child_count=Coalesce(Subquery(children), 0), member_count=Coalesce(Subquery(members), 0)
    )


def scope_roots(user):
    """The topmost nodes the user may see: the root for admins, else their assigned nodes."""
    paths = permissions.scope_paths(user, Action.VIEW)
    if paths is None:
        roots = Organization.objects.filter(parent__isnull=True)
    else:
        roots = Organization.objects.filter(path__in=paths)  # topmost only: see scope_paths
    return list(_with_counts(roots).select_related("unit").order_by("path"))


def org_children(user, parent):
    """Direct children of ``parent`` visible to ``user`` (one query, counts included)."""
    return list(
        _with_counts(
            Organization.objects.filter(permissions.scope_q(user, Action.VIEW), parent=parent, is_active=True)
        ).order_by("kind", "pk")
    )


def org_search(user, query):
    return (
        Organization.objects.filter(permissions.scope_q(user, Action.VIEW), name__icontains=query)
        .select_related("unit", "parent")
        .order_by("path")
    )


def unit_branches(user, unit):
    """Branches under a unit committee or general branch with their member counts."""
    return (
        _with_counts(
            Organization.objects.filter(
                permissions.scope_q(user, Action.VIEW),
                path__startswith=unit.path,
                kind=Kind.BRANCH,
                is_active=True,
            )
        )
        .select_related("parent")
        .order_by("path")
    )


def active_terms_by_branch(branch_ids):
    return {
        term.branch_id: term
        for term in Term.objects.filter(branch_id__in=list(branch_ids), status=Term.Status.ACTIVE)
    }


def branch_cells(branch):
    return list(
        _with_cell_counts(
            Organization.objects.filter(parent=branch, kind=Kind.PARTY_CELL, is_active=True)
        ).order_by("name")
    )


def _with_cell_counts(queryset):
    members = (
        Member.objects.filter(cell=OuterRef("pk"), state=Member.State.ACTIVE)
        .order_by()
        .values("cell")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(member_count=Coalesce(Subquery(members), 0))


def members_for(user, organization=None, action=Action.VIEW):
    """Members visible to ``user`` for ``action``, optionally under one node of the tree."""
    qs = Member.objects.filter(permissions.scope_q(user, action, "branch__"))
    if organization is not None and organization.kind == Kind.PARTY_CELL:
        qs = qs.filter(cell=organization)
    elif organization is not None:
        qs = qs.filter(branch__path__startswith=organization.path)
    return qs.select_related("branch", "cell", "branch__unit").order_by("branch__path", "name", "pk")


def cells_for(user, organization=None):
    qs = Organization.objects.filter(permissions.scope_q(user, Action.VIEW), kind=Kind.PARTY_CELL)
    if organization is not None:
        qs = qs.filter(path__startswith=organization.path)
    return qs.order_by("path")


def eligible_members(branch):
    """Full members on the branch's books: the people who vote, may be elected and hold posts
    (probationary members have no right to elect or be elected)."""
    return Member.objects.filter(
        branch=branch, state=Member.State.ACTIVE, status=Member.Status.FULL
    ).order_by("name", "pk")


def term_posts(term):
    return list(term.posts.select_related("member").order_by("ended_on", "role", "started_on"))


def branch_terms(branch):
    return list(Term.objects.filter(branch=branch).order_by("-elected_on"))


# Scopes larger than this (a whole unit of units, the province) reuse the summary for a few
# minutes: running every check over ~3,000 branches costs about a second of Python.
CHECK_SUMMARY_CACHE_FROM = 500
CHECK_SUMMARY_CACHE_SECONDS = 300


def scope_check_summary(user, *, today):
    """Failing set-up/committee checks across the user's scope (constant number of queries).

    A large scope's summary is cached for a few minutes per (day, scope): the cache is asked
    first, so a hit loads nothing; only scopes found large on a miss are stored, so small
    scopes are always computed afresh.
    """
    scope = permissions.scope_paths(user, Action.VIEW)
    key = f"scope-checks:{today}:{','.join(scope) if scope is not None else 'all'}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    orgs = list(
        Organization.objects.filter(
            permissions.scope_q(user, Action.VIEW),
            is_active=True,
            kind__in=[Kind.BRANCH, Kind.UNIT_COMMITTEE],
        )
    )
    counts = checks.failing_counts(checks.run_checks(orgs, today))
    summary = {
        "orgs_with_errors": sum(1 for _failing, errors in counts.values() if errors),
        "failing_checks": sum(failing for failing, _errors in counts.values()),
    }
    if len(orgs) >= CHECK_SUMMARY_CACHE_FROM:
        cache.set(key, summary, CHECK_SUMMARY_CACHE_SECONDS)
    return summary
