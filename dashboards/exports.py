"""Excel export of a dashboard through the shared helper (branches.xlsx): one sheet holding
the KPI table, every chart's table and the heat map, one block after the other."""

from django.utils.translation import gettext as _

from branches.xlsx import xlsx_response


def _blocks(data):
    yield [_("主要指标")]
    yield [
        _("指标"),
        _("单位"),
        str(data["year"]),
        str(data["year"] - 1),
        _("变化"),
        _("目标"),
        _("是否达标"),
    ]
    for k in data["kpis"]:
        target = None
        if k.target:
            target = k.target.value if k.target.value is not None else str(k.target.get_kind_display())
        met = None if k.target_met is None else (_("达标") if k.target_met else _("未达标"))
        yield [str(k.indicator.label), str(k.indicator.unit), k.value, k.previous, k.change, target, met]
    for chart in data["charts"]:
        yield []
        yield [chart["title"] + (f"（{chart['unit']}）" if chart["unit"] else "")]
        if chart["empty"]:
            yield [_("暂无数据")]
            continue
        yield [_("维度") if chart["id"] == "dimensions" else _("期间")] + [s["name"] for s in chart["series"]]
        for i, category in enumerate(chart["categories"]):
            yield [category] + [s["data"][i] for s in chart["series"]]
    heat = data["heatmap"]
    yield []
    yield [_("单位指标热力图")]
    yield [_("组织")] + [str(c.label) for c in heat["columns"]]
    for row in heat["rows"]:
        yield [row["org"]["name"]] + [cell["value"] for cell in row["cells"]]


def dashboard_response(org, data):
    title = _("%(org)s %(year)d年党建质量指标") % {"org": org.name, "year": data["year"]}
    return xlsx_response(
        f"{org.name}-{data['year']}-党建质量指标.xlsx",
        title=_("党建质量指标"),
        preamble=[[title]],
        headers=[],
        rows=_blocks(data),
        widths=(30, 14, 14, 14, 14, 14, 14),
    )
