"""A secretary records two meetings and files the month's report; staff return it with a comment;
the secretary fixes and resubmits; staff accept."""

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import MonthlyReport
from tests.factories import MemberFactory


def record_meeting(page, live_server, branch, *, kind, day, topic, present):
    page.goto(f"{live_server.url}/reports/branch/{branch.pk}/activities/new/")
    page.select_option("select[name=kind]", kind)
    page.fill("input[name=held_on]", f"{day:%Y-%m-%d}")
    page.fill("input[name=place]", "机关三楼党员活动室")
    page.fill("input[name=chair]", "张书记")
    page.fill("input[name=recorder]", "李委员")
    page.fill("input[name=topic]", topic)
    page.fill("input[name=expected_full]", "6")
    page.fill("input[name=present_full]", str(present))
    page.fill("input[name=absent_full]", str(6 - present))
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretary_files_staff_return_secretary_resubmits_staff_accept(
    live_server, page, personas, tree, login, shot
):
    page.on("dialog", lambda dialog: dialog.accept())
    branch = tree["branch_a"]
    for name in ("王芳", "刘强", "陈静", "赵磊", "孙丽", "周涛"):
        MemberFactory(branch=branch, name=name)
    month = timezone.localdate().replace(day=1) - relativedelta(months=1)

    login(page, "secretary", "/reports/")
    record_meeting(
        page,
        live_server,
        branch,
        kind="committee",
        day=month + relativedelta(days=7),
        topic="研究本月党建工作",
        present=6,
    )
    expect(page.locator("#decisions-card")).to_be_visible()  # committees record decisions too
    page.select_option("select[name=kind]", "theme_day")
    expect(page.locator("#decisions-card")).to_be_hidden()
    page.select_option("select[name=kind]", "assembly")
    expect(page.locator("#decisions-card")).to_be_visible()
    page.select_option("select[name=kind]", "committee")
    shot(page, "01_activity_form")
    page.click("text=保存记录")
    expect(page.locator("h1")).to_contain_text("研究本月党建工作")
    record_meeting(
        page,
        live_server,
        branch,
        kind="theme_day",
        day=month + relativedelta(days=14),
        topic="学习贯彻全会精神主题党日",
        present=5,
    )
    page.get_by_label("周涛").check()
    page.click("text=保存记录")
    expect(page.locator("h1")).to_contain_text("主题党日")
    shot(page, "02_activity_detail")

    page.goto(f"{live_server.url}/reports/branch/{branch.pk}/?year={month.year}")
    shot(page, "03_branch_grid")
    page.goto(f"{live_server.url}/reports/branch/{branch.pk}/{month.year}-{month.month}/")
    page.fill("input[name=dues_members_due]", "6")
    page.fill("input[name=dues_members_paid]", "6")
    page.fill("input[name=dues_amount]", "312.00")
    page.fill("textarea[name=next_month_plan]", "下月5日开展主题党日")
    page.check("input[name=declaration]")
    page.click("button[value=submit]")
    expect(page.locator(".alert-danger")).to_contain_text("本月以下活动未按要求开展")
    page.fill("textarea[name=gap_reason]", "集中学习与主题党日合并开展；党小组会因出差顺延")
    shot(page, "04_report_form")
    page.click("button[value=submit]")
    expect(page.locator(".alert-success")).to_contain_text("月度报告已报送")
    expect(page.locator("main")).to_contain_text("已报送")

    login(page, "unit_staff", "/reports/")
    page.goto(f"{live_server.url}/reports/review/?month={month:%Y-%m}")
    shot(page, "05_review_queue")
    page.get_by_role("link", name="审核", exact=True).click()
    page.fill("textarea[name=comment]", "请补充党费上缴日期")
    page.click("button[value=return]")
    expect(page.locator(".alert-success")).to_contain_text("月度报告已退回")

    login(page, "secretary", "/reports/")
    page.goto(f"{live_server.url}/reports/branch/{branch.pk}/{month.year}-{month.month}/")
    expect(page.locator(".alert-danger")).to_contain_text("请补充党费上缴日期")
    page.fill("input[name=dues_handed_over_on]", f"{month + relativedelta(months=1, days=2):%Y-%m-%d}")
    shot(page, "06_returned_report")
    page.click("button[value=submit]")
    expect(page.locator("main")).to_contain_text("已重新报送")

    login(page, "unit_staff", "/reports/")
    page.goto(f"{live_server.url}/reports/branch/{branch.pk}/{month.year}-{month.month}/")
    page.click("button[value=accept]")
    expect(page.locator(".alert-success")).to_contain_text("月度报告已通过")
    page.locator("details").first.click()
    shot(page, "07_accepted_history")
    page.goto(f"{live_server.url}/reports/rates/?month={month:%Y-%m}")
    shot(page, "08_rates")

    report = MonthlyReport.objects.get(branch=branch, month=month)
    assert report.status == MonthlyReport.Status.ACCEPTED
    assert list(report.events.values_list("action", flat=True)) == ["submit", "return", "resubmit", "accept"]
    assert report.snapshot["by_kind"] == {"支部委员会": 1, "主题党日": 1}
