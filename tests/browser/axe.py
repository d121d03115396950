"""axe-core (vendored, no network) run inside the page under test."""

from pathlib import Path

from django.conf import settings

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"


def serious_axe_violations(page):
    """(rule id, offending HTML snippets) for every serious or critical violation on the page."""
    # Loaded by URL from the portal's own static files: the Content-Security-Policy allows
    # scripts from 'self' only, so injecting the file's text inline would be blocked.
    assert AXE.exists()
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    result = page.evaluate("async () => await axe.run()")
    return [
        (violation["id"], [node["html"][:160] for node in violation["nodes"]])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def assert_no_serious_axe_violations(page):
    violations = serious_axe_violations(page)
    assert violations == [], f"axe-core on {page.url}: {violations}"
