"""Journey: unit staff score a branch across dimensions, submit and finalize; the secretary
then sees the result."""

import re

import pytest
from playwright.sync_api import expect

from assessments import default_edition, services
from assessments.models import Dimension, Edition, Item, Review, Tier
from tests.assessments.conftest import full_marks, staff_branch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def edition(db):
    # The transactional test database is flushed, so load the default edition again.
    return default_edition.load(Edition, Dimension, Item, Tier)


def logout(page):
    page.context.clear_cookies()


def test_staff_score_submit_finalize_and_secretary_sees_result(
    live_server, page, tree, personas, edition, login, shot
):
    staff_branch(tree["branch_a"])
    staff_branch(tree["branch_b"], members=5, committee=False)
    own = services.review_start(
        branch=tree["branch_a"], kind=Review.Kind.SELF, year=2026, user=personas["secretary"]
    )
    services.review_save_scores(
        review=own, user=personas["secretary"], version=own.version, entries=full_marks(own)
    )
    services.review_submit(review=own, user=personas["secretary"])
    page.on("dialog", lambda dialog: dialog.accept())

    login(page, personas["unit_staff"], "/assessments/worklist/?year=2026")
    expect(page.locator("h1")).to_have_text("评审工作台")
    row = page.locator("#worklist tr", has_text="甲厅第一党支部")
    expect(row).to_contain_text("已提交")  # the branch's self-assessment
    shot(page, "01-worklist")
    row.get_by_role("button", name="开始评审").click()

    expect(page.locator("h1")).to_have_text("甲厅第一党支部")
    expect(page.locator("#item-4\\.1")).to_contain_text("暂无数据")  # dues ledger not recorded yet
    # Every score gets full points; the running total updates as we type. Items the rules
    # computed lower (no meeting records in this fixture) are overridden with a reason.
    rows = page.locator("input.score-input").evaluate_all(
        "els => els.map(e => [e.name, e.value, e.max, e.closest('tr').id])"
    )
    for name, value, maximum, row_id in rows:
        if value and float(value) == float(maximum):
            continue
        page.locator(f"input[name='{name}']").fill(maximum)
        if value:
            page.locator(f"[id='{row_id}'] input[name^=reason]").fill("现场查阅了纸质台账")
    expect(page.locator("#grand-total-live")).to_have_text("100.0")
    page.fill("#item-6\\.3 input.score-input", "1")
    expect(page.locator("#grand-total-live")).to_have_text("99.0")
    dim6 = page.locator(".dimension").nth(5).get_attribute("data-dim")
    expect(page.locator(f"#dim-total-{dim6}")).to_have_text("9.0")
    expect(page.locator("#tier")).to_have_text("示范")  # tier follows the running total
    veto = page.locator("#item-6\\.V input[type=checkbox]")
    veto.check()
    expect(page.locator("#tier")).to_have_text("不达标")
    veto.uncheck()
    page.fill("#item-6\\.3 textarea", "活动室未悬挂制度牌")
    page.fill("#item-5\\.3 input.score-input", "3.5")  # override of a computed score without reason
    shot(page, "02-scoring-typing")
    page.locator("#item-5\\.3").scroll_into_view_if_needed()
    shot(page, "02b-scoring-detail", full_page=False)
    page.click("#save-scores")
    expect(page.locator(".alert-danger, .alert-error").first).to_contain_text("必须填写调整理由")
    page.fill("#item-5\\.3 input[name^=reason]", "换届材料未及时报备")
    page.click("#save-scores")
    expect(page.locator(".alert-success").first).to_contain_text("评分已保存")
    expect(page.locator("#grand-total")).to_have_text("98.5")
    shot(page, "03-scoring-saved")

    page.click("#submit-review")
    expect(page.locator(".alert-success").first).to_contain_text("评审已提交")
    page.click("#finalize-review")
    expect(page.locator(".alert-success").first).to_contain_text("评审已定稿")
    expect(page.locator("#tier")).to_have_text("示范")
    expect(page.locator("input.score-input")).to_have_count(0)
    shot(page, "04-finalized")
    page.get_by_role("link", name="变更记录").click()
    expect(page.locator("table")).to_contain_text("换届材料未及时报备")
    shot(page, "05-history")

    logout(page)
    login(page, personas["secretary"], "/assessments/mine/")
    expect(page.locator("h1")).to_have_text("支部评审与自评")
    expect(page.locator("table").first).to_contain_text("机关党委评审")
    shot(page, "06-secretary-mine")
    page.locator("tr", has_text="机关党委评审").get_by_role("link", name="查看").click()
    expect(page.locator("#tier")).to_have_text("示范")
    expect(page.locator("#item-6\\.3")).to_contain_text("活动室未悬挂制度牌")
    expect(page.locator("#grand-total")).to_have_text("98.5")
    shot(page, "07-secretary-result")
    page.goto(re.sub(r"/$", "/print/", page.url))
    shot(page, "08-print")


def test_admin_clones_edits_and_compares_editions(live_server, page, personas, edition, login, shot):
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, personas["admin"], f"/assessments/editions/{edition.pk}/")
    expect(page.locator("h1")).to_contain_text("2027 版")
    shot(page, "09-edition-published")
    page.fill("#id_name", "2028 版")
    page.get_by_role("button", name="复制").click()
    expect(page.locator(".alert-success").first).to_contain_text("已复制为新草稿")
    page.locator("tr", has_text="经费").get_by_role("link", name="编辑").click()
    page.fill("#id_points", "2")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-warning")).to_contain_text("与维度分值10.0分不一致")
    expect(page.get_by_role("button", name="发布")).to_be_disabled()
    shot(page, "10-edition-draft-invalid")
    page.get_by_role("link", name="版本对比").click()
    expect(page.locator("table")).to_contain_text("6.4")
    shot(page, "11-edition-diff")
