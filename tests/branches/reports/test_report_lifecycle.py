from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from branches.models import MonthlyReport, ReportEvent
from branches.policy import policy_set
from branches.reports import services

from .conftest import Kind, record

pytestmark = pytest.mark.django_db
Status = MonthlyReport.Status
TZ = ZoneInfo("Asia/Shanghai")
ON_TIME = datetime(2026, 3, 4, 9, tzinfo=TZ)
MONTH = date(2026, 2, 1)


@pytest.fixture
def report(tree, personas):
    return services.report_get_or_create(
        branch=tree["branch_a"], month=MONTH, user=personas["secretary"], today=date(2026, 3, 2)
    )


def fill(report, user, **overrides):
    fields = {
        "dues_members_due": 10,
        "dues_members_paid": 10,
        "dues_amount": Decimal("356.50"),
        "problems": "个别党员学习不够主动",
        "next_month_plan": "3月5日主题党日",
        "declaration": True,
        "gap_reason": "党员大会与主题党日合并召开",
    }
    fields.update(overrides)
    return services.report_save(report=report, user=user, version=report.version, **fields)


def submit(report, user, now=ON_TIME):
    return services.report_submit(report=report, user=user, version=report.version, now=now)


def test_due_date_defaults_to_the_fifth_of_next_month_and_is_configurable(report, tree, personas):
    assert report.due_on == date(2026, 3, 5)
    policy_set(key="report.due_day", value=10)
    january = services.report_get_or_create(
        branch=tree["branch_a"], month=date(2026, 1, 1), user=personas["secretary"], today=date(2026, 3, 2)
    )
    assert january.due_on == date(2026, 2, 10)


def test_one_report_per_branch_and_month(report, tree, personas):
    again = services.report_get_or_create(
        branch=tree["branch_a"], month=date(2026, 2, 15), user=personas["secretary"], today=date(2026, 3, 2)
    )
    assert again.pk == report.pk
    with pytest.raises(IntegrityError):
        MonthlyReport.objects.create(branch=tree["branch_a"], month=MONTH, due_on=date(2026, 3, 5))


def test_full_lifecycle_with_return_resubmit_accept_and_reopen(report, personas):
    secretary, staff = personas["secretary"], personas["unit_staff"]
    report = submit(fill(report, secretary), secretary)
    assert report.status == Status.SUBMITTED and report.is_late is False

    with pytest.raises(ValidationError) as excinfo:
        fill(report, secretary, problems="改")
    assert excinfo.value.messages == ["报告已报送，处于锁定状态，不能修改。"]

    with pytest.raises(ValidationError) as excinfo:
        services.report_return(report=report, user=staff, comment="  ")
    assert excinfo.value.messages == ["退回时须填写修改意见。"]
    report = services.report_return(report=report, user=staff, comment="请补充党费上缴日期")
    assert report.status == Status.RETURNED and report.review_comment == "请补充党费上缴日期"

    report = fill(report, secretary, dues_handed_over_on=date(2026, 3, 3))
    report = submit(report, secretary, now=datetime(2026, 3, 9, tzinfo=TZ))
    assert report.status == Status.RESUBMITTED
    assert report.is_late is False  # lateness is judged on the first submission

    report = services.report_accept(report=report, user=staff)
    assert report.status == Status.ACCEPTED

    with pytest.raises(ValidationError):
        fill(report, secretary, problems="更正")
    report = services.report_reopen(report=report, user=staff, comment="党费金额有误")
    assert (report.status, report.revision) == (Status.RETURNED, 2)
    report = submit(fill(report, secretary, dues_amount=Decimal("360.00")), secretary)
    actions = list(report.events.values_list("action", "revision"))
    assert actions == [
        ("submit", 1),
        ("return", 1),
        ("resubmit", 1),
        ("accept", 1),
        ("reopen", 2),
        ("resubmit", 2),
    ]
    # Every conditional UPDATE also left an audit row (simple-history) with who changed it.
    assert list(report.history.order_by("history_id").values_list("status", flat=True))[-3:] == [
        "returned",
        "returned",
        "resubmitted",
    ]
    assert report.history.latest().history_user == secretary
    versions = report.events.filter(action=ReportEvent.Action.RESUBMIT).order_by("pk")
    assert [v.content["inputs"]["dues_amount"] for v in versions] == ["356.50", "360.00"]


def test_submission_after_the_due_date_is_flagged_late(report, personas):
    report = submit(
        fill(report, personas["secretary"]), personas["secretary"], now=datetime(2026, 3, 6, 9, tzinfo=TZ)
    )
    assert report.is_late is True


def test_submission_is_validated_with_clear_messages(report, personas):
    secretary = personas["secretary"]
    report = fill(report, secretary, declaration=False, dues_members_paid=11, gap_reason="")
    with pytest.raises(ValidationError) as excinfo:
        submit(report, secretary)
    messages = excinfo.value.messages
    assert "请勾选声明：所填内容与原始记录一致。" in messages
    assert "实缴党费人数不能多于应缴人数。" in messages
    assert (
        "本月以下活动未按要求开展：支部委员会（每月）、党小组会（每月，各党小组）、主题党日（每月）、集中学习（每月）。请填写说明。"
        in messages
    )


def test_no_gap_reason_needed_when_the_month_is_complete(report, personas, tree):
    for kind in (Kind.COMMITTEE, Kind.THEME_DAY, Kind.STUDY):
        record(tree["branch_a"], kind, date(2026, 2, 10))
    record(tree["branch_a"], Kind.CELL, date(2026, 2, 11), cell=tree["cell_a"])
    report = submit(fill(report, personas["secretary"], gap_reason=""), personas["secretary"])
    assert report.snapshot["gaps"] == []
    assert report.snapshot["attendance_rate_full"] == 0.9
    assert len(report.snapshot["activities"]) == 4


def test_the_current_month_cannot_be_submitted_before_it_ends(tree, personas):
    report = services.report_get_or_create(
        branch=tree["branch_a"], month=date(2026, 3, 1), user=personas["secretary"], today=date(2026, 3, 20)
    )
    report = fill(report, personas["secretary"])
    with pytest.raises(ValidationError) as excinfo:
        services.report_submit(
            report=report,
            user=personas["secretary"],
            version=report.version,
            now=datetime(2026, 3, 20, tzinfo=TZ),
        )
    assert excinfo.value.messages == ["本月尚未结束，2026-04-01 起可以报送。"]


def test_a_stale_form_cannot_overwrite_newer_figures(report, personas):
    stale_version = report.version
    fill(report, personas["secretary"])
    with pytest.raises(ValidationError) as excinfo:
        services.report_save(report=report, user=personas["secretary"], version=stale_version, problems="x")
    assert excinfo.value.messages == ["报告已被他人修改或已报送，请刷新页面后再试。"]


def test_a_secretary_cannot_file_for_another_branch(tree, personas):
    with pytest.raises(PermissionDenied):
        services.report_get_or_create(
            branch=tree["branch_b"], month=MONTH, user=personas["secretary"], today=date(2026, 3, 2)
        )


def test_only_reviewers_accept_and_a_report_is_accepted_once(report, personas):
    report = submit(fill(report, personas["secretary"]), personas["secretary"])
    with pytest.raises(PermissionDenied):
        services.report_accept(report=report, user=personas["secretary"])
    with pytest.raises(PermissionDenied):
        services.report_accept(report=report, user=personas["outsider"])
    services.report_accept(report=report, user=personas["unit_staff"])
    with pytest.raises(ValidationError) as excinfo:
        services.report_accept(report=report, user=personas["provincial"])
    assert excinfo.value.messages == ["报告状态已变化（可能已被他人处理），请刷新页面后再试。"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"dues_amount": Decimal("-1")}, "收缴党费金额不能为负数。"),
        ({"dues_handed_over_on": date(2099, 1, 1)}, "党费上缴日期不能晚于今天。"),
        ({"dues_handed_over_on": date(2026, 1, 31)}, "党费上缴日期不能早于报告月份（2026-02）。"),
        ({"study_hours": Decimal("-0.5")}, "人均学习学时不能为负数。"),
        ({"study_hours": Decimal("41")}, "人均学习学时 41 超过每月上限 40 学时，请核对。"),
    ],
)
def test_implausible_figures_are_refused_on_draft_save_and_on_submit(report, personas, overrides, message):
    with pytest.raises(ValidationError) as excinfo:
        fill(report, personas["secretary"], **overrides)
    assert message in excinfo.value.messages
    # written past the draft check (e.g. by an older version): submit refuses too
    MonthlyReport.objects.filter(pk=report.pk).update(**overrides)
    MonthlyReport.objects.filter(pk=report.pk).update(
        dues_members_due=10,
        dues_members_paid=10,
        dues_amount=overrides.get("dues_amount", 1),
        declaration=True,
    )
    report.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        submit(report, personas["secretary"])
    assert message in excinfo.value.messages


def test_study_hours_cap_is_a_policy(report, personas):
    policy_set(key="report.study_hours_max", value=60)
    assert fill(report, personas["secretary"], study_hours=Decimal("41")).study_hours == Decimal("41")


def test_report_page_explains_why_the_current_month_cannot_be_filed_yet(client_for, tree, personas):
    from django.utils import timezone

    today = timezone.localdate()
    client = client_for(personas["secretary"])
    page = client.get(f"/reports/branch/{tree['branch_a'].pk}/{today.year}-{today.month}/").content.decode()
    assert 'value="submit"' not in page
    assert 'id="filing-blocked"' in page and "本月尚未结束" in page
