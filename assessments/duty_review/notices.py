"""Notice types of 述职评议 (rendered at display time in the viewer's language)."""

from django.utils.translation import gettext_noop

from notifications.registry import register_notice_type

register_notice_type(
    "duty_review_opened",
    title=gettext_noop("%(year)s 年度述职评议已开启，请于 %(due)s 前提交述职报告"),
    body=gettext_noop("组织评议：%(org)s"),
)
register_notice_type(
    "duty_review_returned",
    title=gettext_noop("%(year)s 年度述职报告已退回"),
    body=gettext_noop("退回意见：%(comment)s"),
)
register_notice_type(
    "duty_review_ballot",
    title=gettext_noop("请参加 %(year)s 年度述职评议测评"),
    body=gettext_noop("组织评议：%(org)s。每张测评票只能投一次，投票匿名。"),
)
register_notice_type("duty_review_result", title=gettext_noop("%(year)s 年度述职评议结果已发布"), body="")
register_notice_type(
    "duty_review_reminder_before",
    title=gettext_noop("述职报告将于 %(due)s 截止，请按时提交"),
    body="",
)
register_notice_type("duty_review_reminder_due", title=gettext_noop("述职报告今天截止，请尽快提交"), body="")
