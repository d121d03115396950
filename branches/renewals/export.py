"""Excel export of the supervision list (Chinese headers, one row per branch)."""

from django.utils.translation import gettext as _

from ..xlsx import xlsx_response


def supervision_response(rows, *, today):
    """The supervision list download (TermView rows with ``supervision_deadline`` set)."""
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

    def cells():
        for row in rows:
            term = row.term
            progress = term.renewal.get_status_display() if term.renewal_status else _("未启动")
            yield [
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

    return xlsx_response(
        f"supervision-{today:%Y%m%d}.xlsx",
        title=_("换届督办名单"),
        headers=headers,
        rows=cells(),
        widths=(36, 30, 12, 12, 10, 10, 16, 14, 14, 10),
    )
