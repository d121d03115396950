"""Journey: provincial staff open the quality dashboard (charts drawn, no console errors,
axe clean), drill into a unit, open a branch's health report and print it (A4).
Screenshots go to /work/helpers/shots/i16 (or $SHOTS_DIR)."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from assessments import default_edition
from assessments.models import Dimension, Edition, Item, Tier
from dashboards import services
from dashboards.periods import QUARTER, YEAR, Period
from tests.dashboards.conftest import YEAR as Y
from tests.dashboards.conftest import build_known_tree

SHOTS = Path(os.environ.get("SHOTS_DIR", "/work/helpers/shots/i16"))
AXE = Path(settings.BASE_DIR) / "static/vendor/axe-core/axe.min.js"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def known_tree(tree):
    # The transactional test database is flushed, so load the default edition again.
    return build_known_tree(tree, default_edition.load(Edition, Dimension, Item, Tier))


def shot(page, name, *, full_page=True):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def login(page, live_server, user, next_url="/"):
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw-123456")
    page.click("button[type=submit]")


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def test_dashboard_drill_down_and_health_report(live_server, page, known_tree, personas):
    services.build(
        [Period(Y, YEAR), Period(Y - 1, YEAR)] + [Period(Y, QUARTER, q) for q in range(1, 5)], rebuild=True
    )
    errors = []
    # A missing resource shows up as a console error without its URL; responses name it
    # (the browser's own /favicon.ico request is not the page's).
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    login(page, live_server, personas["provincial"], f"/dashboards/?year={Y}")
    page.wait_for_url("**/dashboards/org/**")
    expect(page.locator("h1")).to_contain_text("党建质量稳步提升看板")
    for chart_id in ("tiers", "scores", "dimensions", "reports", "life", "renewal"):
        chart = page.locator(f"#chart-{chart_id}")
        expect(chart).to_have_attribute("data-rendered", "1")
        expect(chart.locator("svg")).to_have_count(1)
    expect(page.locator('[data-chart-empty="training_coverage"]')).to_contain_text("暂无数据")
    shot(page, "01-province-dashboard")
    assert axe_violations(page) == []

    page.locator("#heatmap a.drill", has_text="甲厅机关党委").click()
    expect(page.locator("h1")).to_contain_text("甲厅机关党委")
    expect(page.locator("#heatmap")).to_contain_text("甲厅第一党支部")
    expect(page.locator("#heatmap")).not_to_contain_text("乙厅第一党支部")
    expect(page.locator("#chart-scores")).to_have_attribute("data-rendered", "1")
    shot(page, "02-unit-drill-down")
    assert axe_violations(page) == []

    page.locator("#heatmap a", has_text="甲厅第一党支部").click()
    expect(page.locator("h1")).to_contain_text("甲厅第一党支部 支部建设体检表")
    expect(page.locator("#dim-table")).to_contain_text("基本职责")
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    shot(page, "03-health-report-print", full_page=True)
    page.pdf(path=str(SHOTS / "03-health-report-print.pdf"), format="A4", print_background=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 1123 * 1.05  # one A4 page at 96 dpi (297 mm ≈ 1123 px)
    assert errors == []
