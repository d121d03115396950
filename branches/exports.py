"""Roster export to Excel (branches.xlsx), streamed row by row from one query."""

from django.utils.translation import gettext as _

from .xlsx import xlsx_response

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


def roster_response(members, *, title):
    """The roster download; ``members`` must select_related branch, cell and branch__unit."""
    rows = (
        roster_row(index, member) for index, member in enumerate(members.iterator(chunk_size=2000), start=1)
    )
    return xlsx_response(
        f"{title}.xlsx",
        title=_("党员名册"),
        headers=roster_headers(),
        rows=rows,
        widths=COLUMN_WIDTHS,
        preamble=[[title]],
    )
