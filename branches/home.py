"""Home-page panels contributed by each feature.

A panel is a function ``(request) -> (template_name, context) | None``. Features register
theirs with ``@home_panel(order)`` in a module imported by their AppConfig.ready, so the
home view needs to know none of them and ``branches`` never imports ``assessments``.
"""

_PANELS = []


def home_panel(order):
    def register(func):
        _PANELS.append((order, func))
        _PANELS.sort(key=lambda item: item[0])
        return func

    return register


def panels_for(request):
    rendered = []
    for _order, func in _PANELS:
        panel = func(request)
        if panel is not None:
            rendered.append(panel)
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
