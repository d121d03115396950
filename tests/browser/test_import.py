"""Unit staff onboard branches from a workbook: template → two errors → error workbook → fix →
re-upload → confirm → the branches are in the tree. axe-core runs on every import page."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from branches.models import Member, Organization
from tests.browser.axe import assert_no_serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill(path, rows_by_sheet):
    book = load_workbook(path)
    for name, rows in rows_by_sheet.items():
        for row in rows:
            book[name].append(row)
    book.save(path)


def member_row(branch, number, name, gender="男", status="正式党员"):
    full_since = "2006-07-01" if status == "正式党员" else None
    probation_end = None if status == "正式党员" else "2026-12-01"
    return [
        branch,
        number,
        name,
        gender,
        "1980-01-01",
        "2005/7/1",
        status,
        full_since,
        probation_end,
        "否",
        None,
    ]


def test_unit_staff_onboard_branches_from_a_workbook(
    settings, live_server, page, login, shot, tree, personas, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    login(page, "unit_staff")
    page.get_by_role("button", name="组织", exact=True).click()  # the menu group
    page.get_by_role("link", name="表格导入").first.click()
    expect(page.get_by_role("heading", name="表格导入：组织、党员、届次和职务")).to_be_visible()
    assert_no_serious_axe_violations(page)
    shot(page, "import_index")
    with page.expect_download() as download:
        page.click("#download-template")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    first, second = "甲厅机关党委/综合处党支部", "甲厅/业务处党支部"
    members = [
        member_row(first, f"A{n:02d}", name) for n, name in enumerate(["王建国", "李红梅", "张卫东"], 1)
    ]
    members.append(member_row(first, "A04", "刘芳", gender="不详"))  # error 1: not a choice
    members.append(member_row(first, "A05", "陈志强", status="预备党员"))
    members += [member_row(second, f"B{n:02d}", f"业务{n}") for n in range(1, 4)]
    fill(
        template,
        {
            "组织": [["甲厅机关党委", "综合处党支部", "党支部"], ["甲厅机关党委", "业务处党支部", "党支部"]],
            "党员": members,
            "届次": [[first, "2025-06-01", 3, "是"]],
            "职务": [
                [first, None, "A01", "王建国", "书记", None, "2025-06-20"],
                [first, None, "A05", "陈志强", "组织委员"],  # error 2: probationary in a committee post
            ],
        },
    )
    page.set_input_files("#import-file", str(template))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("#download-errors")).to_be_visible()
    expect(page.get_by_text("有 2 行错误，修改后才能导入")).to_be_visible()
    expect(page.get_by_text("预备党员没有被选举权，不能担任委员。")).to_be_visible()
    assert page.locator("#confirm-import").count() == 0
    assert_no_serious_axe_violations(page)
    shot(page, "import_preview_with_errors")

    with page.expect_download() as download:
        page.click("#download-errors")
    corrected = tmp_path / "corrected.xlsx"
    download.value.save_as(corrected)
    book = load_workbook(corrected)
    sheet = book["党员"]
    messages = {row[2].value: row[-1].value for row in sheet.iter_rows(min_row=3) if row[-1].value}
    assert list(messages) == ["刘芳"] and "“不详”不是可选值" in messages["刘芳"]
    for row in sheet.iter_rows(min_row=3):
        if row[2].value == "刘芳":
            row[3].value = "女"
    posts = book["职务"]
    assert "预备党员没有被选举权" in posts.cell(row=4, column=posts.max_column).value
    posts.cell(row=4, column=3).value = "A02"
    posts.cell(row=4, column=4).value = "李红梅"
    book.save(corrected)

    page.get_by_role("link", name="重新上传").first.click()
    page.set_input_files("#import-file", str(corrected))
    page.get_by_role("button", name="上传并预览").click()
    expect(page.locator("#confirm-import")).to_be_visible()
    sheet_members = page.locator("section[data-sheet='党员']")
    expect(sheet_members.locator("[data-count=create]")).to_have_text("新建 8")
    assert Member.objects.count() == 0  # nothing written before the confirmation
    assert_no_serious_axe_violations(page)
    shot(page, "import_preview_ok")

    page.click("#confirm-import")
    expect(page.locator("#import-result")).to_be_visible()
    expect(page.locator("#import-checks")).to_contain_text("COM-")
    assert_no_serious_axe_violations(page)
    shot(page, "import_result")
    assert Member.objects.filter(branch__name="综合处党支部").count() == 5

    page.get_by_role("link", name="查看组织架构").click()
    expect(page.get_by_text("综合处党支部").first).to_be_visible()
    expect(page.get_by_text("业务处党支部").first).to_be_visible()
    shot(page, "import_tree")
    branch = Organization.objects.get(name="综合处党支部")
    page.goto(f"{live_server.url}{branch.get_absolute_url()}")
    expect(page.get_by_text("表格导入 #").first).to_be_visible()  # the history names the import
    shot(page, "import_branch_history")

    page.goto(f"{live_server.url}/imports/")
    expect(page.locator("#import-jobs")).to_contain_text("已导入")
    assert_no_serious_axe_violations(page)
