"""Built-in indicators over data that exists on main, and placeholders for features to come.

Every compute function takes (period, branch_ids) and answers for all branches at once with
a few grouped queries. Results that several indicators share (the year's official scores)
are memoized for the duration of one build run (``run_cache``).
"""

from collections import defaultdict
from contextlib import contextmanager

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.default_edition import DIMENSIONS
from assessments.models import Dimension, ItemScore, Review, Tier
from branches import checks
from branches.models import Activity, MonthlyReport, Postponement, RectificationItem, ReportEvent, Term
from branches.policy import policy_all
from branches.reports import compliance

from .registry import HIGHER, LOWER, MEAN, MEDIAN, P10, RATIO, SUM, YEAR, Indicator, register

_cache = None


@contextmanager
def run_cache():
    """Share expensive loads between the indicators of one build run."""
    global _cache
    outer, _cache = _cache, {}
    try:
        yield
    finally:
        _cache = outer


def _memo(key, loader):
    if _cache is None:
        return loader()
    if key not in _cache:
        _cache[key] = loader()
    return _cache[key]


def today():
    return timezone.localdate()


# ---------------------------------------------------------------- scores and tiers (§6.5)

TIER_ORDER = ("model", "compliant", "basically_compliant", "non_compliant")
OFFICIAL_KINDS = (Review.Kind.PROVINCIAL, Review.Kind.UNIT)  # the provincial review wins


def year_results(year, branch_ids):
    """{branch id: {"total", "tier", "dims": {code: percent}}} from the year's official review.

    The official review is the finalized provincial review of the year, else the finalized
    unit review; self-assessments never count. Three grouped queries.
    """
    return _memo(("scores", year), lambda: _load_year_results(year, set(branch_ids)))


def _load_year_results(year, branch_ids):
    reviews = list(
        Review.objects.filter(
            year=year,
            period_kind=Review.PeriodKind.YEAR,
            status=Review.Status.FINALIZED,
            kind__in=OFFICIAL_KINDS,
            branch_id__in=branch_ids,
        )
        .annotate(
            total=Sum("scores__score"),
            vetoed=Exists(ItemScore.objects.filter(review=OuterRef("pk"), veto_triggered=True)),
        )
        .values_list("pk", "branch_id", "kind", "edition_id", "total", "vetoed")
    )
    official = {}
    for pk, branch_id, kind, edition_id, total, vetoed in reviews:
        if branch_id not in official or kind == Review.Kind.PROVINCIAL:
            official[branch_id] = (pk, edition_id, float(total or 0), vetoed)
    tiers = defaultdict(list)
    for edition_id, code, min_score in Tier.objects.filter(
        edition_id__in={v[1] for v in official.values()}
    ).values_list("edition_id", "code", "min_score"):
        tiers[edition_id].append((float(min_score), code))
    dim_max = {
        (edition_id, code): float(points)
        for edition_id, code, points in Dimension.objects.filter(
            edition_id__in={v[1] for v in official.values()}
        ).values_list("edition_id", "code", "max_points")
    }
    review_branch = {v[0]: b for b, v in official.items()}
    dims = defaultdict(dict)
    for review_id, code, points in (
        ItemScore.objects.filter(review_id__in=list(review_branch))
        .values_list("review_id", "item__dimension__code")
        .annotate(s=Sum("score"))
        .order_by()
    ):
        branch_id = review_branch[review_id]
        maximum = dim_max.get((official[branch_id][1], code))
        if maximum:
            dims[branch_id][code] = 100.0 * float(points or 0) / maximum
    results = {}
    for branch_id, (_pk, edition_id, total, vetoed) in official.items():
        cuts = sorted(tiers[edition_id], reverse=True)
        if vetoed or not cuts:
            tier = cuts[-1][1] if cuts else "non_compliant"
        else:
            tier = next((code for cut, code in cuts if total >= cut), cuts[-1][1])
        results[branch_id] = {"total": total, "tier": tier, "dims": dims[branch_id]}
    return results


def _scores(period, branch_ids):
    results = year_results(period.year, branch_ids)
    return {b: r["total"] for b, r in results.items()} or None


def _tier_share(code):
    def compute(period, branch_ids):
        results = year_results(period.year, branch_ids)
        if not results:
            return None
        return {b: (1 if r["tier"] == code else 0, 1) for b, r in results.items()}

    return compute


def _dimension(code):
    def compute(period, branch_ids):
        results = year_results(period.year, branch_ids)
        values = {b: r["dims"][code] for b, r in results.items() if code in r["dims"]}
        return values or None

    return compute


def _advanced_share(period, branch_ids):
    results = year_results(period.year, branch_ids)
    if not results:
        return None
    return {b: (1 if r["tier"] in ("model", "compliant") else 0, 1) for b, r in results.items()}


# ---------------------------------------------------------------- reporting discipline (§10.2)


def _has_reports(period):
    return MonthlyReport.objects.filter(month__range=(period.start, period.end)).exists()


def _report_on_time(period, branch_ids):
    due_day = policy_all()["report.due_day"]
    if not _has_reports(period):
        return None
    rows = compliance.load_report_timeliness(
        branch_ids, period.start, period.end, today=today(), due_day=due_day
    )
    if not any(due for _on_time, due in rows.values()):
        return None
    return rows


def _report_returned(period, branch_ids):
    if not _has_reports(period):
        return None
    filed = dict(
        MonthlyReport.objects.filter(
            branch_id__in=branch_ids,
            month__range=(period.start, period.end),
            first_submitted_at__isnull=False,
        )
        .values_list("branch_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    returned = dict(
        ReportEvent.objects.filter(
            action=ReportEvent.Action.RETURN,
            report__branch_id__in=branch_ids,
            report__month__range=(period.start, period.end),
        )
        .values_list("report__branch_id")
        .annotate(n=Count("report_id", distinct=True))
        .order_by()
    )
    return {b: (returned.get(b, 0), n) for b, n in filed.items()} or None


# ---------------------------------------------------------------- organizational life (§3.4)

QUARTER_CHECKS = ("LIFE-01", "LIFE-02", "LIFE-03", "LIFE-04", "LIFE-05")
YEAR_CHECKS = QUARTER_CHECKS + ("LIFE-06",)


def _records_start():
    """First month with any activity record: months before it were not recorded in the portal,
    so they are not counted as missed."""
    first = _memo("records_start", lambda: Activity.objects.aggregate(first=Min("held_on"))["first"])
    return first.replace(day=1) if first else None


def _life_compliance(period, branch_ids):
    end = period.as_of(today())
    first = _records_start()
    if first is None or first > period.end:
        return None  # no records in the period: the portal was not in use yet
    keys = YEAR_CHECKS if period.kind == YEAR else QUARTER_CHECKS
    results = compliance.evaluate_branches(
        branch_ids,
        start=max(period.start, first),
        end=period.end,
        today=end + relativedelta(days=1) if end < period.end else today(),
        lectures_per_quarter=policy_all()["life.lectures_per_quarter"],
        keys=keys,
    )
    values = {}
    for branch_id, by_key in results.items():
        met = sum(r.met for r in by_key.values())
        due = sum(r.due for r in by_key.values())
        if due:
            values[branch_id] = (met, due)
    return values or None


# ---------------------------------------------------------------- renewal health (§5.4)


def _terms_at(period, branch_ids):
    """Per branch: (deadline, postponed) of the term active on the period's measuring day."""

    def load():
        as_of = period.as_of(today())
        terms = Term.objects.filter(branch_id__in=branch_ids, elected_on__lte=as_of).filter(
            Q(status=Term.Status.ACTIVE, closed_on__isnull=True) | Q(closed_on__gt=as_of)
        )
        rows = list(terms.values_list("pk", "branch_id", "ends_on"))
        postponed = defaultdict(list)
        for term_id, until in (
            Postponement.objects.filter(
                term_id__in=[r[0] for r in rows],
                kind=Postponement.Kind.POSTPONE,
                status=Postponement.Status.APPROVED,
            )
            .filter(Q(decided_on__isnull=True) | Q(decided_on__lte=as_of))
            .values_list("term_id", "until")
        ):
            postponed[term_id].append(until)
        found = {}
        for term_id, branch_id, ends_on in rows:
            until = max(postponed[term_id], default=None)
            deadline = max(ends_on, until) if until else ends_on
            found[branch_id] = (ends_on, deadline, until is not None, as_of)
        return found

    return _memo(("terms", period), load)


def _renewal_overdue(months):
    def compute(period, branch_ids):
        terms = _terms_at(period, branch_ids)
        if not terms:
            return None
        return {
            b: 1 if deadline < as_of - relativedelta(months=months) else 0
            for b, (_ends, deadline, _p, as_of) in terms.items()
        }

    return compute


def _renewal_postponed(period, branch_ids):
    terms = _terms_at(period, branch_ids)
    if not terms:
        return None
    return {
        b: 1 if postponed and ends < as_of <= deadline else 0
        for b, (ends, deadline, postponed, as_of) in terms.items()
    }


# ---------------------------------------------------------------- set-up / committee checks


def _checks_failing(period, branch_ids):
    """Share of branches with a failing ORG/COM error — current state, so only while open."""
    now = today()
    if not period.contains(now):
        return None
    from branches.models import Organization

    orgs = Organization.objects.filter(pk__in=branch_ids)
    counts = checks.failing_counts(checks.run_checks(orgs, now))
    return {b: (1 if errors else 0, 1) for b, (_n, errors) in counts.items()}


# ---------------------------------------------------------------- rectification (shared tracker)


def _rectification_closure(period, branch_ids):
    """Items due in the period (deadline passed by its measuring day) closed on time: verified
    no later than their deadline. Items of every source kind on the branch."""
    as_of = period.as_of(today())
    start, end = period.start, min(period.end, as_of - relativedelta(days=1))
    if end < start:
        return None
    due = RectificationItem.objects.filter(organization_id__in=branch_ids, deadline__range=(start, end))
    rows = (
        due.values_list("organization_id")
        .annotate(
            n=Count("pk"),
            on_time=Count(
                "pk",
                filter=Q(status=RectificationItem.Status.VERIFIED, verified_at__date__lte=F("deadline")),
            ),
        )
        .order_by()
    )
    return {org_id: (on_time, n) for org_id, n, on_time in rows} or None


# ---------------------------------------------------------------- registration

GROUP_SCORES, GROUP_LIFE, GROUP_RENEWAL, GROUP_FEATURES = "scores", "life", "renewal", "features"

register(
    Indicator(
        "score_mean",
        _("平均得分"),
        _("分"),
        HIGHER,
        MEAN,
        _scores,
        periods=(YEAR,),
        group=GROUP_SCORES,
        source=_("标准化评审"),
    )
)
register(
    Indicator(
        "score_median",
        _("得分中位数"),
        _("分"),
        HIGHER,
        MEDIAN,
        _scores,
        periods=(YEAR,),
        group=GROUP_SCORES,
        branch_level=False,
        source=_("标准化评审"),
    )
)
register(
    Indicator(
        "score_p10",
        _("得分第10百分位"),
        _("分"),
        HIGHER,
        P10,
        _scores,
        periods=(YEAR,),
        group=GROUP_SCORES,
        branch_level=False,
        source=_("标准化评审"),
    )
)
TIER_LABELS = {
    "model": _("示范占比"),
    "compliant": _("达标占比"),
    "basically_compliant": _("基本达标占比"),
    "non_compliant": _("不达标占比"),
}
for _code in TIER_ORDER:
    register(
        Indicator(
            f"tier_{_code}",
            TIER_LABELS[_code],
            "%",
            LOWER if _code == "non_compliant" else HIGHER,
            RATIO,
            _tier_share(_code),
            periods=(YEAR,),
            group=GROUP_SCORES,
            source=_("标准化评审"),
        )
    )
register(
    Indicator(
        "advanced_share",
        _("先进支部占比（示范+达标）"),
        "%",
        HIGHER,
        RATIO,
        _advanced_share,
        periods=(YEAR,),
        group=GROUP_SCORES,
        source=_("标准化评审"),
    )
)
DIMENSION_CODES = [row[0] for row in DIMENSIONS]
for _code, _name, *_rest in DIMENSIONS:
    register(
        Indicator(
            f"dim_{_code}",
            _name,
            "%",
            HIGHER,
            MEAN,
            _dimension(_code),
            periods=(YEAR,),
            group="dimensions",
            source=_("标准化评审"),
            description=_("维度得分率"),
        )
    )
register(
    Indicator(
        "report_on_time",
        _("月报按时报送率"),
        "%",
        HIGHER,
        RATIO,
        _report_on_time,
        group=GROUP_LIFE,
        source=_("月度报告"),
    )
)
register(
    Indicator(
        "report_returned",
        _("月报退回修改率"),
        "%",
        LOWER,
        RATIO,
        _report_returned,
        group=GROUP_LIFE,
        source=_("月度报告"),
    )
)
register(
    Indicator(
        "life_compliance",
        _("组织生活合规率"),
        "%",
        HIGHER,
        RATIO,
        _life_compliance,
        group=GROUP_LIFE,
        source=_("组织生活记录"),
        description=_("LIFE-01…06 按期完成的比例"),
    )
)
register(
    Indicator(
        "renewal_overdue",
        _("换届逾期支部数"),
        _("个"),
        LOWER,
        SUM,
        _renewal_overdue(0),
        group=GROUP_RENEWAL,
        source=_("换届"),
    )
)
register(
    Indicator(
        "renewal_overdue_12m",
        _("逾期超过12个月的支部数"),
        _("个"),
        LOWER,
        SUM,
        _renewal_overdue(12),
        group=GROUP_RENEWAL,
        source=_("换届"),
    )
)
register(
    Indicator(
        "renewal_postponed",
        _("延期换届中的支部数"),
        _("个"),
        LOWER,
        SUM,
        _renewal_postponed,
        group=GROUP_RENEWAL,
        source=_("换届"),
    )
)
register(
    Indicator(
        "checks_failing",
        _("设置与班子检查不通过占比"),
        "%",
        LOWER,
        RATIO,
        _checks_failing,
        group=GROUP_LIFE,
        source=_("组织设置检查"),
        description=_("存在错误级 ORG/COM 检查项的支部占比（仅当期计算）"),
    )
)

# Registered here so pages, targets and exports know them; each feature provides
# the compute function in its own ``indicators`` module (see registry.py).
register(
    Indicator(
        "training_coverage",
        _("书记培训覆盖率"),
        "%",
        HIGHER,
        RATIO,
        periods=(YEAR,),
        group=GROUP_FEATURES,
        source=_("书记培训"),
        description="secretary_rotation_coverage (domain.md §9.2)",
    )
)
register(
    Indicator(
        "lagging_conversion",
        _("后进转化率"),
        "%",
        HIGHER,
        RATIO,
        periods=(YEAR,),
        group=GROUP_FEATURES,
        source=_("示范创建与后进整顿"),
    )
)
register(
    Indicator(
        "advanced_increment",
        _("先进增量"),
        _("个"),
        HIGHER,
        SUM,
        periods=(YEAR,),
        group=GROUP_FEATURES,
        source=_("示范创建与后进整顿"),
    )
)
register(
    Indicator(
        "reliability_gap",
        _("评分可靠性差距"),
        _("分"),
        LOWER,
        MEAN,
        periods=(YEAR,),
        group=GROUP_FEATURES,
        source=_("交叉观摩"),
    )
)
register(
    Indicator(
        "appraisal_good_share",
        _("述职评议好及以上占比"),
        "%",
        HIGHER,
        RATIO,
        periods=(YEAR,),
        group=GROUP_FEATURES,
        source=_("述职评议"),
    )
)
register(
    Indicator(
        "rectification_closure",
        _("整改按期销号率"),
        "%",
        HIGHER,
        RATIO,
        _rectification_closure,
        group=GROUP_FEATURES,
        source=_("整改台账"),
        description=_("期内到期的整改事项中按期核验销号的比例"),
    )
)
