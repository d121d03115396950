"""Small request helpers shared by every view: safe redirects and safe parameter parsing."""

from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, value, fallback):
    """``value`` if it is a local URL of this site (same host, same scheme), else ``fallback``.

    Every ``next``/``back`` style parameter goes through here so that a crafted link can never
    send a user to another site after a form post.
    """
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return resolve_url(fallback)


def redirect_back(request, fallback, *, field="back"):
    """Redirect to the POSTed (or GET) ``field`` when it is safe, else to ``fallback``."""
    value = request.POST.get(field) or request.GET.get(field)
    return redirect(safe_next(request, value, fallback))


def int_or_none(value):
    """An integer parsed from user input, or None for anything that is not a plain integer."""
    if value is None:
        return None
    try:
        text = str(value).strip()
        if not text or len(text) > 18 or "\x00" in text:
            return None
        return int(text)
    except (TypeError, ValueError):
        return None


def version_from(request, field="version"):
    """The edit version a form was drawn at; -1 (never current) when missing or malformed, so a
    tampered value is answered with the normal "changed by someone else" message, not a 500."""
    value = int_or_none(request.POST.get(field))
    return -1 if value is None else value
