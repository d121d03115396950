"""Home-page panels: the headline coverage figure for staff, the hours still due for secretaries."""

from django.utils import timezone

from branches import permissions
from branches import selectors as branch_selectors
from branches.home import home_panel
from branches.policy import policy_all

from . import selectors


@home_panel(25, shared=True)
def coverage_panel(request):
    """Share of grassroots organizations whose secretary was trained on the standard."""
    if not permissions.is_staff_role(request.user):
        return None
    today = timezone.localdate()
    return "training/_panel_coverage.html", {
        "headline": selectors.headline(request.user, year=today.year, today=today),
        "year": today.year,
    }


@home_panel(15)
def secretary_hours_panel(request):
    branches = branch_selectors.secretary_branches(request.user)
    if not branches:
        return None
    today = timezone.localdate()
    member = getattr(request.user, "member", None)
    policy = policy_all()
    hours = selectors.member_hours_by_year([member.pk], today.year).get(member.pk, 0) if member else None
    return "training/_panel_secretary.html", {
        "branch": branches[0],
        "hours": hours,
        "required": policy["training.committee_min_hours"],
        "year": today.year,
    }
