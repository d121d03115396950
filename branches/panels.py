from dateutil.relativedelta import relativedelta
from django.utils import timezone

from . import permissions, selectors
from .home import home_panel


@home_panel(10)
def secretary_panel(request):
    branches = selectors.secretary_branches(request.user)
    if not branches:
        return None
    today = timezone.localdate()
    for branch in branches:
        branch.current_term = selectors.active_term(branch)
        if branch.current_term:
            branch.days_left = branch.current_term.days_to_expiry(today)
            branch.overdue_days = -branch.days_left
    return "branches/_panel_secretary.html", {"my_branches": branches}


@home_panel(20)
def staff_panel(request):
    if not permissions.is_staff_role(request.user):
        return None
    today = timezone.localdate()
    counts = selectors.scope_counts(
        request.user, today=today, expiring_until=today + relativedelta(months=6)
    )
    return "branches/_panel_staff.html", {"counts": counts}
