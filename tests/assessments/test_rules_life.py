from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.rules import Period, evaluate, get_rule, known_rule_keys
from branches.models import Activity, Decision, MonthlyReport
from tests.branches.reports.conftest import record

pytestmark = pytest.mark.django_db
Kind = Activity.Kind
YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
LIFE_KEYS = {
    "basic.study_monthly",
    "life.assembly_quarterly",
    "life.committee_monthly",
    "life.assembly_votes_valid",
    "life.theme_day_monthly",
    "life.lecture_quarterly",
    "life.cell_monthly",
    "life.org_life_meeting_yearly",
    "life.attendance",
    "support.monthly_report_on_time",
}


@pytest.fixture(autouse=True)
def after_the_year():
    with time_machine.travel(datetime(2027, 1, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def test_every_life_key_is_a_real_rule():
    assert LIFE_KEYS <= known_rule_keys()
    assert not any(get_rule(key).pending for key in LIFE_KEYS)


def test_assembly_rule_scores_quarters_met_out_of_four(tree):
    for month in (2, 5, 8):
        record(tree["branch_a"], Kind.ASSEMBLY, date(2026, month, 10))
    result = evaluate("life.assembly_quarterly", [tree["branch_a"], tree["branch_b"]], YEAR)
    assert result[tree["branch_a"].pk].ratio == 0.75
    assert result[tree["branch_a"].pk].detail == "3/4 个季度达到要求。"
    assert result[tree["branch_b"].pk].ratio == 0


def test_committee_rule_scores_months_met_out_of_twelve(tree):
    for month in range(1, 10):
        record(tree["branch_a"], Kind.COMMITTEE, date(2026, month, 3))
    assert evaluate("life.committee_monthly", [tree["branch_a"]], YEAR)[tree["branch_a"].pk].ratio == 9 / 12


def test_cell_rule_is_not_applicable_without_cells(tree):
    result = evaluate("life.cell_monthly", [tree["branch_b"]], YEAR)[tree["branch_b"].pk]
    assert result.ratio is None and result.detail == "不适用：未设党小组，分值计入主题党日"


def test_theme_day_study_lecture_and_org_life_rules(tree):
    branch = tree["branch_b"]
    for month in range(1, 13):
        record(branch, Kind.THEME_DAY, date(2026, month, 5))
    for month in range(1, 7):
        record(branch, Kind.STUDY, date(2026, month, 6))
    record(branch, Kind.LECTURE, date(2026, 3, 6), lecturer="书记")
    record(branch, Kind.ORG_LIFE, date(2026, 12, 16))
    ratio = {key: evaluate(key, [branch], YEAR)[branch.pk].ratio for key in LIFE_KEYS}
    assert ratio["life.theme_day_monthly"] == 1
    assert ratio["basic.study_monthly"] == 0.5
    assert ratio["life.lecture_quarterly"] == 0.25
    assert ratio["life.org_life_meeting_yearly"] == 1


def test_vote_rule_counts_valid_decisions(tree):
    good = record(tree["branch_a"], Kind.ASSEMBLY, date(2026, 3, 1), expected=10, present=8)
    bad = record(tree["branch_a"], Kind.ASSEMBLY, date(2026, 6, 1), expected=10, present=5)
    Decision.objects.create(activity=good, subject="a", votes_for=8)
    Decision.objects.create(activity=bad, subject="b", votes_for=5)
    result = evaluate("life.assembly_votes_valid", [tree["branch_a"], tree["branch_b"]], YEAR)
    assert result[tree["branch_a"].pk].ratio == 0.5
    assert result[tree["branch_b"].pk].ratio is None


def test_attendance_rule_compares_with_the_target(tree):
    record(tree["branch_a"], Kind.THEME_DAY, date(2026, 3, 1), expected=10, present=10)
    record(tree["branch_a"], Kind.THEME_DAY, date(2026, 4, 1), expected=10, present=7)
    record(tree["branch_b"], Kind.THEME_DAY, date(2026, 4, 1), expected=10, present=6)
    result = evaluate("life.attendance", [tree["branch_a"], tree["branch_b"]], YEAR)
    assert result[tree["branch_a"].pk].ratio == pytest.approx(1.0)
    assert (
        result[tree["branch_a"].pk].detail
        == "正式党员平均出席率 85.0%，目标 85%；连续6个月未参加组织生活的党员 0 人。"
    )
    assert result[tree["branch_b"].pk].ratio == pytest.approx(0.5 * 0.6 / 0.85 + 0.5)


def test_a_member_absent_from_every_activity_for_six_months_costs_half_the_item(tree):
    from tests.factories import MemberFactory

    absentee, regular = MemberFactory(branch=tree["branch_a"]), MemberFactory(branch=tree["branch_a"])
    for month in (8, 10, 12):  # inside the last six months of the year
        activity = record(tree["branch_a"], Kind.THEME_DAY, date(2026, month, 3), expected=10, present=9)
        activity.absent_members.add(absentee)
    record(tree["branch_a"], Kind.THEME_DAY, date(2026, 11, 3), expected=10, present=9).absent_members.add(
        regular
    )
    result = evaluate("life.attendance", [tree["branch_a"]], YEAR)[tree["branch_a"].pk]
    assert result.detail.endswith("连续6个月未参加组织生活的党员 0 人。")  # absentee attended in November
    november = tree["branch_a"].activities.get(held_on=date(2026, 11, 3))
    november.absent_members.add(absentee)
    result = evaluate("life.attendance", [tree["branch_a"]], YEAR)[tree["branch_a"].pk]
    assert result.detail.endswith("连续6个月未参加组织生活的党员 1 人。")
    assert result.ratio == pytest.approx(0.5)


def test_report_rule_counts_months_filed_on_time(tree):
    for month, late in ((1, False), (2, True), (3, False)):
        MonthlyReport.objects.create(
            branch=tree["branch_a"],
            month=date(2026, month, 1),
            due_on=date(2026, month + 1, 5),
            status=MonthlyReport.Status.ACCEPTED,
            first_submitted_at="2026-06-01T00:00:00+08:00",
            is_late=late,
        )
    result = evaluate("support.monthly_report_on_time", [tree["branch_a"]], YEAR)[tree["branch_a"].pk]
    assert result.ratio == 2 / 12 and result.detail == "2/12 个月按时报送。"


@pytest.mark.parametrize("key", sorted(LIFE_KEYS))
def test_rules_use_constant_queries(key, tree):
    counts = []
    for branches in ([tree["branch_a"]], [tree["branch_a"], tree["branch_b"], tree["branch_c"]]):
        with CaptureQueriesContext(connection) as ctx:
            evaluate(key, branches, YEAR)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 4
