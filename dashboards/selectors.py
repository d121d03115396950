"""Reads for the dashboard pages. They read snapshots only (a constant number of queries)."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import checks, permissions
from branches.models import Organization, RectificationItem, Term
from branches.permissions import Action
from branches.renewals.selectors import deadline_expression, with_stages
from branches.reports.selectors import branch_compliance

from . import charts, registry
from .indicators import DIMENSION_CODES
from .models import Snapshot, Target
from .periods import QUARTER, YEAR, Period

Kind = Organization.Kind
YEARS_SHOWN = 3

# The indicators of the KPI table and the heat map, in display order.
HEADLINE = [
    "score_mean",
    "score_p10",
    "tier_non_compliant",
    "advanced_share",
    "report_on_time",
    "life_compliance",
    "renewal_overdue",
    "renewal_overdue_12m",
    "checks_failing",
    "training_coverage",
    "lagging_conversion",
    "rectification_closure",
    "reliability_gap",
    "appraisal_good_share",
]


def dashboard_root():
    return Organization.objects.filter(kind=Kind.WORK_COMMITTEE, parent__isnull=True).first()


def default_year(today=None):
    """The latest year with finished reviews: the previous year until the current one closes."""
    today = today or timezone.localdate()
    return today.year - 1 if today.month < 12 else today.year


def _series(rows):
    """{indicator: {period key: value}} from (indicator, kind, year, no, value) rows."""
    series: defaultdict[str, dict[str, float | None]] = defaultdict(dict)
    for key, kind, year, number, value in rows:
        series[key][Period(year, kind, number).key] = value
    return series


@dataclass
class Kpi:
    indicator: registry.Indicator
    value: float | None
    previous: float | None
    target: Target | None

    @property
    def decimals(self):
        return 0 if self.indicator.aggregation == registry.SUM else 1

    @property
    def change(self):
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def improved(self):
        change = self.change
        if change is None or abs(change) < 1e-9:
            return None
        return (change > 0) == (self.indicator.direction == registry.HIGHER)

    @property
    def target_met(self):
        """True/False against the year's target; None without a target or a value."""
        target = self.target
        if target is None or self.value is None:
            return None
        higher = self.indicator.direction == registry.HIGHER
        if target.kind == Target.Kind.IMPROVE:
            if self.previous is None:
                return None
            return self.value > self.previous if higher else self.value < self.previous
        assert target.value is not None  # required of VALUE targets (target_value_required)
        return self.value >= target.value if higher else self.value <= target.value


def dashboard(org, *, year):
    """Everything the dashboard page of ``org`` (the province, a unit or a general branch) shows,
    in 4 queries."""
    years = list(range(year - YEARS_SHOWN + 1, year + 1))
    indicators = {i.key: i for i in registry.all_indicators()}
    series = _series(
        Snapshot.objects.filter(organization=org, year__in=[year - YEARS_SHOWN] + years).values_list(
            "indicator", "period_kind", "year", "period_no", "value"
        )
    )
    children: list[Mapping[str, Any]]
    if org.kind == Kind.WORK_COMMITTEE:
        children = list(
            Organization.objects.filter(kind=Kind.UNIT_COMMITTEE, is_active=True)
            .order_by("path")
            .values("pk", "name", "category", "kind")
        )
    elif org.kind == Kind.UNIT_COMMITTEE:
        # The unit's general branches (drill down) and the branches directly under it.
        children = list(
            Organization.objects.filter(
                Q(kind=Kind.GENERAL_BRANCH, unit=org) | Q(kind=Kind.BRANCH, parent=org), is_active=True
            )
            .order_by("path")
            .values("pk", "name", "kind")
        )
    else:  # a general branch: its branches
        children = list(
            Organization.objects.filter(kind=Kind.BRANCH, parent=org, is_active=True)
            .order_by("path")
            .values("pk", "name", "kind")
        )
    heat: defaultdict[int, dict[str, float | None]] = defaultdict(dict)
    parts: defaultdict[int, dict[str, tuple[Any, ...]]] = defaultdict(dict)
    for org_id, key, value, num, den, sample in Snapshot.objects.filter(
        organization_id__in=[c["pk"] for c in children],
        period_kind=YEAR,
        year=year,
        indicator__in=HEADLINE,
    ).values_list("organization_id", "indicator", "value", "numerator", "denominator", "sample"):
        heat[org_id][key] = value
        parts[org_id][key] = (value, num, den, sample)
    targets = {t.indicator: t for t in Target.objects.filter(year=year)}
    this, last = Period(year, YEAR).key, Period(year - 1, YEAR).key
    kpis = [
        Kpi(indicators[key], series[key].get(this), series[key].get(last), targets.get(key))
        for key in HEADLINE
    ]
    return {
        "years": years,
        "year": year,
        "kpis": kpis,
        "charts": charts.build(series, years, indicators),
        "heatmap": charts.heatmap(children, heat, [indicators[k] for k in HEADLINE]),
        "groups": charts.unit_groups(children, parts, [indicators[k] for k in HEADLINE])
        if org.kind == Kind.WORK_COMMITTEE
        else None,
        "children": children,
    }


def branch_report(branch, *, today=None):
    """The one-page health report of a branch (a constant number of queries)."""
    today = today or timezone.localdate()
    year = today.year
    checks_found = checks.run_checks([branch], today)[branch.pk]
    grid = branch_compliance(branch, year=year, today=today)
    term = (
        Term.objects.filter(branch=branch, status=Term.Status.ACTIVE)
        .annotate(deadline=deadline_expression(), renewal_status=F("renewal__status"))
        .first()
    )
    stage = with_stages([term], today=today)[0] if term else None
    root_id = dashboard_root().pk if branch.unit_id else None
    # A branch under a general branch (党总支) is compared with it too, before its unit.
    general_id = branch.parent_id if branch.parent.kind == Kind.GENERAL_BRANCH else None
    comparisons = [
        (key, org_id, label)
        for key, org_id, label in (
            ("branch", branch.pk, _("本支部")),
            ("general", general_id, _("本总支平均")),
            ("unit", branch.unit_id, _("本单位平均")),
            ("province", root_id, _("全省平均")),
        )
        if org_id
    ]
    orgs = [org_id for _key, org_id, _label in comparisons]
    rows = Snapshot.objects.filter(organization_id__in=orgs, year__in=[year - 1, year]).values_list(
        "organization_id", "indicator", "period_kind", "year", "period_no", "value"
    )
    found: defaultdict[tuple[int | None, str], dict[Period, float | None]] = defaultdict(dict)
    for org_id, key, kind, y, number, value in rows:
        found[(org_id, key)][Period(y, kind, number)] = value
    # Latest year with a branch score; compare its dimensions with the general branch (if any),
    # the unit and the province.
    score_years = sorted((p.year for p in found.get((branch.pk, "score_mean"), {})), reverse=True)
    score_year = score_years[0] if score_years else None
    indicators = {i.key: i for i in registry.all_indicators()}
    dims = []
    if score_year:
        period = Period(score_year, YEAR)
        for code in DIMENSION_CODES:
            key = f"dim_{code}"
            dims.append(
                {
                    "label": indicators[key].label,
                    "values": [found.get((org_id, key), {}).get(period) for _k, org_id, _l in comparisons],
                }
            )

    def latest(org_id, key):
        by_period = found.get((org_id, key), {})
        if not by_period:
            return None, None
        period = max(by_period, key=lambda p: (p.year, p.kind == YEAR, p.number))
        return by_period[period], period

    quarters = [Period(year, QUARTER, q) for q in range(1, 5) if Period(year, QUARTER, q).start <= today]
    on_time = found.get((branch.pk, "report_on_time"), {})
    feature_rows = []
    for key in ("training_coverage", "appraisal_good_share", "reliability_gap", "rectification_closure"):
        value, period = latest(branch.pk, key)
        feature_rows.append({"indicator": indicators[key], "value": value, "period": period})
    Status = RectificationItem.Status
    rectifications = RectificationItem.objects.filter(organization=branch).aggregate(
        open=Count("pk", filter=~Q(status=Status.VERIFIED)),
        overdue=Count("pk", filter=Q(status__in=RectificationItem.OPEN_STATUSES, deadline__lt=today)),
        total=Count("pk"),
    )
    return {
        "year": year,
        "rectifications": rectifications,
        "checks": checks_found,
        "failing_checks": checks.failing(checks_found),
        "grid": grid,
        "term": term,
        "stage": stage,
        "score_year": score_year,
        "score": found.get((branch.pk, "score_mean"), {}).get(Period(score_year, YEAR))
        if score_year
        else None,
        "dims": dims,
        "comparisons": [{"key": key, "label": label} for key, _org_id, label in comparisons],
        "general_compared": general_id is not None,
        "dim_svg": charts.dimension_bars(dims, [key for key, _org_id, _label in comparisons]),
        "report_quarters": [{"period": q, "value": on_time.get(q)} for q in quarters],
        "report_year": on_time.get(Period(year, YEAR)),
        "features": feature_rows,
    }


def visible_unit_ids(user):
    return set(
        Organization.objects.filter(
            permissions.scope_q(user, Action.VIEW), kind=Kind.UNIT_COMMITTEE
        ).values_list("pk", flat=True)
    )


def no_data_label():
    return _("暂无数据")


def targets_of_year(year):
    """Every indicator with its target for ``year`` (or None), in registry order (1 query)."""
    found = {t.indicator: t for t in Target.objects.filter(year=year).select_related("updated_by")}
    return [{"indicator": i, "target": found.get(i.key)} for i in registry.all_indicators()]


def target_history(indicator, year, limit=50):
    """Who set or changed the target of ``indicator`` for ``year``, newest first (1 query)."""
    return list(
        Target.history.filter(indicator=indicator, year=year)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
