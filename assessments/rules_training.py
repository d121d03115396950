"""Rules scored from training records (items 4.2 and 5.5 of the default standard), read through
``training.selectors``: a constant number of queries for all branches.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from branches.policy import policy_all
from training import selectors as training

from .rules import RuleResult, rule


def prorated_minimum(period, minimum, today):
    """The year's hours pro-rated to the part of the period already past (whole year once over)."""
    if today >= period.end:
        return minimum
    if today < period.start:
        return 0
    elapsed = (today - period.start).days + 1
    length = (period.end - period.start).days + 1
    return round(minimum * elapsed / length, 1)


@rule("members.study_hours", _l("党员学习学时"))
def study_hours(branches, period):
    today = timezone.localdate()
    minimum = prorated_minimum(period, policy_all()["training.member_min_hours"], today)
    counts = training.branch_hours_compliance([b.pk for b in branches], year=period.end.year, minimum=minimum)
    out = {}
    for branch in branches:
        ok, total = counts.get(branch.pk, (0, 0))
        if not total:
            out[branch.pk] = RuleResult(ratio=None, detail=_("支部没有在册党员。"))
            continue
        out[branch.pk] = RuleResult(
            ratio=ok / total,
            detail=_("%(ok)d/%(total)d 名党员学时达到 %(min)s 学时（%(year)s 年，按已过时间折算）。")
            % {"ok": ok, "total": total, "min": minimum, "year": period.end.year},
        )
    return out


@rule("training.secretary_trained", _l("书记参加培训"))
def secretary_trained(branches, period):
    """Full points when the secretary attended a concentrated training in the period."""
    trained = training.secretary_trained([b.pk for b in branches], start=period.start, end=period.end)
    out = {}
    for branch in branches:
        if branch.pk not in trained:
            out[branch.pk] = RuleResult(ratio=0.0, detail=_("书记空缺，无培训记录。"))
            continue
        sessions, standard = trained[branch.pk]
        if sessions:
            detail = _("书记本期参加了集中培训") + (_("，含标准化专题培训。") if standard else "。")
        else:
            detail = _("书记本期未参加上级组织的集中培训。")
        out[branch.pk] = RuleResult(ratio=1.0 if sessions else 0.0, detail=detail)
    return out
