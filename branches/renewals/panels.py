"""Home-page panels of the renewal engine (registered from BranchesConfig.ready)."""

from django.utils import timezone

from branches import permissions
from branches.home import home_panel
from branches.models import Renewal, RenewalStep
from branches.policy import policy_all

from . import selectors

STEPS = list(RenewalStep.Step)
PROGRESS = list(Renewal.Status.values)


@home_panel(15)
def secretary_renewal_panel(request):
    """The secretary's countdown to the renewal deadline and the steps done so far."""
    terms = selectors.secretary_terms(request.user)
    if not terms:
        return None
    rows = selectors.with_stages(terms)
    for row in rows:
        reached = PROGRESS.index(row.term.renewal_status) if row.term.renewal_status else 0
        row.steps = [(step, index < reached) for index, step in enumerate(STEPS)]
    return "branches/renewals/_panel_secretary.html", {
        "rows": rows,
        "unacknowledged": selectors.unacknowledged_reminders(request.user)[:3],
    }


@home_panel(25, shared=True)
def staff_renewal_panel(request):
    """Counts of branches due, overdue and under supervision in the staff member's scope."""
    if not permissions.is_staff_role(request.user):
        return None
    today = timezone.localdate()
    return "branches/renewals/_panel_staff.html", {
        "counts": selectors.supervision_counts(request.user, today=today, values=policy_all()),
        "pending": selectors.pending_approvals(request.user),
    }
