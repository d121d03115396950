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
