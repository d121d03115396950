"""Criteria of a demonstration designation, and inputs of the yearly classification.

Both are registries so that features built elsewhere (述职评议 in ``assessments/duty_review``,
cross-observation in ``assessments/observation``) plug in without this package importing them:

* ``register_criterion(key, label, check)`` — ``check(branches, today) -> {branch_id:
  (passed: bool | None, detail)}``; None means "no data yet" (暂无数据). Admins choose the keys
  that apply with the policy ``designation.criteria``.
* ``register_duty_grade_source(fn)`` — ``fn(branch_ids, year) -> {branch_id: grade}`` with
  grade one of good/fairly_good/average/poor (述职评议).
* ``register_observation_source(fn)`` — ``fn(branch_ids, year) -> {branch_id: score 0–100}``.

Until those sources are registered the criterion and inputs answer 暂无数据 / None.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Term
from branches.policy import policy_all
from branches.renewals.selectors import deadline_expression

from ..models import ItemScore, Review, Tier
from ..selectors import with_results

DUTY_GRADES = {
    "good": gettext_lazy("好"),
    "fairly_good": gettext_lazy("较好"),
    "average": gettext_lazy("一般"),
    "poor": gettext_lazy("差"),
}


@dataclass(frozen=True)
class Criterion:
    key: str
    label: object
    check: object


@dataclass
class CriterionResult:
    key: str
    label: str
    passed: bool | None
    detail: str

    def as_json(self):
        return {"key": self.key, "label": str(self.label), "passed": self.passed, "detail": self.detail}


CRITERIA: dict[str, Criterion] = {}
DUTY_GRADE_SOURCES = []
OBSERVATION_SOURCES = []


def register_criterion(key, label, check):
    CRITERIA[key] = Criterion(key, label, check)


def register_duty_grade_source(fn):
    DUTY_GRADE_SOURCES.append(fn)


def register_observation_source(fn):
    OBSERVATION_SOURCES.append(fn)


def duty_grades(branch_ids, year):
    """{branch_id: grade code} from the registered 述职评议 sources (empty until one exists)."""
    found = {}
    for source in DUTY_GRADE_SOURCES:
        found.update(source(branch_ids, year) or {})
    return found


def observation_scores(branch_ids, year):
    found = {}
    for source in OBSERVATION_SOURCES:
        found.update(source(branch_ids, year) or {})
    return found


def latest_results(branch_ids):
    """{branch_id: Review annotated with total/vetoed/tier_code}: the latest finalized
    unit or provincial review of each branch (one query)."""
    reviews = (
        with_results(
            Review.objects.filter(branch_id__in=branch_ids, status=Review.Status.FINALIZED).exclude(
                kind=Review.Kind.SELF
            )
        )
        .select_related("edition")
        .order_by("branch_id", "-year", "-period_no", "-finalized_at", "-pk")
    )
    latest = {}
    for review in reviews:
        latest.setdefault(review.branch_id, review)
    return latest


def tier_code(review):
    """Code of the tier a review reached (veto → lowest tier)."""
    tiers = sorted(Tier.objects.filter(edition_id=review.edition_id), key=lambda t: t.min_score)
    if not tiers:
        return ""
    if review.vetoed:
        return tiers[0].code
    reached = [t for t in tiers if t.min_score <= review.total]
    return reached[-1].code if reached else tiers[0].code


def _check_tier(branches, today):
    required = policy_all()["designation.required_tier"]
    results = latest_results([b.pk for b in branches])
    answer = {}
    for branch in branches:
        review = results.get(branch.pk)
        if review is None:
            answer[branch.pk] = (None, _("暂无已定稿的评审"))
            continue
        code = tier_code(review)
        detail = _("%(period)s %(total)s 分，%(tier)s") % {
            "period": review.period_label,
            "total": review.total,
            "tier": review.tier or "-",
        }
        answer[branch.pk] = (code == required, detail)
    return answer


def _check_no_veto(branches, today):
    results = latest_results([b.pk for b in branches])
    answer = {}
    for branch in branches:
        review = results.get(branch.pk)
        if review is None:
            answer[branch.pk] = (None, _("暂无已定稿的评审"))
        elif review.vetoed:
            codes = ItemScore.objects.filter(review=review, veto_triggered=True).values_list(
                "item__code", flat=True
            )
            answer[branch.pk] = (False, _("触发一票否决：%(items)s") % {"items": "、".join(codes)})
        else:
            answer[branch.pk] = (True, _("无一票否决项"))
    return answer


def _check_renewal(branches, today):
    terms = Term.objects.filter(branch__in=branches, status=Term.Status.ACTIVE).annotate(
        deadline=deadline_expression()
    )
    deadlines = {term.branch_id: term.deadline for term in terms}
    answer = {}
    for branch in branches:
        deadline = deadlines.get(branch.pk)
        if deadline is None:
            answer[branch.pk] = (None, _("无在任届次记录"))
        elif deadline < today:
            answer[branch.pk] = (False, _("换届已逾期（应于 %(d)s 前完成）") % {"d": deadline.isoformat()})
        else:
            answer[branch.pk] = (True, _("换届期限 %(d)s") % {"d": deadline.isoformat()})
    return answer


def _check_duty_grade(branches, today):
    wanted = policy_all()["designation.duty_grades"]
    grades = duty_grades([b.pk for b in branches], today.year - 1)
    grades.update(duty_grades([b.pk for b in branches if b.pk not in grades], today.year))
    answer = {}
    for branch in branches:
        grade = grades.get(branch.pk)
        if grade is None:
            answer[branch.pk] = (None, _("暂无数据"))
        else:
            answer[branch.pk] = (grade in wanted, str(DUTY_GRADES.get(grade, grade)))
    return answer


register_criterion("latest_tier_model", gettext_lazy("最近一次定稿评审为示范等次"), _check_tier)
register_criterion("no_veto", gettext_lazy("无一票否决项"), _check_no_veto)
register_criterion("renewal_not_overdue", gettext_lazy("换届未逾期"), _check_renewal)
register_criterion("duty_review_grade", gettext_lazy("书记述职评议为好或较好"), _check_duty_grade)


def criteria_check(branch, *, today=None):
    """The configured criteria for one branch, each with passed True/False/None and a detail."""
    today = today or timezone.localdate()
    results = []
    for key in policy_all()["designation.criteria"]:
        criterion = CRITERIA.get(key)
        if criterion is None:
            results.append(CriterionResult(key, key, None, _("未登记的条件")))
            continue
        passed, detail = criterion.check([branch], today)[branch.pk]
        results.append(CriterionResult(key, str(criterion.label), passed, detail))
    return results


def criteria_met(results):
    """True when no criterion failed (and, by policy, none lacks data)."""
    blocks_missing = policy_all()["designation.missing_data_blocks"]
    return all(r.passed is True or (r.passed is None and not blocks_missing) for r in results)
