"""Journey: unit staff open the year's 述职评议; the secretary writes and submits the report;
raters vote on a phone-sized screen; staff close, publish; the secretary sees the grade.
axe-core checks each page for serious or critical violations."""

from datetime import date

import pytest
from playwright.sync_api import expect

from assessments.models import DutyBallot, DutyCycle, DutyVote
from branches import services as branch_services
from branches.models import Post
from tests.browser.axe import assert_no_serious_axe_violations
from tests.factories import MemberFactory, UserFactory

PHONE = {"width": 390, "height": 844}
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_as(browser, browser_context_args, login):
    """A signed-in page in a fresh context; ``phone=True`` gives a 390 px touch viewport."""

    def make(username, *, phone=False):
        args = dict(browser_context_args)
        if phone:
            args.update(viewport=PHONE, is_mobile=True, has_touch=True)
        page = browser.new_context(**args).new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        return login(page, username, "/duty-review/")

    return make


@pytest.fixture
def check(shot):
    def run(page, name):
        shot(page, name)
        assert_no_serious_axe_violations(page)

    return run


def test_open_write_vote_on_phone_publish_and_see_grade(live_server, open_as, check, tree, personas):
    branch = tree["branch_a"]
    member = MemberFactory(branch=branch, name="张书记", user=personas["secretary"])
    term = branch_services.term_start(branch=branch, elected_on=date(2025, 3, 1), has_committee=False)
    branch_services.post_assign(
        term=term, member=member, role=Post.Role.SECRETARY, started_on=date(2025, 3, 1)
    )
    raters = [UserFactory(username=f"daibiao{i}", display_name=f"代表{i}") for i in range(2)]

    # staff open the cycle
    staff = open_as("unit_staff")
    check(staff, "01_staff_index")
    staff.click("text=开启述职评议")
    staff.select_option("select[name=organization]", str(tree["unit_a"].pk))
    staff.fill("input[name=year]", "2026")
    staff.fill("textarea[name=outline]", "一、履行第一责任人职责情况\n二、存在问题及整改打算")
    staff.fill("input[name=due_on]", "2026-12-20")
    staff.fill("input[name=meeting_on]", "2026-12-28")
    check(staff, "02_cycle_form")
    staff.click("button:has-text('开启')")
    expect(staff.locator("#cycle-status")).to_have_text("撰写述职报告")
    expect(staff.locator("#report-table")).to_contain_text("书记空缺")  # branch_b has no secretary
    check(staff, "03_cycle_detail")
    cycle = DutyCycle.objects.get()

    # the secretary writes, keeps a draft, submits
    secretary = open_as("secretary")
    secretary.click("text=甲厅第一党支部")
    expect(secretary.locator("textarea[name=section_0]")).to_contain_text("组织生活开展情况")
    expect(secretary.locator("#facts-title")).to_be_visible()
    secretary.fill("textarea[name=section_1]", "全年亲自部署支部党建工作，研究党建事项 12 次。")
    secretary.click("button[name=save]")
    expect(secretary.locator(".alert-success")).to_contain_text("草稿已保存")
    check(secretary, "04_report_draft")
    secretary.fill("textarea[name=section_2]", "台账不够规范，明年建立月度检查。")
    secretary.click("button[name=submit]")
    expect(secretary.locator("#report-status")).to_have_text("已提交")
    expect(secretary.locator("#report-text")).to_contain_text("研究党建事项 12 次")

    # staff add two representatives, issue ballots, open voting
    staff.goto(f"{live_server.url}/duty-review/cycles/{cycle.pk}/raters/")
    for user in raters:
        staff.fill("input[name=name]", user.display_name)
        staff.select_option("select[name=category]", "representative")
        staff.fill("input[name=username]", user.username)
        staff.click("form:has(input[name=username]) button[type=submit]")
        expect(staff.locator("#rater-table")).to_contain_text(user.display_name)
    staff.click("form:has(input[name=sheet]) button[type=submit]")
    expect(staff.locator(".alert-success")).to_contain_text("已发放 3 张测评票")
    check(staff, "05_raters")
    staff.goto(f"{live_server.url}{cycle.get_absolute_url()}")
    staff.click("button:has-text('开始测评')")
    expect(staff.locator("#cycle-status")).to_have_text("评议测评中")

    # raters vote on a phone; a second attempt is refused
    grades = ["好", "较好", "好"]
    for user, grade in zip([personas["secretary"], *raters], grades, strict=True):
        phone = open_as(user.username, phone=True)
        phone.click("text=述职评议测评")
        phone.locator("fieldset label", has_text=grade).first.click()
        if user == raters[0]:
            check(phone, "06_ballot_phone")
            assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        phone.click("text=投出测评票")
        expect(phone.locator("#ballot-done")).to_be_visible()
        if user == raters[0]:
            check(phone, "07_ballot_done_phone")
            phone.go_back()
            phone.reload()
            expect(phone.locator("#ballot-done")).to_be_visible()
        phone.context.close()
    assert DutyVote.objects.count() == 3
    assert DutyBallot.objects.filter(used=True).count() == 3

    # staff close, record a comment, publish
    staff.goto(f"{live_server.url}{cycle.get_absolute_url()}")
    staff.click("button:has-text('结束测评并计票')")
    expect(staff.locator("#cycle-status")).to_have_text("测评结束")
    expect(staff.locator("#report-table")).to_contain_text("93.3")
    staff.click("#report-table >> text=甲厅第一党支部")
    staff.fill("input[name=commenter_name]", "机关党委书记")
    staff.fill("textarea[name=text]", "履职认真，整改措施要具体。")
    staff.click("button:has-text('保存点评')")
    expect(staff.locator(".alert-success")).to_contain_text("点评已记录")
    check(staff, "08_staff_report_closed")
    staff.goto(f"{live_server.url}{cycle.get_absolute_url()}")
    staff.click("button:has-text('发布结果')")
    expect(staff.locator("#cycle-status")).to_have_text("结果已发布")
    staff.click("text=排名")
    expect(staff.locator("main")).to_contain_text("好 100、较好 80、一般 60、差 0")
    check(staff, "09_ranking")

    # the secretary sees the grade on the report and on the home page
    secretary.goto(f"{live_server.url}/duty-review/")
    secretary.click("text=甲厅第一党支部")
    expect(secretary.locator("#result-grade")).to_have_text("好")
    check(secretary, "10_secretary_result")
    secretary.goto(f"{live_server.url}/")
    expect(secretary.locator(".duty-grade")).to_have_text("好")
    secretary.goto(f"{live_server.url}{secretary_report_print(cycle)}")
    expect(secretary.locator("body")).to_contain_text("履职认真")
    check(secretary, "11_print")


def secretary_report_print(cycle):
    report = cycle.reports.exclude(status="vacant").get()
    return f"/duty-review/reports/{report.pk}/print/"
