"""Rules computed from the organization tree, roster, terms and posts (data the portal holds).

Each rule looks at the branch's state on the period's reference day (the period end, or today
when the period is still running) and runs a fixed number of batch queries for all branches.
"""

from collections import defaultdict

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from branches.models import Member, Organization, Post, Term
from branches.policy import policy_all

from .rules import RuleResult, rule

Kind = Organization.Kind
Role = Post.Role


def reference_day(period):
    return min(period.end, timezone.localdate())


def _ratio_result(passed, failures, label_ok):
    """Share of checks passed; the detail names the failed ones."""
    total = passed + len(failures)
    if not failures:
        return RuleResult(ratio=1.0, detail=label_ok)
    return RuleResult(ratio=passed / total, detail=pgettext("list separator", "；").join(failures))


def _member_counts(branch_ids):
    rows = (
        Member.objects.filter(branch_id__in=branch_ids, state=Member.State.ACTIVE)
        .values("branch_id")
        .annotate(total=Count("pk"), full=Count("pk", filter=Q(status=Member.Status.FULL)))
    )
    return {row["branch_id"]: row for row in rows}


def _active_terms(branch_ids):
    return {t.branch_id: t for t in Term.objects.filter(branch_id__in=branch_ids, status=Term.Status.ACTIVE)}


def _open_posts(term_ids, day):
    """Posts held on ``day`` per term: {term_id: [post, ...]}."""
    posts = defaultdict(list)
    held = Post.objects.filter(term_id__in=term_ids, started_on__lte=day).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=day)
    )
    for post in held:
        posts[post.term_id].append(post)
    return posts


@rule("org.setup_compliant", gettext_lazy("支部设置符合规定"))
def setup_compliant(branches, period):
    policy = policy_all()
    counts = _member_counts([b.pk for b in branches])
    results = {}
    for branch in branches:
        row = counts.get(branch.pk, {"total": 0, "full": 0})
        checks = [
            (
                row["full"] >= policy["org.branch_min_full_members"],
                _("正式党员不足%(n)d名") % {"n": policy["org.branch_min_full_members"]},
            ),
            (
                row["total"] <= policy["org.branch_max_members"],
                _("党员超过%(n)d名") % {"n": policy["org.branch_max_members"]},
            ),
            (
                not branch.is_joint or branch.units_covered <= policy["org.joint_branch_max_units"],
                _("联合党支部覆盖单位超过%(n)d个") % {"n": policy["org.joint_branch_max_units"]},
            ),
        ]
        failures = [message for ok, message in checks if not ok]
        results[branch.pk] = _ratio_result(len(checks) - len(failures), failures, _("设置符合规定"))
    return results


@rule("org.committee_complete", gettext_lazy("班子健全"))
def committee_complete(branches, period):
    policy = policy_all()
    day = reference_day(period)
    ids = [b.pk for b in branches]
    counts = _member_counts(ids)
    terms = _active_terms(ids)
    posts = _open_posts([t.pk for t in terms.values()], day)
    results = {}
    for branch in branches:
        term = terms.get(branch.pk)
        if term is None:
            results[branch.pk] = RuleResult(ratio=0.0, detail=_("没有在任届次"))
            continue
        held = posts.get(term.pk, [])
        roles = {p.role for p in held}
        full = counts.get(branch.pk, {"full": 0})["full"]
        size = len({p.member_id for p in held})
        checks = [(Role.SECRETARY in roles, _("书记空缺"))]
        if full >= policy["committee.required_from_full_members"]:
            checks.append((term.has_committee, _("应设未设支部委员会")))
        if term.has_committee:
            checks.append(
                (
                    policy["committee.min_size"] <= size <= policy["committee.max_size"],
                    _("委员人数%(n)d人，不符合规定") % {"n": size},
                )
            )
            missing = [
                Role(r).label for r in (Role.ORGANIZATION, Role.PUBLICITY, Role.DISCIPLINE) if r not in roles
            ]
            roles_text = pgettext("list separator", "、").join(map(str, missing))
            checks.append((not missing, _("空缺：%(roles)s") % {"roles": roles_text}))
        unapproved = [p for p in held if p.role in Post.APPROVAL_ROLES and p.approved_on is None]
        checks.append((not unapproved, _("书记或副书记未经上级批准")))
        failures = [message for ok, message in checks if not ok]
        results[branch.pk] = _ratio_result(len(checks) - len(failures), failures, _("班子健全"))
    return results


@rule("org.term_on_time", gettext_lazy("按期换届"))
def term_on_time(branches, period):
    day = reference_day(period)
    terms = _active_terms([b.pk for b in branches])
    results = {}
    for branch in branches:
        term = terms.get(branch.pk)
        if term is None:
            results[branch.pk] = RuleResult(ratio=0.0, detail=_("没有在任届次"))
        elif term.ends_on < day:
            results[branch.pk] = RuleResult(
                ratio=0.0, detail=_("任期已于%(d)s届满，尚未换届") % {"d": term.ends_on.isoformat()}
            )
        else:
            results[branch.pk] = RuleResult(
                ratio=1.0, detail=_("任期至%(d)s") % {"d": term.ends_on.isoformat()}
            )
    return results


@rule("org.term_overdue_veto", gettext_lazy("任期届满超过规定期限未换届（否决项）"))
def term_overdue_veto(branches, period):
    """Ratio 0 means the veto is triggered: the active term expired too long ago."""
    months = policy_all()["assessment.veto_term_overdue_months"]
    cutoff = reference_day(period) - relativedelta(months=months)
    terms = _active_terms([b.pk for b in branches])
    results = {}
    for branch in branches:
        term = terms.get(branch.pk)
        if term is not None and term.ends_on < cutoff:
            results[branch.pk] = RuleResult(
                ratio=0.0,
                detail=_("任期于%(d)s届满，超过%(m)d个月未换届")
                % {"d": term.ends_on.isoformat(), "m": months},
            )
        else:
            results[branch.pk] = RuleResult(ratio=1.0, detail=_("未触发"))
    return results


@rule("org.vacancies_filled", gettext_lazy("委员出缺及时补选"))
def vacancies_filled(branches, period):
    """Each post vacated in the current term must be refilled (same role) within N days."""
    max_days = policy_all()["committee.vacancy_max_days"]
    day = reference_day(period)
    terms = _active_terms([b.pk for b in branches])
    by_term = defaultdict(list)
    for post in Post.objects.filter(term_id__in=[t.pk for t in terms.values()], started_on__lte=day):
        by_term[post.term_id].append(post)
    results = {}
    for branch in branches:
        term = terms.get(branch.pk)
        if term is None:
            results[branch.pk] = RuleResult(ratio=None, detail=_("没有在任届次"))
            continue
        posts = by_term.get(term.pk, [])
        vacancies = [p for p in posts if p.ended_on and p.ended_on <= day]
        late = 0
        for gone in vacancies:
            refill = [p.started_on for p in posts if p.role == gone.role and p.started_on >= gone.ended_on]
            deadline = gone.ended_on + relativedelta(days=max_days)
            if not any(started <= deadline for started in refill) and deadline < day:
                late += 1
        if not vacancies:
            results[branch.pk] = RuleResult(ratio=1.0, detail=_("本届无出缺"))
        else:
            results[branch.pk] = RuleResult(
                ratio=(len(vacancies) - late) / len(vacancies),
                detail=_("出缺%(n)d次，超过%(d)d天未补选%(late)d次")
                % {"n": len(vacancies), "d": max_days, "late": late},
            )
    return results


@rule("org.cells_set_up", gettext_lazy("按规定划分党小组"))
def cells_set_up(branches, period):
    threshold = policy_all()["org.cells_suggested_from_members"]
    ids = [b.pk for b in branches]
    counts = _member_counts(ids)
    cells = dict(
        Organization.objects.filter(parent_id__in=ids, kind=Kind.PARTY_CELL, is_active=True)
        .values("parent_id")
        .annotate(n=Count("pk"))
        .values_list("parent_id", "n")
    )
    results = {}
    for branch in branches:
        size = counts.get(branch.pk, {"total": 0})["total"]
        needs = size >= threshold or branch.locations > 1
        if cells.get(branch.pk):
            results[branch.pk] = RuleResult(
                ratio=1.0, detail=_("已设%(n)d个党小组") % {"n": cells[branch.pk]}
            )
        elif needs:
            results[branch.pk] = RuleResult(
                ratio=0.0, detail=_("党员%(n)d人或分散办公，未划分党小组") % {"n": size}
            )
        else:
            results[branch.pk] = RuleResult(ratio=1.0, detail=_("规模较小，无需划分党小组"))
    return results
