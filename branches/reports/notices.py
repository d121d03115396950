"""Notice types of the monthly reports (rendered at display time in the viewer's language)."""

from django.utils.translation import gettext, gettext_noop

from notifications.registry import register_notice_type


def render_report_reminder(params):
    month = gettext("%(year)s年%(month)s月") % params
    values = {**params, "month": month}
    if params["stage"] == "overdue":
        return (
            gettext("%(branch)s %(month)s月度报告已逾期") % values,
            gettext("报告截止日期为 %(due)s，请尽快报送。") % values,
        )
    return (
        gettext("%(branch)s %(month)s月度报告即将到期") % values,
        gettext("请于 %(due)s 前报送月度报告。") % values,
    )


REVIEW_TITLES = {
    "report_returned": gettext_noop("%(branch)s %(month)s月度报告已退回"),
    "report_accepted": gettext_noop("%(branch)s %(month)s月度报告已通过"),
}


def render_report_review(kind):
    def render(params):
        values = {**params, "month": gettext("%(year)s年%(month)s月") % params}
        return gettext(REVIEW_TITLES[kind]) % values, params.get("comment", "")

    return render


register_notice_type("report_reminder", render=render_report_reminder)
for _kind in REVIEW_TITLES:
    register_notice_type(_kind, render=render_report_review(_kind))
