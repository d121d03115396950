"""Home-page panels: the secretary's latest result, the staff's review progress."""

from django.utils import timezone

from branches import permissions
from branches import selectors as branch_selectors
from branches.home import home_panel

from . import selectors
from .duty_review import selectors as duty_selectors
from .models import Review


@home_panel(30)
def secretary_result_panel(request):
    branches = branch_selectors.secretary_branches(request.user)
    if not branches:
        return None
    branches = branches[:5]
    duty = duty_selectors.latest_grades([branch.pk for branch in branches])
    results = [(branch, selectors.latest_finalized(branch), duty.get(branch.pk)) for branch in branches]
    return "assessments/_panel_secretary.html", {"results": results}


@home_panel(40, shared=True)
def staff_progress_panel(request):
    if not permissions.is_staff_role(request.user):
        return None
    year = timezone.localdate().year
    return "assessments/_panel_staff.html", {
        "year": year,
        "counts": selectors.progress(request.user, kind=Review.Kind.UNIT, year=year),
    }
