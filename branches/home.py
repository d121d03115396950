"""Home-page panels contributed by each feature.

A panel is a function ``(request) -> (template_name, context) | None``. Features register
theirs with ``@home_panel(order)`` in a module imported by their AppConfig.ready, so the
home view needs to know none of them and ``branches`` never imports ``assessments``.

A panel registered with ``shared=True`` depends on nothing but a staff viewer's scope (its
counts over the branches they may see): staff with the same roles and grants share its result
for up to SHARED_SECONDS (a province-wide panel costs tens of milliseconds of SQL, and the whole
provincial committee opens the same home). A viewer's own change always shows at once: every
successful write request stamps the time (``note_write``, called by WriteStampMiddleware) and a
shared result computed before that stamp is computed again for them.
"""

import time

from django.core.cache import cache
from django.utils import timezone

from . import permissions

SHARED_SECONDS = 60

_PANELS = []


def home_panel(order, *, shared=False):
    def register(func):
        _PANELS.append((order, func, shared))
        _PANELS.sort(key=lambda item: item[0])
        return func

    return register


def _wrote_key(user):
    return f"home-wrote:{user.pk}"


def note_write(user):
    """``user`` just changed something: shared panels computed before now are stale for them."""
    cache.set(_wrote_key(user), time.time(), SHARED_SECONDS)


def panels_for(request):
    user = request.user
    keys = {}
    if permissions.is_staff_role(user):  # shared panels count over a staff scope; others show nothing
        prefix = f"home-panel:{timezone.localdate()}:{permissions.scope_signature(user)}:"
        keys = {
            func: f"{prefix}{func.__module__}.{func.__qualname__}"
            for _order, func, shared in _PANELS
            if shared
        }
    found = cache.get_many([*keys.values(), _wrote_key(user)]) if keys else {}
    wrote_at = found.get(_wrote_key(user), 0)
    started = time.time()
    rendered, computed = [], {}
    for _order, func, _shared in _PANELS:
        entry = found.get(keys.get(func))
        if entry is not None and entry[0] > wrote_at:
            panel = entry[1]
        else:
            panel = func(request)
            if func in keys:
                computed[keys[func]] = (started, panel)
        if panel is not None:
            rendered.append(panel)
    if computed:
        cache.set_many(computed, SHARED_SECONDS)
    return rendered


# Sections that upper-layer features add to an organization's page, same contract as home
# panels but ``(request, organization) -> (template_name, context) | None``.
_ORG_PANELS = []


def org_panel(order):
    def register(func):
        _ORG_PANELS.append((order, func))
        _ORG_PANELS.sort(key=lambda item: item[0])
        return func

    return register


def org_panels_for(request, organization):
    rendered = []
    for _order, func in _ORG_PANELS:
        panel = func(request, organization)
        if panel is not None:
            rendered.append(panel)
    return rendered
