"""Notice types of reviews (rendered at display time in the viewer's language)."""

from django.utils.translation import gettext

from notifications.registry import register_notice_type

from .models import Review, period_label


def _period(params):
    return period_label(params["period_kind"], params["year"], params["period_no"])


def render_review_returned(params):
    return gettext("支部自评已退回：%(p)s") % {"p": _period(params)}, params.get("comment", "")


def render_review_finalized(params):
    kind = Review.Kind(params["kind"]).label
    return gettext("%(kind)s已定稿：%(p)s") % {"kind": kind, "p": _period(params)}, ""


register_notice_type("review_returned", render=render_review_returned)
register_notice_type("review_finalized", render=render_review_finalized)
