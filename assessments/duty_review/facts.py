"""Facts of the year that pre-fill a secretary's report (read-only; a handful of queries).

The figures come from the records the portal already keeps: the organizational-life grid
(``branches/reports/compliance.py``), monthly-report timeliness, the latest standardization
result, the active term, and — through ``hooks`` — training and rectification items.
"""

from datetime import date

from django.utils.translation import gettext as _

from assessments import selectors as assessment_selectors
from assessments.models import DutyCycle, DutyReport
from branches import selectors as branch_selectors
from branches.models import Organization
from branches.policy import policy_all
from branches.reports import compliance

from . import hooks

NO_DATA = "暂无数据"


def year_facts(*, organization, secretary, year, today):
    """A JSON-able dict of the year's facts about ``organization``."""
    policy = policy_all()
    end = min(date(year, 12, 31), today)
    facts = {"year": year, "is_branch": organization.kind == Organization.Kind.BRANCH}
    if facts["is_branch"]:
        results = compliance.evaluate_branches(
            [organization.pk],
            start=date(year, 1, 1),
            end=date(year, 12, 31),
            today=today,
            lectures_per_quarter=policy["life.lectures_per_quarter"],
        )[organization.pk]
        facts["meetings"] = [
            {"label": str(req.label), "met": results[req.key].met, "due": results[req.key].due}
            for req in compliance.REQUIREMENTS
            if results[req.key].applicable and results[req.key].due
        ]
        on_time, due = compliance.load_report_timeliness(
            [organization.pk], date(year, 1, 1), end, today=today, due_day=policy["report.due_day"]
        )[organization.pk]
        facts["reports_on_time"] = {"on_time": on_time, "due": due}
        review = assessment_selectors.latest_finalized(organization)
        facts["score"] = (
            {
                "label": f"{review.period_label} {review.get_kind_display()}",
                "total": str(review.total),
                "tier": review.tier,
            }
            if review
            else None
        )
    term = branch_selectors.active_term(organization)
    facts["term"] = (
        {"ends_on": term.ends_on.isoformat(), "days_left": (term.ends_on - today).days} if term else None
    )
    last = (
        DutyReport.objects.filter(
            organization=organization, cycle__year=year - 1, cycle__status=DutyCycle.Status.PUBLISHED
        )
        .exclude(status=DutyReport.Status.VACANT)
        .first()
    )
    facts["last_grade"] = str(last.get_grade_display()) if last and last.grade else None
    facts["training"] = hooks.training_facts(organization=organization, secretary=secretary, year=year)
    facts["rectification"] = hooks.rectification_facts(organization=organization, year=year)
    return facts


def summary_text(facts):
    """The facts as editable prose for the report's first section."""
    lines = []
    if facts.get("is_branch"):
        meetings = facts.get("meetings") or []
        if meetings:
            parts = "；".join(f"{m['label']} {m['met']}/{m['due']}" for m in meetings)
            lines.append(_("组织生活开展情况（完成/应开展）：%(parts)s。") % {"parts": parts})
        else:
            lines.append(_("组织生活开展情况：%(none)s。") % {"none": NO_DATA})
        timely = facts.get("reports_on_time") or {}
        lines.append(
            _("月度报告按时报送 %(on)s/%(due)s 个月。")
            % {"on": timely.get("on_time", 0), "due": timely.get("due", 0)}
        )
        score = facts.get("score")
        lines.append(
            _("标准化建设得分：%(label)s %(total)s 分，%(tier)s。") % score
            if score
            else _("标准化建设得分：%(none)s。") % {"none": NO_DATA}
        )
    term = facts.get("term")
    lines.append(
        _("换届情况：本届任期 %(ends)s 届满。") % {"ends": term["ends_on"]}
        if term
        else _("换届情况：未登记在任届次。")
    )
    if facts.get("last_grade"):
        lines.append(_("上年度述职评议等次：%(grade)s。") % {"grade": facts["last_grade"]})
    training = facts.get("training")
    lines.append(
        _("参加培训：%(n)s 次，%(h)s 学时。") % {"n": training["sessions"], "h": training["hours"]}
        if training
        else _("参加培训：%(none)s。") % {"none": NO_DATA}
    )
    rect = facts.get("rectification")
    lines.append(
        _("整改事项：未完成 %(open)s 项，已完成 %(closed)s 项。")
        % {"open": len(rect["open"]), "closed": len(rect["closed"])}
        if rect
        else _("上年度述职评议及观摩整改事项：%(none)s。") % {"none": NO_DATA}
    )
    return "\n".join(lines)
