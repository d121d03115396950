"""Content-Security-Policy with no inline script, Permissions-Policy, no caching of pages."""

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_pages_carry_csp_permissions_policy_and_no_store(personas, client_for):
    response = client_for(personas["secretary"]).get(reverse("branches:home"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert script_src.strip() == "'self'"
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_login_page_and_errors_carry_the_headers(client, db):
    for url in (reverse("login"), "/no-such-page/"):
        response = client.get(url)
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert response["Cache-Control"] == "private, no-store"


def test_no_template_has_inline_script_or_event_handler():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if "emails" in path.parts:
            continue  # mail bodies are not served by the portal
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
        if "javascript:" in text.lower():
            offenders.append(f"{path.relative_to(TEMPLATES)}: javascript: URL")
    assert not offenders, "inline script is blocked by the CSP; move it to static/js/:\n" + "\n".join(
        offenders
    )


def test_rendered_pages_have_no_inline_script(personas, client_for):
    client = client_for(personas["admin"])
    for url in (reverse("branches:home"), reverse("branches:org-tree"), reverse("admin:index")):
        html = client.get(url).content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_HANDLER.search(html), url
