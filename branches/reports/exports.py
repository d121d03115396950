"""Excel export of a month's reports with Chinese headers (through branches.xlsx)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from ..xlsx import xlsx_response


def reports_response(reports, *, month):
    """The month's reports as a download; rows stream (a province's month stays small)."""
    headers = [
        _("单位"),
        _("党支部"),
        _("月份"),
        _("状态"),
        _("首次报送时间"),
        _("逾期"),
        _("活动次数"),
        _("正式党员出席率"),
        _("应缴人数"),
        _("实缴人数"),
        _("收缴金额（元）"),
        _("人均学习学时"),
        _("审核人"),
        _("审核意见"),
    ]

    def rows():
        for report in reports.iterator(chunk_size=500):
            snapshot = report.snapshot or {}
            rate = snapshot.get("attendance_rate_full")
            submitted = report.first_submitted_at
            yield [
                report.branch.unit.name if report.branch.unit else "",
                report.branch.name,
                f"{report.month:%Y-%m}",
                report.get_status_display(),
                timezone.localtime(submitted).strftime("%Y-%m-%d %H:%M") if submitted else "",
                _("是") if report.is_late else _("否"),
                len(snapshot.get("activities", [])),
                f"{rate:.0%}" if rate is not None else "",
                report.dues_members_due,
                report.dues_members_paid,
                float(report.dues_amount) if report.dues_amount is not None else None,
                float(report.study_hours) if report.study_hours is not None else None,
                str(report.reviewed_by) if report.reviewed_by else "",
                report.review_comment,
            ]

    return xlsx_response(
        f"monthly-reports-{month:%Y-%m}.xlsx",
        title=f"{month:%Y-%m}",
        headers=headers,
        rows=rows(),
        widths=(20, 24, 9, 10, 17, 6, 8, 12, 8, 8, 12, 10, 10, 30),
    )
