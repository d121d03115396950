"""Home-page panel for staff: lagging follow-ups open/overdue, nominations waiting, questions
unanswered past the limit (four counting queries, whatever the scope's size)."""

from django.utils import timezone

from branches import permissions
from branches.home import home_panel

from ..guidance import selectors as guidance_selectors
from ..models import Designation, FollowUp
from . import selectors


@home_panel(45)
def guidance_staff_panel(request):
    if not permissions.is_staff_role(request.user):
        return None
    today = timezone.localdate()
    follow_ups = selectors.follow_up_list(request.user, status=FollowUp.Status.OPEN, today=today).order_by()
    return "assessments/designations/_panel_staff.html", {
        "open_follow_ups": follow_ups.count(),
        "overdue_follow_ups": follow_ups.filter(reassess_due__lt=today).count(),
        "nominations": selectors.designation_list(request.user, status=Designation.Status.NOMINATED).count(),
        "unanswered": guidance_selectors.unanswered(request.user).count(),
    }
