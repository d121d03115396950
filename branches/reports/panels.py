"""Home-page panels: what a secretary still has to do this month, and staff's reporting rates."""

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from .. import permissions
from .. import selectors as branch_selectors
from ..home import home_panel
from ..models import MonthlyReport
from ..policy import policy_all
from . import compliance
from . import selectors as report_selectors


@home_panel(30)
def secretary_reports_panel(request):
    branches = branch_selectors.secretary_branches(request.user)
    if not branches:
        return None
    today = timezone.localdate()
    previous = today.replace(day=1) - relativedelta(months=1)
    policy = policy_all()
    results = compliance.evaluate_branches(
        [b.pk for b in branches],
        start=today.replace(day=1),
        end=today,
        today=today,
        lectures_per_quarter=policy["life.lectures_per_quarter"],
    )
    reports = {r.branch_id: r for r in MonthlyReport.objects.filter(branch__in=branches, month=previous)}
    rows = []
    for branch in branches:
        missing = [
            str(result.requirement.label)
            for result in results[branch.pk].values()
            if result.requirement.period == "month" and result.applicable and not result.met
        ]
        rows.append(
            {
                "branch": branch,
                "report": reports.get(branch.pk),
                "missing": missing,
                "due_on": compliance.report_due_on(previous, policy["report.due_day"]),
            }
        )
    return "branches/reports/_panel_secretary.html", {"rows": rows, "month": previous, "today": today}


@home_panel(35, shared=True)
def staff_reports_panel(request):
    if not permissions.is_staff_role(request.user):
        return None
    today = timezone.localdate()
    month = today.replace(day=1) - relativedelta(months=1)
    totals = report_selectors.rates_snapshot(request.user, month=month, today=today)
    totals["unfiled"] = totals["expected"] - totals["filed"]
    backlog = report_selectors.review_backlog(request.user)
    oldest = backlog["oldest"]
    backlog["oldest_days"] = (timezone.now() - oldest).days if oldest else None
    return "branches/reports/_panel_staff.html", {"totals": totals, "month": month, "backlog": backlog}
