"""Composite points, grade thresholds and minimum turnout (pure functions, boundaries)."""

from decimal import Decimal

import pytest

from assessments.duty_review.tally import TallyPolicy, composite_points, grade_for, result_for
from branches.policy import DEFAULTS

POLICY = TallyPolicy.from_policy(DEFAULTS)


def counts(good=0, fairly_good=0, average=0, poor=0):
    return {"good": good, "fairly_good": fairly_good, "average": average, "poor": poor}


@pytest.mark.parametrize(
    ("votes", "points", "grade"),
    [
        (counts(good=10), Decimal("100.0"), "good"),
        (counts(good=5, fairly_good=5), Decimal("90.0"), "good"),  # exactly 90 is 好
        (counts(good=1, fairly_good=1, average=0, poor=0), Decimal("90.0"), "good"),
        (counts(good=4, fairly_good=5, average=1), Decimal("86.0"), "fairly_good"),
        (counts(fairly_good=10), Decimal("80.0"), "fairly_good"),  # exactly 80 is 较好
        (counts(fairly_good=1, average=1), Decimal("70.0"), "average"),
        (counts(average=10), Decimal("60.0"), "average"),  # exactly 60 is 一般
        (counts(average=99, poor=1), Decimal("59.4"), "poor"),
        (counts(poor=3), Decimal("0.0"), "poor"),
    ],
)
def test_composite_and_grade_at_the_boundaries(votes, points, grade):
    assert composite_points(votes, POLICY.weights) == points
    assert grade_for(points, POLICY.thresholds) == grade


def test_just_below_a_threshold_falls_to_the_next_grade():
    # 8 好 + 1 较好 + 1 一般 of 10 = (800 + 80 + 60) / 10 = 94.0; 2 好 of 3 + 1 较好 = 93.3
    assert grade_for(Decimal("89.9"), POLICY.thresholds) == "fairly_good"
    assert grade_for(Decimal("79.9"), POLICY.thresholds) == "average"
    assert grade_for(Decimal("59.9"), POLICY.thresholds) == "poor"


def test_rounding_is_half_up_to_one_decimal_and_grade_follows_the_rounded_figure():
    # (2×100 + 1×80 + 0) / 3 = 93.333… → 93.3 ; (1×100 + 2×80)/3 = 86.666… → 86.7
    assert composite_points(counts(good=2, fairly_good=1), POLICY.weights) == Decimal("93.3")
    assert composite_points(counts(good=1, fairly_good=2), POLICY.weights) == Decimal("86.7")
    # 899.5/10 style: (9×100 + 0 + 0 + 1×0)/10 = 90.0 → 好
    assert result_for(counts(good=9, poor=1), ballots_issued=10, policy=POLICY).grade == "good"


def test_configured_weights_and_thresholds_change_the_result():
    policy = TallyPolicy(
        weights={"good": 100, "fairly_good": 70, "average": 40, "poor": 0},
        thresholds={"good": 95, "fairly_good": 85, "average": 60},
        min_turnout_percent=50,
    )
    result = result_for(counts(good=5, fairly_good=5), ballots_issued=10, policy=policy)
    assert result.composite == Decimal("85.0")
    assert result.grade == "fairly_good"


def test_turnout_below_minimum_gives_no_grade():
    # default minimum 50 %: 4 votes of 9 ballots is below, 5 of 10 is exactly enough
    below = result_for(counts(good=4), ballots_issued=9, policy=POLICY)
    assert below.turnout_met is False
    assert below.grade == ""
    assert below.composite == Decimal("100.0")  # shown, but no grade counts
    exact = result_for(counts(good=5), ballots_issued=10, policy=POLICY)
    assert exact.turnout_met is True
    assert exact.grade == "good"


def test_no_votes_no_result():
    result = result_for({}, ballots_issued=5, policy=POLICY)
    assert (result.composite, result.grade, result.votes) == (None, "", 0)
