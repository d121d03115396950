"""The portal runs on closed networks: templates load nothing from outside hosts."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)


def test_templates_reference_no_external_assets():
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if not path.parent.name == "emails" and EXTERNAL.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_vendored_assets_exist():
    static = TEMPLATES.parent / "static" / "vendor"
    for asset in ("bootstrap/bootstrap.min.css", "bootstrap/bootstrap.bundle.min.js", "htmx/htmx.min.js"):
        assert (static / asset).stat().st_size > 10_000, asset
