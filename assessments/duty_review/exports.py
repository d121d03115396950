"""Excel export of a cycle's results (ranked), with text cells made safe for spreadsheets.

To switch to the shared export helper once it lands (API.md): keep ``cycle_rows`` and hand
its rows to that helper.
"""

from io import BytesIO

from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value):
    """Text that a spreadsheet would run as a formula is prefixed with a quote (CSV injection)."""
    if value is None or isinstance(value, int | float):
        return value
    value = str(value)  # lazy translations (choice labels) become plain text
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def attachment_header(filename):
    return content_disposition_header(True, filename)


def cycle_headers():
    return [
        _("名次"),
        _("述职组织"),
        _("书记"),
        _("报告状态"),
        _("有效票数"),
        _("综合得分"),
        _("计算等次"),
        _("最终等次"),
        _("调整理由"),
    ]


def cycle_rows(reports):
    rank = 0
    for report in reports:
        has_result = report.composite is not None
        if has_result:
            rank += 1
        yield [
            rank if has_result else "",
            report.organization.name,
            report.secretary_name,
            report.get_status_display(),
            report.vote_count,
            float(report.composite) if has_result else None,
            report.get_computed_grade_display(),
            report.get_grade_display(),
            report.override_reason,
        ]


def cycle_workbook(cycle, reports):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(cycle.year))
    sheet.append(cycle_headers())
    for row in cycle_rows(reports):
        sheet.append([safe(value) for value in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
