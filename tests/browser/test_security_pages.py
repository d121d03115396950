"""Browser: the pages added for security work under the Content-Security-Policy (no violation
reported by Chromium, behaviour wired by static JS) and pass axe-core."""

import pytest
from playwright.sync_api import expect

from branches.models import Organization, User
from tests.browser.axe import assert_no_serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def csp_violations(page):
    found = []
    page.on("console", lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None)
    return found


def failed_login(page, live_server, username):
    """One sign-in attempt with a wrong password (the shared ``login`` fixture expects success)."""
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")


def test_admin_moves_a_branch_with_the_confirm_dialog(live_server, page, login, shot, tree, personas):
    violations = csp_violations(page)
    login(page, "admin")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/orgs/{tree['branch_a'].pk}/")
    page.get_by_role("link", name="移动").click()
    expect(page.get_by_role("heading", name="移动 甲厅第一党支部")).to_be_visible()
    assert_no_serious_axe_violations(page)
    page.select_option("select[name=new_parent]", label="乙厅机关党委")
    shot(page, "org_move")
    page.once("dialog", lambda dialog: dialog.accept())  # data-confirm, wired by portal.js
    page.get_by_role("button", name="移动").click()
    expect(page.locator(".alert-success")).to_contain_text("乙厅机关党委")
    assert Organization.objects.get(pk=tree["branch_a"].pk).parent_id == tree["unit_b"].pk
    assert violations == []


def test_forced_password_change_page(live_server, page, login, shot, tree, personas):
    violations = csp_violations(page)
    User.objects.filter(username="secretary").update(must_change_password=True)
    login(page, "secretary")
    page.wait_for_url(f"{live_server.url}/accounts/password/change/")
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()
    assert_no_serious_axe_violations(page)
    shot(page, "password_change_forced")
    page.fill("input[name=old_password]", "pw-123456")
    page.fill("input[name=new_password1]", "Browser-pass-135")
    page.fill("input[name=new_password2]", "Browser-pass-135")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_role("heading", name="密码已修改")).to_be_visible()
    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/"
    assert violations == []


def test_lockout_and_reset_pages(live_server, page, shot, tree, personas, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        failed_login(page, live_server, "outsider")
    expect(page.locator("#lockout-duration")).to_contain_text("15 分钟")
    assert_no_serious_axe_violations(page)
    shot(page, "lockout")
    page.get_by_role("link", name="忘记密码？通过电子邮件重设").click()
    expect(page.get_by_role("heading", name="重设密码")).to_be_visible()
    assert_no_serious_axe_violations(page)
    shot(page, "password_reset")


def test_bad_request_page(live_server, page, login, shot, tree, personas):
    login(page, "admin")
    page.wait_for_url(f"{live_server.url}/")
    response = page.goto(f"{live_server.url}/orgs/?q=%00")
    assert response.status == 400
    expect(page.get_by_role("heading", name="请求无效")).to_be_visible()
    assert_no_serious_axe_violations(page)
    shot(page, "bad_request")
