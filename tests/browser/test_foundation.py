"""User journey: a secretary sees their roster; unit staff cannot open another unit's branch."""

from datetime import date

import pytest
from playwright.sync_api import expect

from branches import services
from branches.models import Member, Post
from tests.factories import MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_sees_roster_and_unit_staff_get_404_outside_scope(
    live_server, page, tree, personas, login, shot
):
    branch = tree["branch_a"]
    members = [
        MemberFactory(branch=branch, name=name) for name in ("王建国", "李红梅", "张卫东", "刘芳", "陈志强")
    ]
    members += MemberFactory.create_batch(4, branch=branch)
    MemberFactory(
        branch=branch,
        status=Member.Status.PROBATIONARY,
        full_since=None,
        joined_on=date(2026, 3, 1),
        probation_ends_on=date(2027, 3, 1),
    )
    term = services.term_start(branch=branch, elected_on=date(2025, 6, 1))
    roles = (Post.Role.SECRETARY, Post.Role.ORGANIZATION, Post.Role.PUBLICITY, Post.Role.DISCIPLINE)
    for member, role in zip(members, roles, strict=False):
        services.post_assign(
            term=term, member=member, role=role, started_on=term.elected_on, approved_on=date(2025, 6, 20)
        )

    login(page, "secretary")
    expect(
        page.get_by_role("heading", name=branch.name, exact=True)
    ).to_be_visible()  # home panel of their branch
    shot(page, "browser_secretary_home")
    page.click(f"text={branch.name}")
    assert page.locator("h1", has_text=branch.name).is_visible()
    assert page.locator("#roster-summary").inner_text().split()[0] == "10"
    assert page.locator("#check-results").is_visible()
    shot(page, "browser_secretary_branch")

    page.click("text=党员名册 >> nth=1")  # the roster button of the branch page
    roster = page.locator("#roster")
    for name in ("王建国", "李红梅", "陈志强"):
        assert roster.get_by_text(name).is_visible()
    shot(page, "browser_secretary_roster")

    login(page, "unit_staff")
    page.goto(f"{live_server.url}/orgs/")
    page.get_by_role("button", name=f"展开 {branch.name}").click()  # loads the branch's cells with htmx
    page.get_by_text("第一党小组").wait_for()
    shot(page, "browser_unit_staff_tree")
    response = page.goto(f"{live_server.url}/orgs/{tree['branch_c'].pk}/")
    assert response.status == 404
    assert page.get_by_text("您访问的页面不存在，或不在您的管辖范围内。").is_visible()
    shot(page, "browser_unit_staff_404")


def test_unit_staff_see_their_own_new_member_on_home_at_once(live_server, page, tree, personas, login, shot):
    """The home's staff figures are shared for a minute; the viewer's own change shows at once."""
    MemberFactory.create_batch(3, branch=tree["branch_a"])
    login(page, "unit_staff")
    members = page.locator(".card.stat", has_text="在册党员").locator(".stat-value")
    expect(members).to_have_text("3")
    MemberFactory(branch=tree["branch_b"])  # a colleague's change elsewhere: shows within the minute
    page.reload()
    expect(members).to_have_text("3")

    page.goto(f"{live_server.url}/orgs/{tree['branch_a'].pk}/members/new/")
    page.fill("input[name=name]", "新同志")
    page.select_option("select[name=gender]", "female")
    page.fill("input[name=birth_date]", "1990-01-01")
    page.fill("input[name=joined_on]", "2015-07-01")
    page.select_option("select[name=status]", "full")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="新同志")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(members).to_have_text("5")
    shot(page, "browser_unit_staff_home_after_own_write")


def test_the_english_menu_wraps_within_the_bar(browser, browser_context_args, personas, login, shot):
    """English labels are longer: on a narrow desktop the menu takes a second line instead of running
    off the bar (the user menu was cut off)."""
    context = browser.new_context(
        **{**browser_context_args, "locale": "en-US", "viewport": {"width": 1000, "height": 800}}
    )
    page = login(context.new_page(), "admin")
    expect(page.get_by_role("link", name="Notifications")).to_be_in_viewport()
    assert page.locator("#mainnav").evaluate("nav => nav.scrollWidth <= nav.clientWidth")
    shot(page, "browser_admin_home_english", full_page=False)
