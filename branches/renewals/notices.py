"""Notice types of the renewal engine (rendered at display time in the viewer's language)."""

from datetime import date

from django.template.loader import render_to_string
from django.utils.translation import gettext, gettext_noop

from notifications.registry import register_notice_type

from ..models import Postponement, RenewalStep

TERM_REMINDER_TITLES = {
    "first": gettext_noop("【换届提醒】%(branch)s任期将于%(deadline)s届满，请做好换届准备"),
    "second": gettext_noop("【二次提醒】%(branch)s任期将于%(deadline)s届满，尚未提交换届请示"),
    "urgent": gettext_noop("【紧急提醒】%(branch)s任期将于%(deadline)s届满，换届请示尚未批复"),
    "overdue": gettext_noop("【已届满】%(branch)s任期已于%(deadline)s届满，尚未完成换届"),
    "postponement_expired": gettext_noop("【延期届满】%(branch)s批准延期至%(deadline)s，仍未完成换届"),
    "supervision": gettext_noop("【督办通知】%(branch)s超期未换届，请限期报送整改方案"),
    "violation": gettext_noop("【违规】%(branch)s任期届满（%(ends_on)s）已超过一年仍未换届"),
}


def _date(value):
    return date.fromisoformat(value) if value else None


def render_term_reminder(params):
    title = gettext(TERM_REMINDER_TITLES[params["stage"]]) % params
    deadline = _date(params["deadline"])
    body = render_to_string(
        "emails/term_reminder_body.txt",
        {
            "reminder": {"stage": params["stage"], "deadline": _date(params.get("supervision_deadline"))},
            "term": {"elected_on": _date(params["elected_on"]), "ends_on": _date(params["ends_on"])},
            "branch": {"name": params["branch"]},
            "deadline": deadline,
        },
    ).strip()
    return title, body


def render_postponement_request(params):
    title = gettext("%(branch)s申请%(kind)s（至%(until)s），请审批") % {
        "branch": params["branch"],
        "kind": Postponement.Kind(params["kind"]).label,
        "until": params["until"],
    }
    return title, ""


register_notice_type("renewal_request_approved", title=gettext_noop("%(branch)s的换届请示已批复"))
register_notice_type(
    "renewal_request_returned", title=gettext_noop("%(branch)s的换届请示已退回"), body="%(reason)s"
)
register_notice_type("postponement_request", render=render_postponement_request)
register_notice_type("term_reminder", render=render_term_reminder)


def render_renewal_review(params):
    step = RenewalStep.Step(params["step"]).label
    return gettext("%(branch)s已办理“%(step)s”，请审批") % {"branch": params["branch"], "step": step}, ""


def render_postponement_decision(params):
    title = gettext("%(branch)s%(kind)s申请%(status)s") % {
        "branch": params["branch"],
        "kind": Postponement.Kind(params["kind"]).label,
        "status": Postponement.Status(params["status"]).label,
    }
    return title, params.get("note", "")


register_notice_type("renewal_review", render=render_renewal_review)
register_notice_type("postponement_decision", render=render_postponement_decision)
