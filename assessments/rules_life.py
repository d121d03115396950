"""Rules scored from organizational-life records and monthly reports (items 1.2, 2.1–2.3, 3.1–3.4,
3.6 and 6.2 of the default standard). The computation lives in ``branches.reports.compliance``;
here it is only adapted to the rule contract: a constant number of queries for all branches.
"""

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext

from branches.policy import policy_all
from branches.reports import compliance

from .rules import RuleResult, rule


def _frequency_results(branches, period, requirement_key, unit_label):
    policy = policy_all()
    today = timezone.localdate()
    results = compliance.evaluate_branches(
        [b.pk for b in branches],
        start=period.start,
        end=period.end,
        today=today,
        lectures_per_quarter=policy["life.lectures_per_quarter"],
        keys=(requirement_key,),
    )
    out = {}
    for branch in branches:
        result = results[branch.pk][requirement_key]
        if not result.applicable:
            out[branch.pk] = RuleResult(
                ratio=None,
                detail=_("不适用：%(why)s")
                % {"why": _NOT_APPLICABLE.get(requirement_key, _("本支部不要求"))},
            )
        elif not result.due:
            out[branch.pk] = RuleResult(ratio=None, detail=_("尚无已到期的考核周期。"))
        else:
            out[branch.pk] = RuleResult(
                ratio=result.ratio,
                detail=_("%(met)d/%(due)d 个%(unit)s达到要求。")
                % {
                    "met": result.met,
                    "due": result.due,
                    "unit": unit_label,
                },
            )
    return out


_NOT_APPLICABLE = {
    "LIFE-02": _l("未设支部委员会"),
    "LIFE-03": _l("未设党小组，分值计入主题党日"),
    "LIFE-04": _l("党课频次已设置为不考核"),
}


@rule("basic.study_monthly", _l("每月集中学习"))
def study_monthly(branches, period):
    return _frequency_results(branches, period, "STUDY", pgettext("assessment period unit", "月"))


@rule("life.assembly_quarterly", _l("每季度召开支部党员大会"))
def assembly_quarterly(branches, period):
    return _frequency_results(branches, period, "LIFE-01", pgettext("assessment period unit", "季度"))


@rule("life.committee_monthly", _l("每月召开支部委员会"))
def committee_monthly(branches, period):
    return _frequency_results(branches, period, "LIFE-02", pgettext("assessment period unit", "月"))


@rule("life.theme_day_monthly", _l("每月开展主题党日"))
def theme_day_monthly(branches, period):
    return _frequency_results(branches, period, "LIFE-05", pgettext("assessment period unit", "月"))


@rule("life.lecture_quarterly", _l("每季度讲党课"))
def lecture_quarterly(branches, period):
    return _frequency_results(branches, period, "LIFE-04", pgettext("assessment period unit", "季度"))


@rule("life.cell_monthly", _l("党小组每月开会"))
def cell_monthly(branches, period):
    return _frequency_results(branches, period, "LIFE-03", pgettext("assessment period unit", "党小组·月"))


@rule("life.org_life_meeting_yearly", _l("每年召开组织生活会"))
def org_life_meeting_yearly(branches, period):
    return _frequency_results(branches, period, "LIFE-06", pgettext("assessment period unit", "年度"))


@rule("life.assembly_votes_valid", _l("党员大会表决符合到会和过半数规定"))
def assembly_votes_valid(branches, period):
    tallies = compliance.load_vote_validity(
        [b.pk for b in branches],
        period.start,
        period.end,
        strict_majority=policy_all()["life.strict_majority"],
    )
    out = {}
    for branch in branches:
        valid, total = tallies.get(branch.pk, (0, 0))
        if not total:
            out[branch.pk] = RuleResult(ratio=None, detail=_("本期党员大会无表决事项记录。"))
        else:
            out[branch.pk] = RuleResult(
                ratio=valid / total,
                detail=_("%(valid)d/%(total)d 项表决符合规定。") % {"valid": valid, "total": total},
            )
    return out


@rule("life.attendance", _l("正式党员平均出席率达标，且无连续6个月不参加组织生活的党员"))
def attendance(branches, period):
    """Half for the average attendance against the target, half for no member lapsing (LIFE-11)."""
    target = float(policy_all()["life.attendance_target"])
    ids = [b.pk for b in branches]
    rates = compliance.load_attendance(ids, period.start, period.end)
    window_end = min(period.end, timezone.localdate())
    lapsed = compliance.load_lapsed_members(ids, window_end - relativedelta(months=6, days=-1), window_end)
    out = {}
    for branch in branches:
        present, expected = rates.get(branch.pk, (0, 0))
        if not expected:
            out[branch.pk] = RuleResult(ratio=None, detail=_("本期无出席记录。"))
            continue
        rate = present / expected
        n_lapsed = lapsed.get(branch.pk, 0)
        out[branch.pk] = RuleResult(
            ratio=0.5 * (min(1.0, rate / target) if target else 1.0) + (0.5 if not n_lapsed else 0),
            detail=_(
                "正式党员平均出席率 %(rate).1f%%，目标 %(target).0f%%；连续6个月未参加组织生活的党员 %(n)d 人。"
            )
            % {"rate": rate * 100, "target": target * 100, "n": n_lapsed},
        )
    return out


@rule("support.monthly_report_on_time", _l("月度报告按时报送"))
def monthly_report_on_time(branches, period):
    today = timezone.localdate()
    timeliness = compliance.load_report_timeliness(
        [b.pk for b in branches],
        period.start,
        period.end,
        today=today,
        due_day=policy_all()["report.due_day"],
    )
    out = {}
    for branch in branches:
        on_time, due = timeliness[branch.pk]
        if not due:
            out[branch.pk] = RuleResult(ratio=None, detail=_("本期尚无到期的月度报告。"))
        else:
            out[branch.pk] = RuleResult(
                ratio=on_time / due,
                detail=_("%(on_time)d/%(due)d 个月按时报送。") % {"on_time": on_time, "due": due},
            )
    return out
