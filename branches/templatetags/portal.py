from django import template
from django.utils.translation import gettext_lazy as _

from branches import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (keeps filters when paging)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.simple_tag
def can_on(user, action, organization):
    return permissions.can(user, permissions.Action(action), organization)


SEVERITY_BADGES = {
    "error": ("bg-danger", _("错误")),
    "warning": ("bg-warning text-dark", _("警告")),
    "info": ("bg-info text-dark", _("提示")),
}


@register.inclusion_tag("includes/_severity_badge.html")
def severity_badge(severity):
    css, label = SEVERITY_BADGES[severity]
    return {"css": css, "label": label}


@register.filter
def minutes(duration):
    """Whole minutes of a timedelta (e.g. the login lockout's cool-off), rounded up."""
    if not duration:
        return 0
    return max(1, -(-int(duration.total_seconds()) // 60))


@register.filter
def localized_name(obj):
    """An edition part's name in the active language (editions store ``name_en``)."""
    from django.utils.translation import get_language

    english = getattr(obj, "name_en", "")
    if english and (get_language() or "").startswith("en"):
        return english
    return getattr(obj, "name", obj)


@register.filter
def label(value):
    """A stored Chinese term (a tier name such as 优秀) in the active language."""
    from django.utils.translation import gettext

    return gettext(str(value)) if value else value


# Stored explanations built from a message and a reason that is itself a message.
_COMPOSITE_HINTS = (("不适用：", "不适用：%(why)s", "why"),)


@register.filter
def hint(value):
    """A stored rule or criterion explanation (saved in Chinese) in the active language.

    Whole messages are translated as they are; "不适用：<reason>" is translated part by part.
    Texts with figures in them (e.g. "3/4 个月…") are shown as stored.
    """
    from django.utils.translation import gettext

    if not value:
        return value
    text = str(value)
    translated = gettext(text)
    if translated != text:
        return translated
    for prefix, message, name in _COMPOSITE_HINTS:
        if text.startswith(prefix):
            return gettext(message) % {name: gettext(text[len(prefix) :])}
    return text


@register.filter
def page_range(paginator, number):
    """Page numbers around ``number`` with ellipses (first and last pages always shown)."""
    return paginator.get_elided_page_range(number, on_each_side=2, on_ends=1)
