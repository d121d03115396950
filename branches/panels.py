from dateutil.relativedelta import relativedelta
from django.utils import timezone

from . import checks, permissions, selectors
from .home import home_panel


@home_panel(10)
def secretary_panel(request):
    """The secretary's own branches: members, committee, days to term expiry, failing checks."""
    branches = selectors.secretary_branches(request.user)
    if not branches:
        return None
    today = timezone.localdate()
    facts = checks.collect_facts(branches)
    results = checks.run_checks(branches, today, facts=facts)
    for branch in branches:
        fact = facts[branch.pk]
        branch.current_term = fact.term
        branch.committee = sorted(fact.current_posts, key=lambda post: checks.ROLE_ORDER[post.role])
        branch.failing_checks = checks.failing(results[branch.pk])
        if fact.term:
            branch.days_left = fact.term.days_to_expiry(today)
            branch.overdue_days = -branch.days_left
    return "branches/_panel_secretary.html", {"my_branches": branches}


@home_panel(20, shared=True)
def staff_panel(request):
    if not permissions.is_staff_role(request.user):
        return None
    today = timezone.localdate()
    counts = selectors.scope_counts(request.user, today=today, expiring_until=today + relativedelta(months=6))
    counts.update(selectors.scope_check_summary(request.user, today=today))
    return "branches/_panel_staff.html", {"counts": counts}
