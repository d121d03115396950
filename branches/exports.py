"""Roster export to Excel (openpyxl), streamed row by row from one query."""

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMN_WIDTHS = (6, 10, 6, 12, 12, 10, 12, 12, 12, 8, 24, 14, 20)


def roster_headers():
    return [
        _("序号"),
        _("姓名"),
        _("性别"),
        _("出生日期"),
        _("入党日期"),
        _("党员类别"),
        _("转正日期"),
        _("预备期满日期"),
        _("党员领导干部"),
        _("状态"),
        _("所在支部"),
        _("党小组"),
        _("所属单位"),
    ]


def roster_row(index, member):
    unit = member.branch.unit
    return [
        index,
        member.name,
        member.get_gender_display(),
        member.birth_date,
        member.joined_on,
        member.get_status_display(),
        member.full_since,
        member.probation_ends_on,
        _("是") if member.is_leading_cadre else _("否"),
        member.get_state_display(),
        member.branch.name,
        member.cell.name if member.cell else "",
        (unit.unit_name or unit.name) if unit else "",
    ]


def roster_workbook(members, *, title):
    """The roster as .xlsx bytes; ``members`` must select_related branch, cell and branch__unit."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("党员名册"))
    # Write-only sheets take column widths before the first row.
    for column, width in zip("ABCDEFGHIJKLM", COLUMN_WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append([_bold(sheet, title)])
    sheet.append([_bold(sheet, header) for header in roster_headers()])
    for index, member in enumerate(members.iterator(chunk_size=2000), start=1):
        sheet.append(roster_row(index, member))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bold(sheet, value):
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell
