from datetime import date

from assessments import rules
from assessments.rules import Period
from branches import services as branch_services
from branches.models import Organization, Post
from tests.factories import MemberFactory, make_org

from .conftest import staff_branch

YEAR_2026 = Period(start=date(2026, 1, 1), end=date(2026, 12, 31))


def evaluate(key, *branches, period=YEAR_2026):
    return rules.evaluate(key, list(branches), period)


def test_setup_compliant_flags_small_and_oversized_branches(tree):
    MemberFactory.create_batch(2, branch=tree["branch_a"])
    MemberFactory.create_batch(51, branch=tree["branch_b"])
    MemberFactory.create_batch(5, branch=tree["branch_c"])
    result = evaluate("org.setup_compliant", tree["branch_a"], tree["branch_b"], tree["branch_c"])
    assert result[tree["branch_a"].pk].ratio == 2 / 3
    assert "正式党员不足3名" in result[tree["branch_a"].pk].detail
    assert "党员超过50名" in result[tree["branch_b"].pk].detail
    assert result[tree["branch_c"].pk].ratio == 1.0


def test_committee_complete_requires_committee_posts_and_approval(tree):
    staff_branch(tree["branch_a"], members=9)
    staff_branch(tree["branch_b"], members=9, committee=False)
    staff_branch(tree["branch_c"], members=9, approved=False)
    result = evaluate("org.committee_complete", tree["branch_a"], tree["branch_b"], tree["branch_c"])
    assert result[tree["branch_a"].pk].ratio == 1.0
    assert "应设未设支部委员会" in result[tree["branch_b"].pk].detail
    assert "未经上级批准" in result[tree["branch_c"].pk].detail
    assert result[tree["branch_c"].pk].ratio < 1


def test_term_on_time_and_veto_use_period_end(tree):
    staff_branch(tree["branch_a"], elected_on=date(2024, 6, 1))  # ends 2027-06-01
    staff_branch(tree["branch_b"], elected_on=date(2023, 3, 1), members=5, committee=False)  # ends 2026-03-01
    staff_branch(tree["branch_c"], elected_on=date(2022, 1, 10))  # ends 2025-01-10
    on_time = evaluate("org.term_on_time", tree["branch_a"], tree["branch_b"], tree["branch_c"])
    assert on_time[tree["branch_a"].pk].ratio == 1.0
    assert on_time[tree["branch_b"].pk].ratio == 0.0
    assert "2026-03-01届满" in on_time[tree["branch_b"].pk].detail
    veto = evaluate("org.term_overdue_veto", tree["branch_a"], tree["branch_b"], tree["branch_c"])
    assert veto[tree["branch_b"].pk].ratio == 1.0  # overdue, but less than 12 months
    assert veto[tree["branch_c"].pk].ratio == 0.0
    assert "超过12个月未换届" in veto[tree["branch_c"].pk].detail


def test_vacancy_left_open_beyond_policy_days_counts_late(tree):
    term = staff_branch(tree["branch_a"], elected_on=date(2025, 1, 1))
    publicity = term.posts.get(role=Post.Role.PUBLICITY)
    branch_services.post_end(post=publicity, ended_on=date(2025, 6, 1))
    late = evaluate("org.vacancies_filled", tree["branch_a"])[tree["branch_a"].pk]
    assert late.ratio == 0.0 and "超过60天未补选1次" in late.detail
    successor = term.branch.members.exclude(posts__isnull=False).first()
    branch_services.post_assign(
        term=term, member=successor, role=Post.Role.PUBLICITY, started_on=date(2025, 7, 1)
    )
    assert evaluate("org.vacancies_filled", tree["branch_a"])[tree["branch_a"].pk].ratio == 1.0


def test_cells_required_for_large_branch_only(tree):
    MemberFactory.create_batch(16, branch=tree["branch_b"])  # large, no cells
    MemberFactory.create_batch(16, branch=tree["branch_a"])  # large, has cell_a
    MemberFactory.create_batch(4, branch=tree["branch_c"])
    result = evaluate("org.cells_set_up", tree["branch_a"], tree["branch_b"], tree["branch_c"])
    assert result[tree["branch_a"].pk].ratio == 1.0
    assert result[tree["branch_b"].pk].ratio == 0.0
    assert "无需划分" in result[tree["branch_c"].pk].detail


def test_pending_rules_say_no_data_instead_of_a_number(tree):
    result = evaluate("members.dues_paid", tree["branch_a"])[tree["branch_a"].pk]
    assert result.ratio is None and not result.has_data
    assert "暂无数据" in result.detail


def test_rules_run_a_constant_number_of_queries(tree, django_assert_max_num_queries):
    unit = tree["unit_a"]
    many = [make_org(f"支部{i}", Organization.Kind.BRANCH, unit) for i in range(8)]
    for branch in many:
        staff_branch(branch, members=4, committee=False)
    with django_assert_max_num_queries(4):
        evaluate("org.committee_complete", *many)
