"""Excel export of a cycle's ranked results through the shared helper (``branches.xlsx``)."""

from django.utils.translation import gettext as _

from branches.xlsx import xlsx_response


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
            str(report.get_status_display()),
            report.vote_count,
            report.composite,
            str(report.get_computed_grade_display()),
            str(report.get_grade_display()),
            report.override_reason,
        ]


def cycle_response(cycle, reports):
    return xlsx_response(
        f"述职评议结果_{cycle.year}_{cycle.organization.name}.xlsx",
        title=str(cycle.year),
        headers=cycle_headers(),
        rows=cycle_rows(reports),
        widths=(6, 28, 10, 10, 8, 10, 10, 10, 30),
    )
