"""Run axe-core (vendored in static/vendor/axe-core) in a Playwright page.

    from tests.browser.axe import assert_no_serious_axe_violations
    page.goto(url)
    assert_no_serious_axe_violations(page)

The script is evaluated through the DevTools protocol, so the portal's Content-Security-Policy
does not have to allow it.
"""

from functools import cache
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


@cache
def _axe_source():
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page, impacts=BLOCKING_IMPACTS, context=None):
    """axe's violations of the given impacts on the current page (list of axe result dicts)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source() + "\n;undefined")
    result = page.evaluate(
        "async (context) => await window.axe.run(context || document, {resultTypes: ['violations']})",
        context,
    )
    return [v for v in result["violations"] if v["impact"] in impacts]


def format_violations(violations):
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(
                f"    {' '.join(map(str, node['target']))}: {node['failureSummary'].splitlines()[-1]}"
            )
    return "\n".join(lines)


def assert_no_serious_axe_violations(page, label=""):
    violations = axe_violations(page)
    assert not violations, f"axe on {label or page.url}:\n{format_violations(violations)}"
