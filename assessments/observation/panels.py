"""Home panel (an observer's visits) and the branch page's annual standardization score."""

from branches.home import home_panel, org_panel
from branches.models import Organization

from . import selectors


@home_panel(35)
def observer_visits_panel(request):
    visits = list(selectors.my_visits(request.user)[:5])
    if not visits:
        return None
    return "assessments/observation/_panel_visits.html", {"visits": visits}


@org_panel(20)
def annual_score_section(request, organization):
    if organization.kind != Organization.Kind.BRANCH:
        return None
    visit = selectors.branch_annual(request.user, organization)
    if visit is None:
        return None
    return "assessments/observation/_org_annual.html", {"visit": visit}
