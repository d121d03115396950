"""Excel export of the supervision list (Chinese headers, one row per branch)."""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font


def supervision_workbook(rows):
    """Bytes of an .xlsx with the given TermView rows (``supervision_deadline`` set on each)."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("换届督办名单")
    headers = [
        _("党支部"),
        _("所属单位"),
        _("任期届满"),
        _("换届期限"),
        _("状态"),
        _("超期天数"),
        _("换届进度"),
        _("督办整改期限"),
        _("最近提醒"),
        _("书记签收"),
    ]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        term = row.term
        progress = term.renewal.get_status_display() if term.renewal_status else _("未启动")
        sheet.append(
            [
                term.branch.name,
                term.branch.unit.name if term.branch.unit_id else "",
                term.ends_on,
                row.facts.deadline,
                str(row.state_label),
                max(row.overdue_days, 0),
                progress,
                row.supervision_deadline,
                str(row.last_reminder),
                str({True: _("已签收"), False: _("待签收")}.get(row.acknowledged, "")),
            ]
        )
    for column, width in zip("ABCDEFGHIJ", (36, 30, 12, 12, 10, 10, 16, 14, 14, 10), strict=True):
        sheet.column_dimensions[column].width = width
    for cells in sheet.iter_rows(min_row=2, min_col=3, max_col=4):
        for cell in cells:
            cell.number_format = "yyyy-mm-dd"
    sheet.cell(row=1, column=8).number_format = "yyyy-mm-dd"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
