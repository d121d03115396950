"""The working committee's annual report as a Word document (python-docx): the year's
indicators against last year and the targets, every chart's table, and the units that
improved and declined most. Every chart is a picture drawn on the server (``chart_images``,
matplotlib) followed by its table of the same numbers."""

from io import BytesIO

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from . import chart_images
from .models import Snapshot
from .periods import YEAR

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _fmt(value, unit=""):
    if value is None:
        return _("暂无数据")
    return f"{value:.1f}{unit}"


def _table(document, headers, rows):
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = str(text)
    return table


def _picture(document, chart):
    """The chart as a picture (with its title as alternative text); nothing if it cannot be drawn."""
    png = chart_images.render(chart)
    if png is None:
        return None
    shape = document.add_picture(BytesIO(png), width=Cm(16))
    shape._inline.docPr.set("descr", chart["title"])  # alt text for screen readers
    paragraph = document.paragraphs[-1]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.keep_with_next = True  # the picture stays on the page of its table
    return shape


def movers(org_children, year, key="score_mean", limit=5):
    """(improved, declined): children with the largest rise / fall of ``key`` from last year."""
    values = {}
    for org_id, y, value in Snapshot.objects.filter(
        organization_id__in=[c["pk"] for c in org_children],
        period_kind=YEAR,
        year__in=[year - 1, year],
        indicator=key,
    ).values_list("organization_id", "year", "value"):
        values[(org_id, y)] = value
    changes = []
    for child in org_children:
        now, before = values.get((child["pk"], year)), values.get((child["pk"], year - 1))
        if now is not None and before is not None:
            changes.append((now - before, child["name"], before, now))
    changes.sort()
    improved = [c for c in reversed(changes) if c[0] > 0][:limit]
    declined = [c for c in changes if c[0] < 0][:limit]
    return improved, declined


def annual_document(org, data):
    year = data["year"]
    document = Document()
    style = document.styles["Normal"]
    style.font.size = Pt(10.5)
    title = document.add_heading(
        _("%(org)s %(year)d年度党支部建设质量报告") % {"org": org.name, "year": year}, 0
    )
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(
        _(
            "本报告依据指标快照生成：各项指标按年度和季度计算，与上年同期比较，并对照年度目标。“暂无数据”表示相应功能尚未产生数据。"
        )
    )
    document.add_heading(_("一、主要指标"), 1)
    rows = []
    for k in data["kpis"]:
        unit = str(k.indicator.unit)
        change = k.change
        arrow = "" if change is None else ("↑" if change > 0 else "↓" if change < 0 else "→")
        met = "" if k.target_met is None else (_("达标") if k.target_met else _("未达标"))
        rows.append(
            [
                k.indicator.label,
                _fmt(k.value, unit),
                _fmt(k.previous, unit),
                "" if change is None else f"{arrow} {change:+.1f}",
                met,
            ]
        )
    _table(document, [_("指标"), str(year), str(year - 1), _("同比变化"), _("目标")], rows)
    # The charts start on a new page (LibreOffice does not keep a heading with the picture after it).
    document.add_heading(_("二、分项统计"), 1).paragraph_format.page_break_before = True
    for chart in data["charts"]:
        document.add_heading(chart["title"], 2).paragraph_format.keep_with_next = True
        if chart["empty"]:
            document.add_paragraph(_("暂无数据") + (f"（{chart['source']}）" if chart["source"] else ""))
            continue
        _picture(document, chart)
        _table(
            document,
            [_("维度") if chart["id"] == "dimensions" else _("期间")] + [s["name"] for s in chart["series"]],
            [
                [c] + [_fmt(s["data"][i]) for s in chart["series"]]
                for i, c in enumerate(chart["categories"])
                if any(s["data"][i] is not None for s in chart["series"])
            ],
        )
    document.add_heading(_("三、进步与退步的单位（平均得分同比）"), 1)
    improved, declined = movers(data["children"], year)
    for heading, group in ((_("进步较大"), improved), (_("有所退步"), declined)):
        document.add_heading(heading, 2)
        if not group:
            document.add_paragraph(_("暂无数据"))
            continue
        _table(
            document,
            [_("单位"), str(year - 1), str(year), _("变化")],
            [[name, _fmt(before), _fmt(now), f"{change:+.1f}"] for change, name, before, now in group],
        )
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
