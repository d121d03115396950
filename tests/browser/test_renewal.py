"""Journey: staff see an overdue branch on the supervision list; the secretary sees the reminder
in the notification centre, acknowledges it, and the renewal is recorded through to the new term."""

from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import Organization, Term
from branches.renewals import services
from tests.factories import MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def org_page_fallback(monkeypatch):
    """The home page links branches to ``branches:org-detail``, which another feature adds; until
    it is merged, link to the renewal timeline so the home page renders in this journey."""
    try:
        reverse("branches:org-detail", args=[1])
    except NoReverseMatch:
        monkeypatch.setattr(
            Organization, "get_absolute_url", lambda self: reverse("renewals:branch-timeline", args=[self.pk])
        )


def submit_step(page, live_server, path, button="提交"):
    page.goto(f"{live_server.url}{path}")
    page.get_by_role("button", name=button).click()
    expect(page.locator(".alert-success")).to_contain_text("已保存")


def test_overdue_branch_is_supervised_and_renewed_to_new_term(live_server, tree, personas, new_page, shot):
    today = timezone.localdate()
    branch = tree["branch_a"]
    ends_on = today - timedelta(days=40)
    Term.objects.create(branch=branch, elected_on=ends_on.replace(year=ends_on.year - 3), ends_on=ends_on)
    voters = [
        MemberFactory(branch=branch, name=name)
        for name in ["赵一", "钱二", "孙三", "李四", "周五", "吴六", "郑七", "王八", "冯九", "陈十"]
    ]
    services.renewal_sweep()  # the daily job: overdue by 40 days means a supervision notice

    staff = new_page("unit_staff")
    expect(staff.locator("#renewal-staff-title")).to_have_text("换届督促")
    shot(staff, "staff_home")
    staff.goto(f"{live_server.url}/renewals/supervision/")
    row = staff.locator("#supervision-table tbody tr", has_text="甲厅第一党支部")
    expect(row).to_contain_text("督办中")
    expect(row).to_contain_text("已超期 40 天")
    shot(staff, "supervision_list")

    secretary = new_page("secretary")
    expect(secretary.locator("#unread-badge")).to_have_text("1")
    expect(secretary.locator("#renewal-panel-title")).to_contain_text("换届倒计时")
    shot(secretary, "secretary_home")
    secretary.click("a[aria-label=通知]")
    notice = secretary.locator("#notification-list .list-group-item", has_text="【督办通知】甲厅第一党支部")
    expect(notice).to_be_visible()
    shot(secretary, "notification_centre")
    notice.get_by_role("button", name="确认收到").click()
    expect(secretary.locator(".alert-success")).to_contain_text("已确认收到")
    expect(secretary.locator("#unread-badge")).to_have_count(0)
    staff.reload()
    expect(row).to_contain_text("督办通知 已签收")

    base = f"/renewals/branch/{branch.pk}"
    submit_step(secretary, live_server, f"{base}/step/request/")
    secretary.goto(f"{live_server.url}{base}/")
    expect(secretary.locator("#ladder-title ~ table")).to_contain_text("书记已确认")
    submit_step(staff, live_server, f"{base}/step/request_approval/")
    submit_step(secretary, live_server, f"{base}/step/candidates/")
    submit_step(staff, live_server, f"{base}/step/candidate_approval/")

    secretary.goto(f"{live_server.url}{base}/election/")
    for label, value in [
        ("应到会有选举权党员（人）", "10"),
        ("实到会有选举权党员（人）", "7"),
        ("发出选票（张）", "7"),
        ("收回选票（张）", "7"),
        ("应选名额（名）", "3"),
    ]:
        secretary.get_by_label(label).fill(value)
    for member, votes in zip(voters[:4], ["7", "7", "6", "2"], strict=True):
        secretary.get_by_label(member.name, exact=True).fill(votes)
    secretary.get_by_role("button", name="提交选举结果").click()
    expect(secretary.locator(".alert-danger")).to_contain_text("到会人数不足")
    shot(secretary, "election_errors")
    secretary.get_by_label("实到会有选举权党员（人）").fill("9")
    secretary.get_by_label("发出选票（张）").fill("9")
    secretary.get_by_label("收回选票（张）").fill("9")
    secretary.get_by_role("button", name="提交选举结果").click()
    expect(secretary.locator(".alert-success")).to_contain_text("已保存")

    secretary.goto(f"{live_server.url}{base}/results/")
    secretary.locator("#id_secretary").select_option(label="赵一")
    secretary.locator("#id_deputy_secretary").select_option(label="钱二")
    secretary.get_by_role("button", name="提交").click()
    expect(secretary.locator(".alert-success")).to_contain_text("已保存")

    submit_step(staff, live_server, f"{base}/approve-secretary/")
    expect(staff.locator("#term-now")).to_contain_text("任期内")
    expect(staff.locator("#renewal-steps .list-group-item-success")).to_have_count(0)  # new term: fresh steps
    history = staff.locator("#history-title ~ table tbody tr").nth(1)
    expect(history).to_contain_text("已结束")
    expect(history).to_contain_text(today.strftime("%Y-%m-%d"))  # renewal completed today
    shot(staff, "timeline_new_term")
    new_term = Term.objects.get(branch=branch, status=Term.Status.ACTIVE)
    assert new_term.elected_on == today
    assert set(new_term.posts.values_list("member__name", "role")) == {
        ("赵一", "secretary"),
        ("钱二", "deputy_secretary"),
        ("孙三", "other"),
    }
    staff.goto(f"{live_server.url}/renewals/supervision/")
    expect(staff.locator("#supervision-table")).not_to_contain_text("甲厅第一党支部")
