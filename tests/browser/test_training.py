"""Journey: unit staff create a training event, enrol through the tree picker, import a sign-in
sheet (preview, then confirm) and see the unit's coverage change; the secretary sees their hours.
Every page is checked with axe-core (no serious or critical violations)."""

from datetime import date
from io import BytesIO

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from branches.models import Post, Term
from tests.browser.axe import assert_no_serious_axe_violations
from tests.factories import MemberFactory
from training import services
from training.models import Attendance, Tier, TopicTag, TrainingEvent

YEAR = date.today().year
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def check(shot):
    """Screenshot, then axe-core: no serious or critical violations."""

    def run(page, name):
        shot(page, name)
        assert_no_serious_axe_violations(page)

    return run


@pytest.fixture
def unit(tree, personas):
    """unit_a: two branches with secretaries and members; the secretary persona is branch_a's."""
    # the default topics come from a data migration, which a transactional test's flush empties
    TopicTag.objects.get_or_create(name="党支部标准化规范化建设", defaults={"is_standard": True})
    out = {}
    for key in ("branch_a", "branch_b"):
        branch = tree[key]
        members = [
            MemberFactory(branch=branch, name=f"{branch.name[:2]}{branch.name[2:4]}党员{i}") for i in range(4)
        ]
        term = Term.objects.create(
            branch=branch, elected_on=date(YEAR - 1, 1, 10), ends_on=date(YEAR + 2, 1, 10)
        )
        Post.objects.create(
            term=term, member=members[0], role=Post.Role.SECRETARY, started_on=date(YEAR - 1, 1, 10)
        )
        out[key] = members
    secretary = out["branch_a"][0]
    secretary.name = "王书记"
    secretary.user = personas["secretary"]
    secretary.save()
    out["branch_a"][1].number = "A-02"
    out["branch_a"][1].save()
    return out


def sign_in_sheet(tmp_path, tree, unit):
    workbook = Workbook()
    ws = workbook.active
    ws.append(["姓名", "支部", "党员编号", "学时"])
    ws.append(["王书记", tree["branch_a"].name, None, None])
    ws.append([unit["branch_a"][1].name, None, "A-02", 12])  # the roster number (Member.number)
    ws.append(["查无此人", tree["branch_a"].name, None, None])
    path = tmp_path / "签到表.xlsx"
    buffer = BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_staff_create_event_import_sheet_and_coverage_changes_secretary_sees_hours(
    new_page, check, live_server, tree, personas, unit, tmp_path
):
    page = new_page(personas["unit_staff"])
    coverage_url = f"{live_server.url}/training/coverage/{tree['unit_a'].pk}/?year={YEAR}"
    page.goto(coverage_url)
    std = page.locator("#coverage-table tfoot td").nth(4)
    expect(std).to_contain_text("0.0%")
    check(page, "01-coverage-before")

    # create an event on the standard
    page.goto(f"{live_server.url}/training/events/new/")
    page.select_option("select[name=tier]", "unit")
    page.select_option("select[name=organizer]", str(tree["unit_a"].pk))
    page.fill("input[name=title]", "党支部标准化规范化建设专题轮训班")
    page.fill("input[name=start_on]", f"{YEAR}-03-01")
    page.fill("input[name=end_on]", f"{YEAR}-03-02")
    page.fill("input[name=hours]", "16")
    page.select_option("select[name=audience]", "committee")
    page.get_by_label("党支部标准化规范化建设").check()
    check(page, "02-event-form")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_contain_text("党支部标准化规范化建设专题轮训班")

    # enrol someone through the tree picker (htmx search)
    page.fill("#picker-q", unit["branch_b"][2].name)
    page.locator(f"#pick-{unit['branch_b'][2].pk}").check()
    page.get_by_role("button", name="报名所选党员").click()
    expect(page.locator(".alert-success")).to_contain_text("已报名 1 人")
    check(page, "03-event-enrolled")

    # import the sign-in sheet: preview first, nothing saved yet
    page.get_by_role("link", name="导入签到表").click()
    page.set_input_files("input[name=file]", str(sign_in_sheet(tmp_path, tree, unit)))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("#import-counts")).to_contain_text("已匹配")
    expect(page.locator("#import-counts .stat-value").first).to_have_text("2")
    expect(page.get_by_text("查无此人")).to_be_visible()
    expect(page.locator("#import-rows")).to_contain_text("未找到")
    check(page, "04-import-preview")
    with page.expect_download() as download:
        page.locator("#download-errors").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.get_by_role("button", name="确认导入 2 条已匹配记录").click()
    expect(page.locator("#import-result")).to_contain_text("新增 2 条")
    check(page, "05-import-done")

    # coverage changed: branch_a's secretary attended training on the standard
    page.goto(coverage_url)
    expect(page.locator("#coverage-table tfoot td").nth(4)).to_contain_text("50.0%")
    check(page, "06-coverage-after")
    page.close()

    # the secretary sees their own and their members' hours and what is still required
    page = new_page(personas["secretary"])
    page.goto(f"{live_server.url}/training/mine/")
    row = page.locator("#hours-table tr", has_text="王书记")
    expect(row).to_contain_text("16.0")
    expect(row).to_contain_text("40.0")  # 56 required for the secretary
    expect(page.locator("#hours-table tr", has_text=unit["branch_a"][1].name)).to_contain_text("12.0")
    check(page, "07-secretary-hours")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("本人已获 16.0 学时")).to_be_visible()
    check(page, "08-secretary-home")


def test_provincial_staff_see_the_provincial_cycle_and_who_misses_it(
    new_page, check, live_server, tree, personas, unit
):
    event = TrainingEvent.objects.create(
        tier=Tier.PROVINCIAL,
        organizer=tree["root"],
        title="省级示范培训班",
        start_on=date(YEAR - 2, 5, 10),
        end_on=date(YEAR - 2, 5, 12),
        hours=16,
        audience=TrainingEvent.Audience.SECRETARIES,
    )
    Attendance.objects.create(
        event=event, member=unit["branch_a"][0], status=Attendance.Status.ATTENDED, hours_credited=16
    )
    services.refresh_member_years([unit["branch_a"][0].pk])
    page = new_page(personas["provincial"])
    page.goto(f"{live_server.url}/training/coverage/?year={YEAR}")
    table = page.locator("#coverage-table")
    expect(table.locator("thead th").nth(6)).to_have_text("近3年参加过省级培训的书记占比")
    expect(table.locator("tfoot td").nth(5)).to_contain_text("50.0%")
    expect(table.locator("tfoot td").nth(5)).to_contain_text("1/2")
    check(page, "11-coverage-provincial-cycle")
    page.get_by_role("link", name=tree["unit_a"].name).click()
    missing = page.locator("section", has=page.locator("#h-cycle"))
    expect(missing.locator("h2")).to_have_text("近3年未参加省级培训的书记（1）")
    expect(missing).to_contain_text(unit["branch_b"][0].name)
    expect(missing).to_contain_text("从未参加省级培训")
    expect(missing).not_to_contain_text("王书记")
    check(page, "12-drill-down-provincial-cycle")
