"""Notice types of the renewal engine (rendered at display time in the viewer's language)."""

from datetime import date
from functools import lru_cache

from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext, gettext_noop

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


BRANCH_MARK = "\ue000branch\ue001"


@lru_cache(maxsize=4096)
def _term_reminder_body(language, stage, deadline, supervision_deadline, elected_on, ends_on):
    """The reminder body with a marker for the branch name: terms sharing the stage and dates
    (many on a sweep's busy day) render the template once."""
    return render_to_string(
        "emails/term_reminder_body.txt",
        {
            "reminder": {"stage": stage, "deadline": _date(supervision_deadline)},
            "term": {"elected_on": _date(elected_on), "ends_on": _date(ends_on)},
            "branch": {"name": BRANCH_MARK},
            "deadline": _date(deadline),
        },
    ).strip()


@lru_cache(maxsize=256)
def _term_reminder_title(language, stage):
    # Cached per language: a sweep renders thousands of titles from seven templates.
    return gettext(TERM_REMINDER_TITLES[stage])


def render_term_reminder(params):
    language = get_language()
    title = _term_reminder_title(language, params["stage"]) % params
    body = _term_reminder_body(
        language,
        params["stage"],
        params["deadline"],
        params.get("supervision_deadline") or "",
        params["elected_on"],
        params["ends_on"],
    )
    return title, body.replace(BRANCH_MARK, params["branch"])


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
