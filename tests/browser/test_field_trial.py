"""Field-trial fixes in the browser: dates survive editing, records can be corrected and deleted,
the review backlog is visible, an approved early renewal takes effect."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import expect

from branches import services
from branches.models import Activity, Member, MonthlyReport, Organization, Post, Postponement
from branches.renewals import services as renewal_services
from tests.factories import MemberFactory

from .axe import assert_no_serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def save_untouched(page, url, button):
    """Open an edit form, change nothing, save; the page must not come back with an error."""
    page.goto(url)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    assert page.locator(".invalid-feedback, .alert-danger").count() == 0, page.url


@pytest.fixture
def branch(tree, personas):
    branch = tree["branch_a"]
    Organization.objects.filter(pk=branch.pk).update(established_on=date(2019, 4, 8))
    return branch


def test_every_date_survives_saving_an_untouched_edit_form(shot, live_server, page, login, branch, personas):
    today = timezone.localdate()
    previous = today.replace(day=1) - relativedelta(months=1)
    held_on = previous + timedelta(days=9)
    member = MemberFactory(
        branch=branch, name="王建国", birth_date=date(1979, 5, 17), joined_on=date(2003, 6, 28)
    )
    MemberFactory.create_batch(4, branch=branch)
    activity = Activity.objects.create(
        branch=branch,
        kind=Activity.Kind.COMMITTEE,
        held_on=held_on,
        place="三楼会议室",
        chair="张书记",
        recorder="李委员",
        topic="研究月度工作",
        expected_full=5,
        present_full=5,
    )
    draft = MonthlyReport.objects.create(
        branch=branch,
        month=previous,
        due_on=today + timedelta(days=5),
        dues_members_due=5,
        dues_members_paid=5,
        dues_amount=Decimal("120.00"),
        dues_handed_over_on=held_on,
        declaration=True,
        gap_reason="党员大会与主题党日合并召开",
    )
    older = previous - relativedelta(months=1)
    returned = MonthlyReport.objects.create(
        branch=branch,
        month=older,
        due_on=previous + timedelta(days=4),
        status=MonthlyReport.Status.RETURNED,
        first_submitted_at=timezone.now() - timedelta(days=20),
        submitted_at=timezone.now() - timedelta(days=20),
        dues_members_due=5,
        dues_members_paid=5,
        dues_amount=Decimal("120.00"),
        dues_handed_over_on=older + timedelta(days=20),
        declaration=True,
        gap_reason="当月集中学习与主题党日合并",
    )
    login(page, "secretary")
    page.on("dialog", lambda dialog: dialog.accept())

    save_untouched(page, f"{live_server.url}/reports/activities/{activity.pk}/edit/", "保存记录")
    activity.refresh_from_db()
    assert activity.held_on == held_on and activity.version == 2

    page.goto(f"{live_server.url}{draft.get_absolute_url()}")
    assert page.locator("input[name=dues_handed_over_on]").input_value() == f"{held_on:%Y-%m-%d}"
    save_untouched(page, f"{live_server.url}{draft.get_absolute_url()}", "保存草稿")
    draft.refresh_from_db()
    assert draft.dues_handed_over_on == held_on
    shot(page, "dates_report_draft")

    save_untouched(page, f"{live_server.url}{returned.get_absolute_url()}", "重新报送")
    returned.refresh_from_db()
    assert returned.status == MonthlyReport.Status.RESUBMITTED
    assert returned.dues_handed_over_on == older + timedelta(days=20)

    save_untouched(page, f"{live_server.url}/members/{member.pk}/edit/", "保存")
    member.refresh_from_db()
    assert (member.birth_date, member.joined_on, member.full_since) == (
        date(1979, 5, 17),
        date(2003, 6, 28),
        date(2006, 7, 1),
    )

    login(page, "unit_staff")
    save_untouched(page, f"{live_server.url}/orgs/{branch.pk}/edit/", "保存")
    branch.refresh_from_db()
    assert branch.established_on == date(2019, 4, 8)


def test_secretary_corrects_the_type_and_deletes_a_record_with_a_reason(
    shot, live_server, page, login, branch, personas
):
    MemberFactory.create_batch(5, branch=branch)
    today = timezone.localdate()
    activity = Activity.objects.create(
        branch=branch,
        kind=Activity.Kind.COMMITTEE,
        held_on=today - timedelta(days=1) if today.day > 1 else today,
        place="三楼会议室",
        chair="张书记",
        recorder="李委员",
        topic="七一主题活动",
        expected_full=5,
        present_full=5,
    )
    login(page, "secretary")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}{activity.get_absolute_url()}")
    page.get_by_role("link", name="更正").click()
    page.select_option("select[name=kind]", "theme_day")
    expect(page.locator("#id_kind_helptext")).to_contain_text("主题党日每月开展 1 次")
    page.get_by_role("button", name="保存记录").click()
    expect(page.locator("h1")).to_contain_text("主题党日")
    assert Activity.objects.get(pk=activity.pk).kind == Activity.Kind.THEME_DAY
    expect(page.locator("#history-title")).to_be_visible()

    page.get_by_role("link", name="删除").click()
    assert_no_serious_axe_violations(page)
    page.get_by_role("button", name="确认删除").click()
    expect(page.locator(".alert-danger, .invalid-feedback").first).to_be_visible()  # a reason is required
    assert Activity.objects.filter(pk=activity.pk).exists()
    page.fill("textarea[name=reason]", "误把主题党日录成支委会后又重复录入")
    page.get_by_role("button", name="确认删除").click()
    expect(page.get_by_text("活动记录已删除")).to_be_visible()
    assert not Activity.objects.filter(pk=activity.pk).exists()
    page.locator("#deleted-activities summary").click()
    expect(page.locator("#deleted-activities")).to_contain_text("误把主题党日录成支委会后又重复录入")
    shot(page, "activity_deleted")


def test_staff_see_the_whole_review_backlog_oldest_first(shot, live_server, page, login, tree, personas):
    now = timezone.now()
    old = MonthlyReport.objects.create(
        branch=tree["branch_a"],
        month=date(2025, 8, 1),
        due_on=date(2025, 9, 5),
        status=MonthlyReport.Status.SUBMITTED,
        first_submitted_at=now - timedelta(days=75),
        submitted_at=now - timedelta(days=75),
    )
    MonthlyReport.objects.create(
        branch=tree["branch_b"],
        month=timezone.localdate().replace(day=1) - relativedelta(months=1),
        due_on=timezone.localdate(),
        status=MonthlyReport.Status.SUBMITTED,
        first_submitted_at=now - timedelta(days=2),
        submitted_at=now - timedelta(days=2),
    )
    login(page, "unit_staff")
    expect(page.locator("#backlog-pending")).to_contain_text("2")
    expect(page.locator("#backlog-oldest")).to_contain_text("75 天")
    page.locator("#backlog-pending").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("甲厅第一党支部")
    expect(rows.first).to_contain_text("2025-08")
    expect(rows.first.locator(".waiting-days")).to_have_text("75 天")
    assert_no_serious_axe_violations(page)
    shot(page, "review_backlog")
    rows.first.get_by_role("link", name="审核").click()
    assert page.url.endswith(old.get_absolute_url())


def test_an_approved_early_renewal_moves_the_countdown_and_opens_the_procedure(
    shot, live_server, page, login, tree, personas
):
    branch = tree["branch_a"]
    today = timezone.localdate()
    term = services.term_start(branch=branch, elected_on=today - relativedelta(years=2))  # expires in a year
    member = MemberFactory(branch=branch)
    services.post_assign(term=term, member=member, role=Post.Role.SECRETARY, started_on=term.elected_on)
    advanced_to = today + timedelta(days=60)
    login(page, "secretary")
    page.get_by_role("button", name="组织生活", exact=True).click()  # the menu group
    page.get_by_role("link", name="换届", exact=True).click()
    expect(page.locator("#countdown")).to_contain_text(str((term.ends_on - today).days))
    assert page.get_by_role("link", name="换届请示").count() == 0  # nothing to do a year ahead
    request = renewal_services.postponement_request(
        term=term,
        kind=Postponement.Kind.ADVANCE,
        until=advanced_to,
        reason="机构改革",
        user=personas["secretary"],
    )
    renewal_services.postponement_decide(postponement=request, approve=True, user=personas["unit_staff"])
    page.reload()
    expect(page.locator("#advanced-to")).to_have_text(f"{advanced_to:%Y-%m-%d}")
    expect(page.locator("#countdown")).to_contain_text(str((advanced_to - today).days))
    expect(page.get_by_role("link", name="换届请示")).to_be_visible()
    shot(page, "early_renewal_timeline")
    assert Member.objects.filter(branch=branch).count() == 1


def test_phone_width_lists_scroll_with_readable_columns_and_24px_targets(
    shot, live_server, page, login, tree, personas
):
    MemberFactory.create_batch(30, branch=tree["branch_a"])
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "unit_staff")
    for path in ("/members/", "/reports/review/?status=all", f"/reports/branch/{tree['branch_a'].pk}/"):
        page.goto(f"{live_server.url}{path}")
        narrowest = page.evaluate(
            "() => Math.min(...[...document.querySelectorAll('.table-responsive td, .table-responsive th')]"
            ".filter(c => c.offsetParent && c.textContent.trim()).map(c => c.getBoundingClientRect().width))"
        )
        assert narrowest >= 40, f"{path}: a column is {narrowest}px wide"
        small = page.evaluate(
            "() => [...document.querySelectorAll('main a.btn, main button, main .page-link, main select')]"
            ".filter(e => e.offsetParent).map(e => e.getBoundingClientRect())"
            ".filter(r => r.height < 24 || r.width < 24).length"
        )
        assert small == 0, path
        assert (
            page.evaluate("() => document.documentElement.scrollWidth") <= 390
        )  # the table scrolls, not the page
    shot(page, "phone_members")
