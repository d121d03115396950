from datetime import date

import pytest

from branches import services as branch_services
from branches.reports import compliance
from tests.factories import Kind as OrgKind
from tests.factories import make_org

from .conftest import Kind, record

pytestmark = pytest.mark.django_db

YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)


def evaluate(branch, *, today=date(2026, 7, 15), lectures=1):
    return compliance.evaluate_branches(
        [branch.pk], start=YEAR_START, end=YEAR_END, today=today, lectures_per_quarter=lectures
    )[branch.pk]


def states(result):
    return [p.state for p in result.periods]


def test_a_quarter_with_one_assembly_passes_and_an_ended_quarter_without_fails(tree):
    record(tree["branch_b"], Kind.ASSEMBLY, date(2026, 2, 20))
    result = evaluate(tree["branch_b"])["LIFE-01"]
    assert states(result) == [compliance.MET, compliance.MISSED, compliance.NOT_DUE, compliance.NOT_DUE]
    assert (result.met, result.due, result.ratio) == (1, 2, 0.5)


def test_a_month_without_a_committee_meeting_fails(tree):
    for month in (1, 2, 4, 5, 6):
        record(tree["branch_b"], Kind.COMMITTEE, date(2026, month, 8))
    result = evaluate(tree["branch_b"])["LIFE-02"]
    assert states(result)[:7] == [
        compliance.MET,
        compliance.MET,
        compliance.MISSED,
        compliance.MET,
        compliance.MET,
        compliance.MET,
        compliance.NOT_DUE,
    ]
    assert (result.met, result.due) == (5, 6)


def test_branch_without_a_committee_is_not_held_to_monthly_committee_meetings(tree):
    branch_services.term_start(branch=tree["branch_b"], elected_on=date(2025, 1, 1), has_committee=False)
    assert evaluate(tree["branch_b"])["LIFE-02"].applicable is False


def test_cell_meetings_count_only_where_cells_exist_and_for_each_cell(tree):
    assert evaluate(tree["branch_b"])["LIFE-03"].applicable is False
    second_cell = make_org("第二党小组", OrgKind.PARTY_CELL, tree["branch_a"])
    record(tree["branch_a"], Kind.CELL, date(2026, 1, 9), cell=tree["cell_a"])
    record(tree["branch_a"], Kind.CELL, date(2026, 1, 9), cell=second_cell)
    record(tree["branch_a"], Kind.CELL, date(2026, 2, 9), cell=tree["cell_a"])
    result = evaluate(tree["branch_a"], today=date(2026, 3, 1))["LIFE-03"]
    assert result.applicable is True
    # January: both cells met; February: the second cell missed.
    assert [(p.start.month, p.state) for p in result.periods[:4]] == [
        (1, compliance.MET),
        (1, compliance.MET),
        (2, compliance.MET),
        (2, compliance.MISSED),
    ]
    grid = compliance.year_grid(evaluate(tree["branch_a"], today=date(2026, 3, 1)), 2026)
    cells_row = next(row for row in grid if row["requirement"].key == "LIFE-03")
    assert [c["state"] for c in cells_row["cells"][:3]] == [
        compliance.MET,
        compliance.MISSED,
        compliance.NOT_DUE,
    ]


def test_lecture_frequency_is_configurable(tree):
    record(tree["branch_b"], Kind.LECTURE, date(2026, 1, 20), lecturer="王处长")
    assert states(evaluate(tree["branch_b"], lectures=1)["LIFE-04"])[0] == compliance.MET
    assert states(evaluate(tree["branch_b"], lectures=2)["LIFE-04"])[0] == compliance.MISSED
    assert evaluate(tree["branch_b"], lectures=0)["LIFE-04"].applicable is False


def test_org_life_meeting_is_a_yearly_requirement_not_due_before_year_end(tree):
    assert states(evaluate(tree["branch_b"])["LIFE-06"]) == [compliance.NOT_DUE]
    assert states(evaluate(tree["branch_b"], today=date(2027, 1, 2))["LIFE-06"]) == [compliance.MISSED]
    record(tree["branch_b"], Kind.ORG_LIFE, date(2026, 12, 20))
    assert states(evaluate(tree["branch_b"], today=date(2027, 1, 2))["LIFE-06"]) == [compliance.MET]


def test_year_grid_spans_quarters_and_the_year(tree):
    grid = compliance.year_grid(evaluate(tree["branch_b"]), 2026)
    spans = {row["requirement"].key: [c["span"] for c in row["cells"]] for row in grid}
    assert spans["LIFE-01"] == [3, 3, 3, 3]
    assert spans["LIFE-02"] == [1] * 12
    assert spans["LIFE-03"] == [12]  # not applicable: one cell across the year
    assert spans["LIFE-06"] == [12]


def test_votes_follow_the_quorum_and_majority_rules():
    def problems(**kw):
        base = {
            "expected_full": 10,
            "present_full": 6,
            "votes_for": 6,
            "votes_against": 0,
            "votes_abstain": 0,
            "passed": True,
            "strict_majority": True,
        }
        return compliance.vote_problems(**{**base, **kw})

    assert problems() == []
    assert len(problems(present_full=5, votes_for=5)) == 2  # no quorum, no majority
    assert len(problems(present_full=8, votes_for=5, votes_against=3)) == 1
    # "half or more" (policy off) applies to attendance only: exactly half the votes never passes
    assert len(problems(present_full=5, votes_for=5, strict_majority=False)) == 1
    assert problems(present_full=5, votes_for=5, passed=False, strict_majority=False) == []


def test_evaluation_uses_constant_queries_for_any_number_of_branches(tree, django_assert_num_queries):
    few = [tree["branch_a"].pk]
    many = [tree["branch_a"].pk, tree["branch_b"].pk, tree["branch_c"].pk]
    for pk in many:
        record(tree["branch_a"].__class__.objects.get(pk=pk), Kind.THEME_DAY, date(2026, 1, 3))
    for ids in (few, many):
        with django_assert_num_queries(3):
            compliance.evaluate_branches(
                ids, start=YEAR_START, end=YEAR_END, today=date(2026, 7, 1), lectures_per_quarter=1
            )
