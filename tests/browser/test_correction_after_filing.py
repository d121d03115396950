"""A secretary corrects a record of a month whose report awaits review; the reviewer sees it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import Activity, MonthlyReport
from branches.reports import selectors
from tests.factories import MemberFactory

from .axe import assert_no_serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_correction_after_submission_updates_the_report_and_is_flagged_for_the_reviewer(
    live_server, page, login, shot, tree, personas
):
    branch = tree["branch_a"]
    MemberFactory.create_batch(5, branch=branch)
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    activity = Activity.objects.create(
        branch=branch,
        kind=Activity.Kind.COMMITTEE,
        held_on=month + timedelta(days=9),
        place="三楼会议室",
        chair="张书记",
        recorder="李委员",
        topic="研究发展党员",
        expected_full=5,
        present_full=5,
    )
    report = MonthlyReport.objects.create(
        branch=branch,
        month=month,
        due_on=month + timedelta(days=40),
        status=MonthlyReport.Status.SUBMITTED,
        first_submitted_at=timezone.now(),
        submitted_at=timezone.now(),
        snapshot=selectors.report_derived(branch, month, today=timezone.localdate()),
    )

    login(page, "secretary", activity.get_absolute_url())
    page.get_by_role("link", name="更正").click()
    page.select_option("select[name=kind]", "theme_day")
    page.get_by_role("button", name="保存记录").click()
    expect(page.locator("h1")).to_contain_text("主题党日")
    report.refresh_from_db()
    assert report.status == MonthlyReport.Status.SUBMITTED and report.amended_after_submission
    assert [a["kind"] for a in report.snapshot["activities"]] == ["主题党日"]

    login(page, "unit_staff", report.get_absolute_url())
    expect(page.locator(".report-amended").first).to_contain_text("报送后有修改")
    expect(page.get_by_text("更正活动记录：")).to_be_visible()
    assert_no_serious_axe_violations(page)
    shot(page, "report_amended_after_submission")
