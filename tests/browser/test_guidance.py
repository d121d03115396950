"""Journeys of demonstration and classified guidance: a unit nominates a branch and provincial
staff approve it after the computed criteria check; a lagging branch's follow-up is created and
closed by re-assessment; a secretary asks, staff answer and publish, another secretary finds the
FAQ by searching a two-character word. axe-core: no serious or critical violation."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments import default_edition
from assessments.models import Classification, Designation, Dimension, Edition, FollowUp, Item, Tier
from tests.assessments.conftest import finalized_review, staff_branch
from tests.browser.axe import assert_no_serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def edition(db):
    return default_edition.load(Edition, Dimension, Item, Tier)


def test_unit_nominates_and_provincial_staff_approve(
    live_server, page, tree, personas, edition, login, shot, tmp_path
):
    staff_branch(tree["branch_a"])
    finalized_review(tree["branch_a"], personas["unit_staff"], year=timezone.localdate().year)

    login(page, personas["unit_staff"], "/designations/nominate/")
    page.select_option("select[name=branch]", label="甲厅第一党支部")
    page.fill("textarea[name=reason]", "三会一课规范，党员教育有特色")
    page.get_by_label("组织生活").check()
    evidence = tmp_path / "材料.pdf"
    evidence.write_bytes(b"%PDF-1.4 evidence")
    page.set_input_files("input[name=files]", str(evidence))
    assert_no_serious_axe_violations(page)
    page.get_by_role("button", name="提交推荐").click()
    expect(page.locator("#designation-status")).to_have_text("已提名待审核")
    shot(page, "designation-nominated")

    login(page, personas["provincial"], "/designations/manage/")
    assert_no_serious_axe_violations(page)
    page.get_by_role("link", name="查看").first.click()
    expect(page.locator("#criteria-check")).to_contain_text("符合")
    expect(page.locator("#criteria-check")).to_contain_text("暂无数据")  # 述职评议 not wired yet
    assert_no_serious_axe_violations(page)
    shot(page, "designation-criteria")
    page.get_by_role("button", name="审核通过").click()
    expect(page.locator("#designation-status")).to_have_text("已认定")
    assert Designation.objects.get().status == Designation.Status.APPROVED

    login(page, personas["outsider"], "/designations/")
    expect(page.locator("#demonstration-list")).to_contain_text("甲厅第一党支部")
    expect(page.locator("#demonstration-list")).to_contain_text("组织生活")
    assert_no_serious_axe_violations(page)
    shot(page, "demonstration-public")


def test_lagging_follow_up_created_and_closed(live_server, page, tree, personas, login, shot):
    year = timezone.localdate().year - 1
    Classification.objects.create(
        branch=tree["branch_b"], year=year, score=Decimal("52.5"), computed_grade="lagging", grade="lagging"
    )
    Classification.objects.create(
        branch=tree["branch_a"], year=year, score=Decimal(88), computed_grade="advanced", grade="advanced"
    )
    login(page, personas["unit_staff"], f"/designations/classification/?year={year}")
    expect(page.locator("#unit-distribution")).to_contain_text("甲厅机关党委")
    assert_no_serious_axe_violations(page)
    shot(page, "classification-overview")
    page.get_by_role("link", name="建立跟进").click()
    page.fill("input[name=contact_leader_name]", "张副厅长")
    page.get_by_role("button", name="建立跟进").click()
    expect(page.locator("#follow-up-status")).to_have_text("跟进中")
    page.fill("textarea[name=description]", "补齐三会一课会议记录")
    page.fill("input[name=deadline]", (timezone.localdate() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="增加", exact=True).click()
    expect(page.locator("#plan-items")).to_contain_text("补齐三会一课会议记录")
    page.fill("textarea[name=note]", "到支部查看台账")
    page.get_by_role("button", name="记录", exact=True).click()
    expect(page.locator("#check-ins")).to_contain_text("到支部查看台账")
    assert_no_serious_axe_violations(page)
    shot(page, "follow-up-open")
    page.fill("input[name=score]", "68")
    page.get_by_role("button", name="保存复评").click()
    expect(page.locator("#follow-up-status")).to_have_text("已转化销号")
    assert FollowUp.objects.get().status == FollowUp.Status.CLOSED
    shot(page, "follow-up-closed")
    page.goto(f"{live_server.url}/designations/follow-ups/")
    expect(page.locator("#follow-up-list")).to_contain_text("张副厅长")
    assert_no_serious_axe_violations(page)


def test_secretary_asks_staff_publish_and_another_secretary_finds_it(
    live_server, page, tree, personas, login, shot
):
    login(page, personas["secretary"], "/guidance/questions/ask/")
    page.select_option("select[name=dimension]", label="党员教育管理")
    page.fill("input[name=title]", "发展对象的培养考察怎么记录？")
    assert_no_serious_axe_violations(page)
    page.get_by_role("button", name="提交问题").click()
    expect(page.locator("#question-status")).to_have_text("待解答")
    shot(page, "question-asked")

    login(page, personas["unit_staff"], "/guidance/questions/")
    page.get_by_role("link", name="发展对象的培养考察怎么记录？").click()
    page.fill("textarea[name=answer]", "填写培养考察登记表，培养联系人按季度记录。")
    page.get_by_role("button", name="提交解答").click()
    expect(page.locator("#question-status")).to_contain_text("已解答")
    assert_no_serious_axe_violations(page)
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.locator("#question-status")).to_contain_text("已发布为常见问题")
    shot(page, "question-published")

    login(page, personas["outsider"], "/guidance/")
    page.fill("input[name=q]", "考察")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#faq-results")).to_contain_text("发展对象的培养考察怎么记录？")
    assert_no_serious_axe_violations(page)
    shot(page, "faq-search")
    page.fill("input[name=q]", "选举")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#faq-results")).to_contain_text("没有找到相关问题")
