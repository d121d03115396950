"""Roster export to Excel (branches.xlsx), streamed row by row from one query.

Rows come from ``values_list`` (no model objects) and every label (choices, 是/否) is
translated once per export, not once per cell: a province roster (65,837 members) is one
query and a tight loop. Large rosters run as export jobs (``branches/exportjobs``).
"""

from django.utils.translation import gettext as _

from .models import Member

COLUMN_WIDTHS = (6, 10, 6, 12, 12, 10, 12, 12, 12, 8, 24, 14, 20)
ROSTER_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "joined_on",
    "status",
    "full_since",
    "probation_ends_on",
    "is_leading_cadre",
    "state",
    "branch__name",
    "cell__name",
    "branch__unit__unit_name",
    "branch__unit__name",
)


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


def roster_rows(members):
    """The roster's rows from ``members`` (a Member queryset, ordered), labels resolved once."""
    genders = {value: str(label) for value, label in Member.Gender.choices}
    statuses = {value: str(label) for value, label in Member.Status.choices}
    states = {value: str(label) for value, label in Member.State.choices}
    yes_no = {True: _("是"), False: _("否")}
    rows = members.select_related(None).values_list(*ROSTER_FIELDS).iterator(chunk_size=2000)
    for index, row in enumerate(rows, start=1):
        (name, gender, born, joined, status, full, probation, cadre, state, branch, cell, unit_name, unit) = (
            row
        )
        yield [
            index,
            name,
            genders.get(gender, gender),
            born,
            joined,
            statuses.get(status, status),
            full,
            probation,
            yes_no[cadre],
            states.get(state, state),
            branch,
            cell or "",
            unit_name or unit or "",
        ]


def roster_sheet(members, *, title):
    """``xlsx_bytes`` arguments of the roster download."""
    return {
        "title": _("党员名册"),
        "headers": roster_headers(),
        "rows": roster_rows(members),
        "widths": COLUMN_WIDTHS,
        "preamble": [[title]],
    }
