"""Notice types of designations and follow-ups (rendered in the viewer's language)."""

from django.utils.translation import gettext, gettext_noop

from notifications.registry import register_notice_type

register_notice_type(
    "designation_nominated",
    title=gettext_noop("示范/试点推荐待审核：%(branch)s"),
    body=gettext_noop("%(unit)s 推荐 %(branch)s，请审核认定条件。"),
)


def render_designation_decided(params):
    result = gettext("已认定") if params["result"] == "approved" else gettext("未通过")
    title = gettext("示范/试点认定结果：%(branch)s") % {"branch": params["branch"]}
    return title, gettext("审核结果：%(result)s。%(note)s") % {
        "result": result,
        "note": params.get("note", ""),
    }


register_notice_type("designation_decided", render=render_designation_decided)
register_notice_type(
    "designation_revoked",
    title=gettext_noop("示范/试点认定已撤销：%(branch)s"),
    body=gettext_noop("撤销理由：%(reason)s"),
)
register_notice_type(
    "designation_expiring",
    title=gettext_noop("示范/试点认定到期复核：%(branch)s"),
    body=gettext_noop("认定有效期至 %(until)s，请复核。"),
)
register_notice_type(
    "follow_up_opened",
    title=gettext_noop("后进支部跟进：%(branch)s"),
    body=gettext_noop("联系点领导：%(leader)s；复评期限 %(due)s。"),
)


def render_follow_up_reminder(params):
    what = {
        "reassess_soon": gettext("复评即将到期"),
        "reassess_overdue": gettext("复评已逾期"),
        "plan_overdue": gettext("整改计划事项已逾期"),
    }.get(params["stage"], params["stage"])
    title = gettext("后进支部跟进提醒：%(branch)s") % {"branch": params["branch"]}
    return title, gettext("%(what)s（期限 %(due)s）。") % {"what": what, "due": params["due"]}


register_notice_type("follow_up_reminder", render=render_follow_up_reminder)
register_notice_type(
    "follow_up_closed",
    title=gettext_noop("后进支部跟进已销号：%(branch)s"),
    body=gettext_noop("复评类别：%(grade)s。"),
)
