"""What every browser journey shares: logging in as a persona and screenshots.

Screenshots go to pytest-playwright's output folder (``--output``, default ``test-results/``),
one sub-folder per test, so a run leaves them next to its traces and nothing is written to an
absolute path.
"""

from pathlib import Path

import pytest

from tests.factories import DEFAULT_PASSWORD


@pytest.fixture
def login(live_server):
    """``login(page, user_or_username, next_url="/")`` signs in through the login form (with the
    factories' password unless ``password`` is given, e.g. the demo users')."""

    def sign_in(page, user, next_url="/", *, password=DEFAULT_PASSWORD):
        username = getattr(user, "username", user)
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return sign_in


@pytest.fixture
def new_page(browser, browser_context_args, login):
    """A page in a fresh browser context signed in as ``user`` (two people side by side)."""

    def open_as(user, next_url="/"):
        page = browser.new_context(**browser_context_args).new_page()
        return login(page, user, next_url)

    return open_as


@pytest.fixture
def shot(output_path):
    """``shot(page, name)`` saves a full-page screenshot under this test's output folder."""

    def save(page, name, *, full_page=True):
        page.screenshot(path=str(Path(output_path) / f"{name}.png"), full_page=full_page)

    return save
