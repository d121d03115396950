"""述职评议 on the home page (ballots waiting, reports to write) and on an organization's page."""

from branches import permissions
from branches.home import home_panel, org_panel
from branches.permissions import Action

from . import selectors


@home_panel(25)
def duty_review_panel(request):
    ballots = list(selectors.my_ballots(request.user))
    reports = [
        r
        for r in selectors.my_reports(request.user)[:5]
        if r.status in r.EDITABLE and r.cycle.status in ("open", "voting")
    ]
    if not ballots and not reports:
        return None
    return "assessments/duty_review/_panel_home.html", {"ballots": ballots, "reports": reports}


@org_panel(10)
def duty_grade_panel(request, organization):
    """The latest published 述职评议 grade of the organization, for viewers with review rights
    over it and for its own secretary."""
    report = selectors.latest_grades([organization.pk]).get(organization.pk)
    if report is None:
        return None
    if not (
        report.secretary_id == request.user.pk or permissions.can(request.user, Action.REVIEW, organization)
    ):
        return None
    return "assessments/duty_review/_panel_org.html", {"report": report}
