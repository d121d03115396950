"""Notice types of the rectification tracker (rendered in the viewer's language)."""

from django.utils.translation import gettext, gettext_noop

from notifications.registry import register_notice_type

from ..models import SourceKind


def render_assigned(params):
    title = gettext("【整改通知】%(branch)s有一项%(source)s整改事项，期限%(deadline)s") % {
        **params,
        "source": SourceKind(params["source"]).label,
    }
    return title, ""


def render_reminder(params):
    if params["stage"] == "due":
        return gettext(
            "【整改到期】%(branch)s的整改事项已到期限%(deadline)s，请尽快提交整改情况"
        ) % params, ""
    return gettext("【整改提醒】%(branch)s的整改事项将于%(deadline)s到期") % params, ""


register_notice_type("rectification_assigned", render=render_assigned)
register_notice_type("rectification_reminder", render=render_reminder)
register_notice_type(
    "rectification_returned",
    title=gettext_noop("%(branch)s的整改事项已退回，请继续整改"),
    body="%(comment)s",
)
register_notice_type("rectification_verified", title=gettext_noop("%(branch)s的整改事项已核验销号"))
