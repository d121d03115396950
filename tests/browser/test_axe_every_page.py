"""axe-core over every page each demo persona can reach: 0 serious/critical violations.

The pages are found by ``tests/crawl.py`` (the same crawl as the "GET never writes" and Nu HTML
checker tests), at most two URLs per URL pattern, then opened in Chromium as that persona.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from branches.demo import DEMO_PASSWORD
from branches.models import User
from tests.crawl import DEMO_PERSONAS, crawl

from .axe import axe_violations, format_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PER_PATTERN = 2


def reachable_pages(username):
    """HTML pages (200) the persona reaches from the home page, two per URL pattern."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    pages = []

    def keep(url, response, _writes):
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            pages.append(url)

    crawl(client, per_view=PER_PATTERN, limit=600, on_page=keep)
    return pages


@pytest.mark.parametrize("username", DEMO_PERSONAS)
def test_every_reachable_page_has_no_serious_or_critical_axe_violations(
    live_server, page, login, shot, username
):
    call_command("seed_demo", stdout=StringIO())
    pages = reachable_pages(username)
    assert len(pages) > 20
    login(page, username, password=DEMO_PASSWORD)
    failures = []
    for path in pages:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, f"{username} {path}: {response.status}"
        violations = axe_violations(page)
        if violations:
            failures.append(f"{username} {path}\n{format_violations(violations)}")
            print(failures[-1], flush=True)  # visible at once with -s on a long run
    shot(page, f"axe_every_{username}_last")
    assert not failures, f"{len(failures)} of {len(pages)} pages:\n" + "\n".join(failures)
