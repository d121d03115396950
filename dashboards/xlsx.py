"""Excel export of the dashboard (every chart's table, the KPI table and the heat map).

Kept in this one small module until the shared export helper lands (API.md); then the
workbook is written through it.
"""

from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    """Numbers stay numbers; text that a spreadsheet would run as a formula is quoted."""
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _sheet(workbook, title, headers, rows):
    sheet = workbook.create_sheet(title=_safe(title)[:31].replace("/", "-"))
    sheet.append([_safe(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe(v) for v in row])
    sheet.column_dimensions["A"].width = 28


def dashboard_workbook(org, data):
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(
        workbook,
        _("主要指标"),
        [_("指标"), _("单位"), str(data["year"]), str(data["year"] - 1), _("变化"), _("目标"), _("是否达标")],
        [
            [
                str(k.indicator.label),
                str(k.indicator.unit),
                k.value,
                k.previous,
                k.change,
                k.target.value
                if k.target and k.target.value is not None
                else (str(k.target.get_kind_display()) if k.target else None),
                None if k.target_met is None else (_("达标") if k.target_met else _("未达标")),
            ]
            for k in data["kpis"]
        ],
    )
    for chart in data["charts"]:
        _sheet(
            workbook,
            chart["title"],
            [_("期间") if chart["id"] != "dimensions" else _("维度")] + [s["name"] for s in chart["series"]],
            [[c] + [s["data"][i] for s in chart["series"]] for i, c in enumerate(chart["categories"])],
        )
    heat = data["heatmap"]
    _sheet(
        workbook,
        _("单位指标热力图"),
        [_("组织")] + [str(c.label) for c in heat["columns"]],
        [[row["org"]["name"]] + [cell["value"] for cell in row["cells"]] for row in heat["rows"]],
    )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def response(content, filename):
    result = HttpResponse(content, content_type=XLSX)
    result["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return result
