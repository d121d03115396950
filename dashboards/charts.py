"""Chart specifications: one structure feeds the ECharts chart, its table and the Excel sheet,
so the chart's numbers and the table's numbers are the same by construction."""

from django.utils.translation import gettext as _

from . import registry
from .indicators import DIMENSION_CODES, TIER_ORDER
from .periods import QUARTER, YEAR, Period


def _round(value):
    return None if value is None else round(value, 1)


def _text(value):
    """A table cell: one decimal, "—" for no data (formatted here: template filters are slow
    over thousands of cells)."""
    return "—" if value is None else f"{value:.1f}"


def _spec(chart_id, title, categories, series, *, unit="%", kind="bar", stack=False, source=""):
    data_present = any(v is not None for s in series for v in s["data"])
    rounded = [[_round(v) for v in s["data"]] for s in series]
    return {
        "id": chart_id,
        "title": str(title),
        "kind": kind,
        "stack": stack,
        "unit": str(unit),
        # Rates run 0–100 whatever the data: an axis fitted to a few small or zero values would
        # read as 0–1 "%".
        "percent": unit == "%",
        "categories": [str(c) for c in categories],
        "series": [
            {"name": str(s["name"]), "key": s.get("key", ""), "data": data}
            for s, data in zip(series, rounded, strict=True)
        ],
        # The table under the chart: one row per category, one column per series (same numbers).
        "rows": [[str(c)] + [_text(data[i]) for data in rounded] for i, c in enumerate(categories)],
        "empty": not data_present,
        "source": str(source),
    }


def _by_year(series, indicators, keys, years, **options):
    periods = [Period(y, YEAR) for y in years]
    return (
        [p.label for p in periods],
        [
            {"name": indicators[k].label, "key": k, "data": [series.get(k, {}).get(p.key) for p in periods]}
            for k in keys
        ],
    )


def _by_quarter(series, indicators, keys, years):
    periods = [Period(y, QUARTER, q) for y in years for q in range(1, 5)]
    return (
        [p.label for p in periods],
        [
            {"name": indicators[k].label, "key": k, "data": [series.get(k, {}).get(p.key) for p in periods]}
            for k in keys
        ],
    )


def build(series, years, indicators):
    """The dashboard's charts for one organization over ``years``."""
    charts = []
    cats, rows = _by_year(series, indicators, [f"tier_{c}" for c in TIER_ORDER], years)
    charts.append(_spec("tiers", _("各等次支部占比（年度）"), cats, rows, stack=True, source=_("标准化评审")))
    cats, rows = _by_year(series, indicators, ["score_mean", "score_median", "score_p10"], years)
    charts.append(
        _spec("scores", _("平均分、中位数与第10百分位（年度）"), cats, rows, unit=_("分"), kind="line")
    )
    dim_keys = [f"dim_{c}" for c in DIMENSION_CODES]
    dim_rows = [
        {
            "name": Period(y, YEAR).label,
            "key": str(y),
            "data": [series.get(k, {}).get(Period(y, YEAR).key) for k in dim_keys],
        }
        for y in years
    ]
    charts.append(
        _spec("dimensions", _("各维度得分率（年度）"), [indicators[k].label for k in dim_keys], dim_rows)
    )
    cats, rows = _by_quarter(series, indicators, ["report_on_time", "report_returned"], years)
    charts.append(_spec("reports", _("月报按时报送率（季度）"), cats, rows, kind="line"))
    cats, rows = _by_quarter(series, indicators, ["life_compliance"], years)
    charts.append(_spec("life", _("组织生活合规率（季度）"), cats, rows, kind="line"))
    cats, rows = _by_quarter(
        series, indicators, ["renewal_overdue", "renewal_overdue_12m", "renewal_postponed"], years
    )
    charts.append(_spec("renewal", _("换届健康度（季度末）"), cats, rows, unit=_("个")))
    for key, per_quarter in (
        ("training_coverage", False),
        ("lagging_conversion", False),
        ("rectification_closure", True),
        ("reliability_gap", False),
    ):
        indicator = indicators[key]
        cats, rows = (_by_quarter if per_quarter else _by_year)(series, indicators, [key], years)
        charts.append(
            _spec(key, indicator.label, cats, rows, unit=indicator.unit, kind="line", source=indicator.source)
        )
    return charts


def heatmap(children, values, indicators):
    """Rows of (child, cells): each cell carries its value and a 0–4 shade, 4 = best in column.

    Children of different kinds (a unit's general branches beside its own branches) are shaded
    among their own kind: a general branch's roll-up is not ranked against single branches."""
    shades = {}
    kinds: dict[str, list] = {}
    for child in children:
        kinds.setdefault(child.get("kind", ""), []).append(child)
    for peers in kinds.values():
        for indicator in indicators:
            column = sorted(
                {values[c["pk"]][indicator.key] for c in peers if indicator.key in values[c["pk"]]}
            )
            if len(column) < 2:
                continue
            position = {v: i for i, v in enumerate(column)}
            for child in peers:
                value = values[child["pk"]].get(indicator.key)
                if value is None:
                    continue
                rank = position[value] / (len(column) - 1)
                if indicator.direction == registry.LOWER:
                    rank = 1 - rank
                shades[(child["pk"], indicator.key)] = min(4, int(rank * 5))
    return {
        "columns": indicators,
        "rows": [
            {
                "org": child,
                "cells": [
                    {
                        "value": _round(values[child["pk"]].get(i.key)),
                        "text": _text(values[child["pk"]].get(i.key)),
                        "shade": shades.get((child["pk"], i.key), 2),
                    }
                    for i in indicators
                ],
            }
            for child in children
        ],
    }


BAR_COLORS = {"branch": "#b22222", "general": "#2f6db5", "unit": "#d9822b", "province": "#6c757d"}


def dimension_bars(dims, keys):
    """Geometry of a small horizontal bar chart drawn as SVG by the template (no script, so it
    also prints and renders in the PDF): per dimension one bar per compared organization."""
    bars, top = [], 0
    for dim in dims:
        group = []
        for offset, (key, value) in enumerate(zip(keys, dim["values"], strict=True)):
            group.append(
                {
                    "key": key,
                    "color": BAR_COLORS[key],
                    "y": top + offset * 9,
                    "width": 0 if value is None else round(2.2 * value, 1),
                    "value": _round(value),
                }
            )
        bars.append({"label": dim["label"], "y": top + 14, "bars": group})
        top += 7 + 9 * len(keys)
    return {"height": top, "groups": bars}


def unit_groups(units, parts, indicators):
    """Indicators per unit group (the units' category), rolled up from the unit snapshots:
    ratios as Σnum/Σden, sums as Σ, means weighted by their branches; a median or percentile
    cannot be rolled up and shows as no data."""
    from branches.models import Organization

    by_group = {}
    for unit in units:
        by_group.setdefault(unit["category"], []).append(unit["pk"])
    labels = dict(Organization.Category.choices)
    rows = []
    for category, members in sorted(by_group.items(), key=lambda item: str(labels.get(item[0], item[0]))):
        cells = []
        for indicator in indicators:
            found = [parts[m][indicator.key] for m in members if indicator.key in parts[m]]
            value = None
            if found and indicator.aggregation == registry.RATIO:
                den = sum(d or 0 for _v, _n, d, _s in found)
                value = 100.0 * sum(n or 0 for _v, n, _d, _s in found) / den if den else None
            elif found and indicator.aggregation == registry.SUM:
                value = sum(v for v, _n, _d, _s in found)
            elif found and indicator.aggregation == registry.MEAN:
                weight = sum(s for _v, _n, _d, s in found)
                value = sum(v * s for v, _n, _d, s in found) / weight if weight else None
            cells.append(_text(value))
        rows.append({"label": str(labels.get(category, category)), "units": len(members), "cells": cells})
    return {"columns": indicators, "rows": rows}
