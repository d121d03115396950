"""Journey: provincial staff open the quality dashboard (charts drawn, no console errors,
axe clean), drill into a unit, open a branch's health report and print it (A4)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments import default_edition
from assessments.models import Dimension, Edition, Item, Tier
from dashboards import services
from dashboards.periods import QUARTER, YEAR, Period
from tests.browser.axe import assert_no_serious_axe_violations
from tests.dashboards.conftest import YEAR as Y
from tests.dashboards.conftest import build_known_tree

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def known_tree(tree):
    # The transactional test database is flushed, so load the default edition again.
    return build_known_tree(tree, default_edition.load(Edition, Dimension, Item, Tier))


def watch_errors(page):
    """Console errors and failed responses (the browser's own /favicon.ico request aside; a
    missing resource shows in the console without its URL, so responses name it)."""
    errors = []
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None
        ),
    )
    return errors


def test_dashboard_drill_down_and_health_report(page, login, shot, output_path, known_tree, personas):
    services.build(
        [Period(Y, YEAR), Period(Y - 1, YEAR)] + [Period(Y, QUARTER, q) for q in range(1, 5)], rebuild=True
    )
    errors = watch_errors(page)
    login(page, personas["provincial"], f"/dashboards/?year={Y}")
    page.wait_for_url("**/dashboards/org/**")
    expect(page.locator("h1")).to_contain_text("党建质量稳步提升看板")
    for chart_id in ("tiers", "scores", "dimensions", "reports", "life", "renewal"):
        chart = page.locator(f"#chart-{chart_id}")
        expect(chart).to_have_attribute("data-rendered", "1")
        expect(chart.locator("svg")).to_have_count(1)
    expect(page.locator('[data-chart-empty="training_coverage"]')).to_contain_text("暂无数据")
    y_extent = "id => echarts.getInstanceByDom(document.getElementById(id)).getModel().getComponent('yAxis').axis.scale.getExtent()"
    assert page.evaluate(y_extent, "chart-reports") == [0, 100]  # a rate's axis is 0–100 %
    expect(page.locator("#unit-groups")).to_contain_text("党政机关")
    shot(page, "01-province-dashboard")
    assert_no_serious_axe_violations(page)

    page.locator("#heatmap a.drill", has_text="甲厅机关党委").click()
    expect(page.locator("h1")).to_contain_text("甲厅机关党委")
    expect(page.locator("#heatmap")).to_contain_text("甲厅第一党支部")
    expect(page.locator("#heatmap")).not_to_contain_text("乙厅第一党支部")
    expect(page.locator("#chart-scores")).to_have_attribute("data-rendered", "1")
    shot(page, "02-unit-drill-down")
    assert_no_serious_axe_violations(page)

    page.locator("#heatmap a", has_text="甲厅第一党支部").click()
    expect(page.locator("h1")).to_contain_text("甲厅第一党支部 支部建设体检表")
    expect(page.locator("#dim-table")).to_contain_text("基本职责")
    assert_no_serious_axe_violations(page)
    page.emulate_media(media="print")
    shot(page, "03-health-report-print")
    page.pdf(path=str(Path(output_path) / "03-health-report-print.pdf"), format="A4", print_background=True)
    assert page.evaluate("document.documentElement.scrollHeight") < 1123 * 1.05  # one A4 page (96 dpi)
    assert errors == []


def test_unit_drills_into_a_general_branch_then_a_branch(page, login, shot, known_tree, personas):
    """Unit staff: unit → general branch (党总支) → one of its branches' health report."""
    from assessments.models import Edition
    from branches.models import Organization
    from tests.dashboards.conftest import finalized_review
    from tests.factories import make_org

    Kind = Organization.Kind
    edition = Edition.objects.get()
    general = make_org("甲厅机关党总支", Kind.GENERAL_BRANCH, known_tree["unit_a"])
    for name, total in (("党总支第一支部", 90), ("党总支第二支部", 60)):
        finalized_review(make_org(name, Kind.BRANCH, general), edition, Y, total)
    services.build([Period(Y, YEAR), Period(Y - 1, YEAR), Period(Y, QUARTER, 2)], rebuild=True)
    errors = watch_errors(page)
    login(page, personas["unit_staff"], f"/dashboards/?year={Y}")
    page.wait_for_url("**/dashboards/org/**")
    expect(page.locator("h1")).to_contain_text("甲厅机关党委")
    heat = page.locator("#heatmap")
    expect(heat).to_contain_text("甲厅机关党总支")
    expect(heat).not_to_contain_text("党总支第一支部")  # under the general branch, one level down
    shot(page, "04-unit-with-general-branch")

    heat.locator("a.drill", has_text="甲厅机关党总支").click()
    expect(page.locator("h1")).to_contain_text("甲厅机关党总支")
    expect(page.locator(".breadcrumb")).to_contain_text("甲厅机关党委")
    expect(page.locator("#heatmap")).to_contain_text("党总支第二支部")
    expect(page.locator("#kpi-table tr[data-indicator=score_mean]")).to_contain_text("75.0分")
    chart = page.locator("#chart-scores")
    expect(chart).to_have_attribute("data-rendered", "1")
    expect(chart.locator("svg")).to_have_count(1)
    shot(page, "05-general-branch-dashboard")
    assert_no_serious_axe_violations(page)

    page.locator("#heatmap a", has_text="党总支第一支部").click()
    expect(page.locator("h1")).to_contain_text("党总支第一支部 支部建设体检表")
    expect(page.locator("#dim-table thead")).to_contain_text("本总支平均")
    shot(page, "06-health-report-under-general-branch")
    assert_no_serious_axe_violations(page)
    assert errors == []


def test_admin_sets_a_target_in_the_portal(page, login, shot, known_tree, personas):
    login(page, personas["admin"], f"/dashboards/targets/?year={Y}")
    expect(page.locator("h1")).to_contain_text(f"{Y} 年度目标")
    assert_no_serious_axe_violations(page)
    page.locator("#target-table tr[data-indicator=score_mean] a").click()
    page.get_by_label("达到目标值").check()
    page.fill("input[name=value]", "70")
    page.fill("input[name=note]", "平均分达到70分")
    page.locator("#target-form button[type=submit]").click()
    expect(page.locator("#target-table tr[data-indicator=score_mean]")).to_contain_text("70分")
    page.locator("#target-table tr[data-indicator=score_mean] a").click()
    expect(page.locator("#target-history")).to_contain_text("平均分达到70分")
    shot(page, "06-target-form-with-history")
    assert_no_serious_axe_violations(page)
