"""Journey: provincial staff create a cross-observation round, form groups (an edit breaking the
bounds is refused), draw the sample and schedule; an observer on a 390 px phone goes through
述·看·查·问·评 (one field typed while offline is saved once back online) and submits; staff
publish; the host secretary sees the result and the rectification items. axe-core on every
page: no serious or critical violations. Screenshots in the test's
pytest-playwright output folder."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from assessments import default_edition
from assessments.models import (
    Dimension,
    Edition,
    InterviewQuestion,
    Item,
    ObservationRound,
    ObserverScore,
    Tier,
    Visit,
    VisitItem,
    VisitMember,
)
from assessments.observation import services
from tests.assessments.observation.conftest import build_world, fill_and_submit, scheduled_round
from tests.browser.axe import assert_no_serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def edition(db):
    return default_edition.load(Edition, Dimension, Item, Tier)


def test_round_from_groups_to_published_result(
    live_server, browser, browser_context_args, edition, login, shot
):
    world = build_world(units=10, branches=1, members=5)
    # the flush of a transactional test empties the question bank the migration filled
    InterviewQuestion.objects.create(text="您知道本支部的主题党日是每月哪一天吗？", order=1)
    InterviewQuestion.objects.create(text="最近一次党课讲了什么？", order=2)
    staff = world["leader"]
    page = browser.new_context(**browser_context_args).new_page()
    page.on("dialog", lambda dialog: dialog.accept())

    # --- staff: create the round, propose groups, a refused edit, fix, sample, schedule
    login(page, staff, "/observation/rounds/new/")
    expect(page.locator("h1")).to_have_text("新建交叉观摩")
    page.fill("input[name=title]", "2026年交叉观摩")
    page.fill("input[name=year]", "2026")
    page.select_option("select[name=edition]", index=1)
    page.select_option("select[name=units]", [u.name for u in world["units"]])
    page.fill("input[name=branches_per_unit]", "1")
    page.fill("input[name=window_start]", "2026-05-04")
    page.fill("input[name=window_end]", "2026-05-29")
    assert_no_serious_axe_violations(page)
    shot(page, "01-round-form")
    page.get_by_role("button", name="创建").click()
    expect(page.locator("#round-status")).to_have_text("草稿")
    page.get_by_role("button", name="生成分组方案").click()
    expect(page.locator("#groups .card")).to_have_count(2)
    expect(page.locator("#groups")).to_contain_text("第1组 → 观摩第2组")
    expect(page.locator("#groups")).to_contain_text("第2组 → 观摩第1组")
    # moving one unit out of a group of five would leave four: refused with the reason
    row = page.locator("#units tbody tr").first
    current = row.locator("select[name=group]").input_value()
    other = [
        o
        for o in row.locator("select[name=group] option").evaluate_all("els => els.map(e => e.value)")
        if o != current
    ][0]
    row.locator("select[name=group]").select_option(other)
    row.get_by_role("button", name="调整").click()
    expect(page.locator(".alert-danger")).to_contain_text("个单位，每组应为5至8个单位。")
    for index in range(2):
        card = page.locator("#groups .card").nth(index)
        card.locator("select[name=user]").select_option(label=str(staff))
        card.get_by_role("button", name="设为组长").click()
        expect(page.locator(".alert-success")).to_contain_text("已保存")
    assert_no_serious_axe_violations(page)
    shot(page, "02-groups")
    page.get_by_role("button", name="确定分组").click()
    expect(page.locator("#round-status")).to_have_text("分组已确定")
    page.get_by_role("button", name="随机抽取支部").click()
    expect(page.locator("#sample-seed")).to_contain_text("按种子复算结果一致")
    expect(page.locator("#sample tbody tr")).to_have_count(10)
    page.get_by_role("button", name="生成观摩安排").click()
    expect(page.locator("#round-status")).to_have_text("观摩已排期")
    page.locator("#groups .card").first.get_by_role("link", name="观摩安排").click()
    expect(page.locator("#schedule tbody tr")).to_have_count(5)
    assert_no_serious_axe_violations(page)
    shot(page, "03-group-schedule")
    page.go_back()
    page.get_by_role("button", name="开始观摩并通知").click()
    expect(page.locator("#round-status")).to_have_text("观摩进行中")
    round_ = ObservationRound.objects.get(title="2026年交叉观摩")

    # --- an observer on a phone
    visit = Visit.objects.filter(round=round_).select_related("branch").order_by("pk").first()
    member = visit.team.filter(role=VisitMember.Role.OBSERVER).select_related("user").first()
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    mobile = phone.new_page()
    login(mobile, member.user, "/observation/")
    expect(mobile.locator("#my-visits")).to_contain_text(visit.branch.name)
    mobile.locator("#my-visits").get_by_role("link", name=visit.branch.name).click()
    mobile.get_by_role("link", name="述").click()
    expect(mobile.locator("h1")).to_have_text("述：听取支部书记汇报")
    mobile.fill("#f-briefing", "书记汇报了全年工作，亮点是“支部+项目”。")
    expect(mobile.locator(".save-state").first).to_contain_text("已保存", timeout=15_000)
    assert "支部+项目" in Visit.objects.get(pk=visit.pk).briefing_note
    assert_no_serious_axe_violations(mobile)
    shot(mobile, "04-phone-shu")

    mobile.locator(".step-nav").get_by_role("link", name="看").click()
    expect(mobile.locator("h1")).to_have_text("看：现场查看")
    first_look = mobile.locator("fieldset").first
    first_look.locator("label.btn-outline-warning").click()
    expect(first_look.locator(".save-state")).to_contain_text("已保存", timeout=15_000)
    # the connection drops while the observer types a note: kept on the phone, sent when back
    phone.set_offline(True)
    first_look.locator("input.form-control").fill("制度牌缺少党费收缴制度")
    first_look.locator("input.form-control").press("Tab")
    expect(first_look.locator(".save-state")).to_contain_text("离线", timeout=15_000)
    expect(mobile.locator("#pending-count")).to_contain_text("待补交")
    shot(mobile, "05-phone-kan-offline")
    phone.set_offline(False)
    mobile.evaluate("window.dispatchEvent(new Event('online'))")
    expect(mobile.locator("#pending-count")).to_have_text("")
    assert visit.looks.get().note == "制度牌缺少党费收缴制度"
    assert_no_serious_axe_violations(mobile)
    shot(mobile, "06-phone-kan")

    mobile.locator(".step-nav").get_by_role("link", name="查").click()
    expect(mobile.locator("#evidence-pack li").first).to_be_visible()
    mobile.locator("fieldset").first.locator("label.btn-outline-success").click()
    expect(mobile.locator("fieldset .save-state").first).to_contain_text("已保存", timeout=15_000)
    assert_no_serious_axe_violations(mobile)
    shot(mobile, "07-phone-cha")

    mobile.locator(".step-nav").get_by_role("link", name="问").click()
    cards = mobile.locator("section.card")
    expect(cards).to_have_count(3)  # 2–3 ordinary members drawn at random (policy: 3)
    cards.first.locator("fieldset").first.locator("label.btn-outline-success").click()
    expect(cards.first.locator(".save-state").first).to_contain_text("已保存", timeout=15_000)
    assert_no_serious_axe_violations(mobile)
    shot(mobile, "08-phone-wen")

    mobile.locator(".step-nav").get_by_role("link", name="评").click()
    expect(mobile.locator("h1")).to_have_text("评：评分与点评")
    inputs = mobile.locator("input.score-input")
    for index in range(inputs.count()):
        field = inputs.nth(index)
        if field.get_attribute("value") in (None, ""):
            maximum = field.get_attribute("max")
            card = field.locator("xpath=ancestor::div[contains(@class,'card-body')]")
            if card.locator(".auto-score").count():
                continue  # computed items keep the computed score
            field.fill(str(Decimal(maximum) / 2 if Decimal(maximum) >= 1 else maximum))
            field.press("Tab")
    computed = (
        VisitItem.objects.filter(visit=visit, item__mode=Item.Mode.AUTO, auto_score__isnull=False)
        .select_related("item")
        .first()
    )
    auto_input = mobile.locator(f"#score-{computed.item_id}")
    auto_input.fill("0" if computed.auto_score else str(computed.item.points))
    auto_input.press("Tab")
    card = mobile.locator(f"[id='item-{computed.item.code}'] .save-state")
    expect(card).to_contain_text("须填写理由")
    shot(mobile, "09-phone-ping-reason")
    mobile.get_by_role("button", name="提交评分").click()
    expect(mobile.locator(".alert-danger")).to_contain_text("必须填写理由")
    mobile.fill(f"#reason-{computed.item_id}", "纸质台账与系统记录不符")
    mobile.locator(f"#reason-{computed.item_id}").press("Tab")
    expect(card).to_contain_text("已保存", timeout=15_000)
    assert_no_serious_axe_violations(mobile)
    mobile.get_by_role("button", name="提交评分").click()
    expect(mobile.locator(".alert-success")).to_contain_text("评分已提交")
    shot(mobile, "10-phone-submitted")
    assert ObserverScore.objects.get(member=member, item=computed.item).reason == "纸质台账与系统记录不符"

    # --- the rest of the teams score (services), the leader lists a problem
    for other in Visit.objects.filter(round=round_).select_related("round__edition"):
        leader = other.team.get(role=VisitMember.Role.LEADER)
        if other.pk == visit.pk:
            services.rectification_add(
                visit=other, member=leader, description="党务公开栏未及时更新", deadline=date(2099, 1, 31)
            )
        for scorer in other.team.filter(role__in=["leader", "observer"], submitted_at__isnull=True):
            fill_and_submit(other, scorer, value=Decimal(1) + scorer.pk % 2)

    # --- staff publish
    login(page, staff, f"/observation/rounds/{round_.pk}/")
    page.get_by_role("button", name="发布结果").click()
    expect(page.locator("#round-status")).to_have_text("结果已发布")
    page.get_by_role("link", name="结果与排名").first.click()
    expect(page.locator("#results tbody tr")).to_have_count(10)
    assert_no_serious_axe_violations(page)
    shot(page, "11-results")

    # --- the host secretary
    secretary = world["secretaries"][visit.branch_id]
    login(page, secretary, "/observation/")
    page.locator("#hosted").get_by_role("link").first.click()
    expect(page.locator("#observed-total")).not_to_be_empty()
    expect(page.locator("#tier")).not_to_be_empty()
    expect(page.locator("#visit-rectifications")).to_contain_text("党务公开栏未及时更新")
    expect(page.locator("body")).not_to_contain_text(member.user.display_name)  # no individual scores
    assert_no_serious_axe_violations(page)
    shot(page, "12-host-result")
    page.goto(f"{live_server.url}/observation/rectifications/")
    expect(page.locator("#rectifications")).to_contain_text("党务公开栏未及时更新")
    expect(page.locator("#rectifications")).to_contain_text("待整改")  # status from the shared tracker
    assert_no_serious_axe_violations(page)
    shot(page, "13-host-rectifications")
    page.goto(f"{live_server.url}/orgs/{visit.branch_id}/")
    expect(page.locator("#annual-score")).to_contain_text("年度标准化得分")
    shot(page, "14-branch-page-annual")


def test_a_note_typed_before_the_script_has_loaded_is_still_saved(live_server, browser, edition, login, shot):
    """Step pages load htmx and observation.js with ``defer``, so a field can be typed into
    before the script has bound autosave to it (slow phone network, loaded machine). That
    ``input`` event reaches no listener; once bound, the script must still save the field. This
    was the order-dependent journey failure of issue #12: the journey filled 述 as soon as the
    heading showed, and now and then that was before observation.js had run."""
    world = build_world(units=10, branches=1, members=5)
    round_ = scheduled_round(world, edition)
    visit = Visit.objects.filter(round=round_).order_by("pk").first()
    member = visit.team.filter(role=VisitMember.Role.OBSERVER).select_related("user").first()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    mobile = phone.new_page()
    login(mobile, member.user, "/observation/")
    held = []  # observation.js is held back until the observer has typed
    mobile.route("**/static/js/observation.js", lambda route: held.append(route))
    mobile.goto(f"{live_server.url}/observation/visits/{visit.pk}/shu/", wait_until="commit")
    expect(mobile.locator("h1")).to_have_text("述：听取支部书记汇报")
    mobile.fill("#f-briefing", "先到的文字")
    assert mobile.evaluate("document.querySelector('#f-briefing').hasAttribute('hx-post')") is False
    expect(mobile.locator("#f-briefing")).to_have_value("先到的文字")
    mobile.wait_for_timeout(1000)  # the input event has long passed when the script arrives
    _release(mobile, held, 0)
    expect(mobile.locator(".save-state").first).to_contain_text("已保存", timeout=15_000)
    assert Visit.objects.get(pk=visit.pk).briefing_note == "先到的文字"
    shot(mobile, "early-typing-saved")
    # a toggle tapped before the script has loaded (看): saved once bound
    mobile.goto(f"{live_server.url}/observation/visits/{visit.pk}/kan/", wait_until="commit")
    first_look = mobile.locator("fieldset").first
    first_look.locator("label.btn-outline-success").click()
    mobile.wait_for_timeout(1000)
    _release(mobile, held, 1)
    expect(first_look.locator(".save-state")).to_contain_text("已保存", timeout=15_000)
    assert visit.looks.get().result == "pass"
    # nothing touched: binding saves nothing (the saved fields render as their defaults)
    mobile.goto(f"{live_server.url}/observation/visits/{visit.pk}/shu/", wait_until="commit")
    _release(mobile, held, 2)
    expect(mobile.locator(".observation-step[data-autosave-ready]")).to_have_count(1)
    mobile.wait_for_timeout(1000)
    expect(mobile.locator(".save-state").first).to_be_empty()
    shot(mobile, "early-toggle-saved-then-nothing")


def _release(page, held, index):
    """Let the held observation.js request number ``index`` through (waiting for it to be made)."""
    for _ in range(100):
        if len(held) > index:
            break
        page.wait_for_timeout(100)
    assert len(held) == index + 1
    held[index].continue_()
