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


# Sections of an organization's page contributed by upper-layer features (same pattern):
# ``(request, organization) -> (template_name, context) | None``.
_ORG_SECTIONS = []


def org_section(order):
    def register(func):
        _ORG_SECTIONS.append((order, func))
        _ORG_SECTIONS.sort(key=lambda item: item[0])
        return func

    return register


def org_sections_for(request, organization):
    rendered = []
    for _order, func in _ORG_SECTIONS:
        section = func(request, organization)
        if section is not None:
            rendered.append(section)
    return rendered
