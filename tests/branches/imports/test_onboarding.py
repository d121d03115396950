"""Onboarding import: preview counts, each error kind, idempotent re-import, scope, transaction."""

from datetime import date

import pytest

from branches import services
from branches.models import ImportJob, Member, Organization, Post, Term

from .conftest import counts, errors, member, org, post, term

pytestmark = pytest.mark.django_db
Kind = Organization.Kind
COMPREHENSIVE = "甲厅机关党委/综合处党支部"


def test_preview_counts_and_nothing_written_before_confirm(personas, small_workbook, run_import):
    orgs_before = Organization.objects.count()
    job = run_import(personas["unit_staff"], small_workbook)
    assert job.status == ImportJob.Status.PREVIEW
    assert job.preview["error_count"] == 0
    assert counts(job) == {
        "组织": {"create": 2, "update": 0, "unchanged": 0, "error": 0},
        "党员": {"create": 8, "update": 0, "unchanged": 0, "error": 0},
        "届次": {"create": 1, "update": 0, "unchanged": 0, "error": 0},
        "职务": {"create": 2, "update": 0, "unchanged": 0, "error": 0},
    }
    assert Organization.objects.count() == orgs_before
    assert Member.objects.count() == 0
    assert Term.objects.count() == 0


def test_confirm_writes_through_services_with_history_naming_import_and_uploader(
    personas, tree, small_workbook, run_import, confirm
):
    job = confirm(run_import(personas["unit_staff"], small_workbook))
    assert job.status == ImportJob.Status.DONE, job.message
    branch = Organization.objects.get(name="综合处党支部")
    assert branch.parent == tree["unit_a"] and branch.unit == tree["unit_a"]
    assert branch.path == f"{tree['unit_a'].path}{branch.pk}/" and branch.depth == 2
    assert Member.objects.filter(branch=branch).count() == 5
    assert set(Member.objects.filter(branch=branch).values_list("number", flat=True)) == {
        "A001",
        "A002",
        "A003",
        "A004",
        "A005",
    }
    active = Term.objects.get(branch=branch, status=Term.Status.ACTIVE)
    assert active.has_committee is False and active.ends_on == date(2028, 6, 1)
    secretary = Post.objects.get(term=active, role=Post.Role.SECRETARY)
    assert secretary.member.number == "A001" and secretary.approved_on == date(2025, 6, 20)
    for model in (Member, Organization, Term, Post):
        record = model.history.order_by("-history_id").first()
        assert record.history_change_reason == job.label
        assert record.history_user == personas["unit_staff"]
    assert job.label.startswith(f"表格导入 #{job.pk}")
    # The checks ran on the result: the second branch has no term, so its secretary is vacant.
    by_check = {(c["check"], c["severity"]): c["count"] for c in job.result["checks"]["by_check"]}
    assert by_check[("COM-04", "error")] == 1
    assert any(f["org"] == "业务处党支部" and f["check"] == "COM-04" for f in job.result["checks"]["failing"])


def test_reimport_of_the_same_workbook_changes_nothing(personas, small_workbook, run_import, confirm):
    confirm(run_import(personas["unit_staff"], small_workbook))
    history = Member.history.count(), Organization.history.count(), Post.history.count()
    again = run_import(personas["unit_staff"], small_workbook)
    assert counts(again) == {
        "组织": {"create": 0, "update": 0, "unchanged": 2, "error": 0},
        "党员": {"create": 0, "update": 0, "unchanged": 8, "error": 0},
        "届次": {"create": 0, "update": 0, "unchanged": 1, "error": 0},
        "职务": {"create": 0, "update": 0, "unchanged": 2, "error": 0},
    }
    assert confirm(again).status == ImportJob.Status.DONE
    assert (Member.history.count(), Organization.history.count(), Post.history.count()) == history
    assert Member.objects.count() == 8


def test_changed_rows_show_old_and_new_and_missing_members_are_reported_not_deleted(
    personas, small_workbook, run_import, confirm
):
    confirm(run_import(personas["unit_staff"], small_workbook))
    small_workbook["党员"][0]["姓名"] = "综合一号"
    small_workbook["党员"][1]["入党日期"] = "2004年7月1日"
    del small_workbook["党员"][4]  # A005 left out
    job = run_import(personas["unit_staff"], small_workbook)
    assert counts(job)["党员"] == {"create": 0, "update": 2, "unchanged": 5, "error": 0}
    updates = {row["row"]: row["changes"] for row in job.preview["sheets"][1]["samples"]["update"]}
    assert updates == {3: [["姓名", "综合1", "综合一号"]], 4: [["入党日期", "2005-07-01", "2004-07-01"]]}
    [(title, lines)] = job.preview["notes"]
    assert "1 名党员不在本次导入" in title
    assert lines == ["综合处党支部：综合5（编号 A005）不在本次导入中，未删除。"]
    confirm(job)
    assert Member.objects.get(number="A001").name == "综合一号"
    assert Member.objects.filter(number="A005", state=Member.State.ACTIVE).exists()
    assert Member.objects.get(number="A001").history.first().history_change_reason == job.label


def test_member_entered_by_hand_is_matched_by_name_and_birth_date_and_gets_the_number(
    personas, tree, run_import, confirm
):
    by_hand = services.member_create(
        branch=tree["branch_a"],
        name="王建国",
        gender=Member.Gender.MALE,
        birth_date=date(1980, 1, 1),
        joined_on=date(2005, 7, 1),
        full_since=date(2006, 7, 1),
    )
    job = run_import(personas["unit_staff"], {"党员": [member("甲厅/甲厅第一党支部", "001", "王建国")]})
    assert counts(job)["党员"]["update"] == 1
    confirm(job)
    by_hand.refresh_from_db()
    assert by_hand.number == "001" and Member.objects.count() == 1


@pytest.mark.parametrize(
    ("sheets", "sheet", "row", "column", "text"),
    [
        (
            {"组织": [org("甲厅机关党委/不存在的总支", "第九党支部")]},
            "组织",
            3,
            "上级组织",
            "找不到组织“甲厅机关党委/不存在的总支”",
        ),
        (
            {"组织": [org("丙厅机关党委", "第九党支部")]},
            "组织",
            3,
            "上级组织",
            "找不到机关党委“丙厅机关党委”",
        ),
        (
            {"组织": [org("甲厅机关党委", "第九党小组", "党小组")]},
            "组织",
            3,
            "组织类型",
            "党小组的上级组织必须是",
        ),
        (
            {
                "党员": [
                    member(COMPREHENSIVE, "A1", "甲", **{"入党日期": "2010-07-01", "转正日期": "2009-07-01"})
                ]
            },
            "党员",
            3,
            "转正日期",
            "转正日期不能早于入党日期",
        ),
        (
            {"党员": [member(COMPREHENSIVE, "A1", "甲", **{"党员类别": "预备党员", "转正日期": None})]},
            "党员",
            3,
            "预备期满日期",
            "预备党员必须填写预备期满日期",
        ),
        ({"党员": [member(COMPREHENSIVE, "A1", "甲", **{"性别": "未知"})]}, "党员", 3, "性别", "不是可选值"),
        (
            {"党员": [member(COMPREHENSIVE, "A1", "甲", **{"出生日期": "1980年13月1日"})]},
            "党员",
            3,
            "出生日期",
            "不存在的日期",
        ),
        (
            {"党员": [member(COMPREHENSIVE, "A1", "甲", **{"出生日期": "去年"})]},
            "党员",
            3,
            "出生日期",
            "日期格式无法识别",
        ),
        ({"党员": [member(COMPREHENSIVE, "A1", "甲", **{"姓名": None})]}, "党员", 3, "姓名", "必填项未填写"),
        (
            {"党员": [member(COMPREHENSIVE, "A1", "甲"), member(COMPREHENSIVE, "A1", "乙")]},
            "党员",
            4,
            "党员编号",
            "与第 3 行的党员编号重复",
        ),
        (
            {"党员": [member(COMPREHENSIVE, "A1", "甲", **{"党小组": "第九小组"})]},
            "党员",
            3,
            "党小组",
            "没有名为“第九小组”的党小组",
        ),
        (
            {"届次": [term(COMPREHENSIVE, "2025-06-01", **{"任期（年）": 9})]},
            "届次",
            3,
            "任期（年）",
            "任期应为 1 至 5 年",
        ),
        ({"届次": [term(COMPREHENSIVE, "2099-06-01")]}, "届次", 3, "选举日期", "选举日期不能晚于今天"),
        ({"职务": [post(COMPREHENSIVE, "A9", "书记")]}, "职务", 3, "党员编号", "没有编号为 A9 的党员"),
    ],
    ids=[
        "unknown-parent",
        "unknown-unit",
        "kind-under-wrong-parent",
        "joined-after-full",
        "probation-end-missing",
        "bad-choice",
        "impossible-date",
        "unreadable-date",
        "required-missing",
        "duplicate-number",
        "unknown-cell",
        "term-length",
        "future-election",
        "unknown-member",
    ],
)
def test_each_error_names_row_column_and_rule(
    personas, small_workbook, run_import, sheets, sheet, row, column, text
):
    for name, rows in sheets.items():
        small_workbook[name] = rows + small_workbook[name]  # the rows under test come first
    job = run_import(personas["unit_staff"], small_workbook)
    found = errors(job, sheet)
    assert any(col == column and text in message for col, message in found[row]), found


def test_probationary_member_in_committee_post_and_second_secretary_are_errors(
    personas, small_workbook, run_import
):
    small_workbook["党员"].append(
        member(
            COMPREHENSIVE,
            "P01",
            "预备甲",
            **{"党员类别": "预备党员", "转正日期": None, "预备期满日期": "2026-09-01"},
        )
    )
    small_workbook["届次"][0]["设支部委员会"] = "是"
    small_workbook["职务"] += [post(COMPREHENSIVE, "P01", "组织委员"), post(COMPREHENSIVE, "A003", "书记")]
    job = run_import(personas["unit_staff"], small_workbook)
    found = errors(job, "职务")
    assert found == {
        5: [("职务", "预备党员没有被选举权，不能担任委员。")],
        6: [("职务", "本届已有在任书记，请先办理原书记离任。")],
    }
    assert counts(job)["职务"]["create"] == 2


def test_unit_staff_rows_in_another_unit_are_errors_admin_may_import_any_unit(
    personas, small_workbook, run_import, confirm
):
    small_workbook["组织"].append(org("乙厅机关党委", "乙厅第九党支部"))
    small_workbook["党员"].append(member("乙厅机关党委/乙厅第一党支部", "C1", "外单位"))
    job = run_import(personas["unit_staff"], small_workbook)
    assert errors(job, "组织")[5] == [
        ("上级组织", "“乙厅机关党委”不在您的管辖范围内，只能导入本单位的组织和党员。")
    ]
    assert errors(job, "党员")[11][0][1].endswith("不在您的管辖范围内，只能导入本单位的组织和党员。")
    assert job.preview["error_count"] == 2
    admin_job = confirm(run_import(personas["admin"], small_workbook))
    assert admin_job.status == ImportJob.Status.DONE, admin_job.message
    assert Member.objects.filter(branch__name="乙厅第一党支部", number="C1").exists()


def test_a_change_since_the_preview_making_the_last_row_invalid_writes_nothing(
    personas, tree, small_workbook, run_import, confirm
):
    existing = services.member_create(
        branch=tree["branch_a"],
        number="X1",
        name="老党员",
        gender=Member.Gender.MALE,
        birth_date=date(1970, 1, 1),
        joined_on=date(1995, 7, 1),
        full_since=date(1996, 7, 1),
    )
    small_workbook["届次"].append(term("甲厅机关党委/甲厅第一党支部", "2025-01-10"))
    small_workbook["职务"].append(post("甲厅机关党委/甲厅第一党支部", "X1", "纪检委员"))
    job = run_import(personas["unit_staff"], small_workbook)
    assert job.preview["error_count"] == 0
    services.member_update(
        member=existing,
        status=Member.Status.PROBATIONARY,
        probation_ends_on=date(2026, 12, 1),
        full_since=None,
    )
    before = Organization.objects.count(), Member.objects.count(), Term.objects.count(), Post.objects.count()
    job = confirm(job)
    assert job.status == ImportJob.Status.PREVIEW
    assert "未写入任何数据" in job.message
    assert errors(job, "职务") == {5: [("职务", "预备党员没有被选举权，不能担任委员。")]}
    assert (
        Organization.objects.count(),
        Member.objects.count(),
        Term.objects.count(),
        Post.objects.count(),
    ) == before


def test_a_service_refusing_the_last_write_rolls_back_everything(
    personas, small_workbook, run_import, confirm, monkeypatch
):
    from django.core.exceptions import ValidationError

    job = run_import(personas["unit_staff"], small_workbook)
    before = Organization.objects.count(), Member.objects.count(), Term.objects.count(), Post.objects.count()

    def refuse(**kwargs):
        raise ValidationError("本届已有在任书记，请先办理原书记离任。")

    monkeypatch.setattr(services, "posts_assign_batch", refuse)
    job = confirm(job)
    assert job.status == ImportJob.Status.PREVIEW
    assert job.message == "导入被拒绝，未写入任何数据：本届已有在任书记，请先办理原书记离任。"
    assert (
        Organization.objects.count(),
        Member.objects.count(),
        Term.objects.count(),
        Post.objects.count(),
    ) == before


def test_new_term_closes_the_current_one_and_its_posts(personas, tree, run_import, confirm):
    branch = tree["branch_a"]
    holder = services.member_create(
        branch=branch,
        number="S1",
        name="原书记",
        gender=Member.Gender.MALE,
        birth_date=date(1970, 1, 1),
        joined_on=date(1995, 7, 1),
        full_since=date(1996, 7, 1),
    )
    old = services.term_start(branch=branch, elected_on=date(2022, 3, 1))
    services.post_assign(term=old, member=holder, role=Post.Role.SECRETARY, started_on=date(2022, 3, 1))
    path = "甲厅机关党委/甲厅第一党支部"
    job = run_import(
        personas["unit_staff"],
        {
            "届次": [term(path, "2025-03-01")],
            "职务": [post(path, "S1", "书记", **{"届次选举日期": "2025-03-01"})],
        },
    )
    assert job.preview["error_count"] == 0
    assert "将结束 2022-03-01 选举的现届次" in job.preview["sheets"][2]["samples"]["create"][0]["label"]
    confirm(job)
    old.refresh_from_db()
    assert old.status == Term.Status.CLOSED
    assert Post.objects.filter(term=old, ended_on=date(2025, 3, 1)).count() == 1
    assert Post.objects.get(term__status=Term.Status.ACTIVE, role=Post.Role.SECRETARY).member == holder
