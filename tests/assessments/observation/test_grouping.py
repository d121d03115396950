"""The crossing rule as a property over random unit sets: every proposal and every accepted
edit keeps each unit in exactly one group, group sizes within bounds, and nobody observing
their own unit or a unit of their own group."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.observation import grouping

unit_sets = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 3000), st.sampled_from([None, 1, 2, 3, 4])),
    min_size=2,
    max_size=70,
)
bounds = st.integers(2, 6).flatmap(lambda low: st.tuples(st.just(low), st.integers(low, low + 4)))


def facts(rows):
    return [grouping.UnitFacts(id=i, branches=b, members=m, category=c) for i, (b, m, c) in enumerate(rows)]


def assert_invariants(groups, units, low, high):
    flat = [u for g in groups for u in g]
    assert sorted(flat) == sorted(u.id for u in units)  # each unit exactly once
    assert len(groups) >= 2
    assert all(low <= len(g) <= high for g in groups)
    unit_group = {u: index for index, g in enumerate(groups) for u in g}
    for index, group in enumerate(groups):
        observed = groups[grouping.observed_index(index, len(groups))]
        assert observed is not group
        for observer in group:
            assert observer not in observed
            for host in observed:
                assert (
                    grouping.crossing_violation(observer_unit=observer, host_unit=host, unit_group=unit_group)
                    is None
                )
            # and the rule does catch the forbidden cases
            assert grouping.crossing_violation(
                observer_unit=observer, host_unit=observer, unit_group=unit_group
            )
            for peer in group:
                assert grouping.crossing_violation(
                    observer_unit=observer, host_unit=peer, unit_group=unit_group
                )


@settings(max_examples=150, deadline=None)
@given(
    rows=unit_sets,
    bounds=bounds,
    moves=st.lists(st.tuples(st.integers(0, 69), st.integers(0, 20)), max_size=25),
)
def test_proposals_and_accepted_edits_keep_the_crossing_rule(rows, bounds, moves):
    low, high = bounds
    units = facts(rows)
    try:
        groups = grouping.propose(units, low, high)
    except ValidationError as exc:
        # Only refused when no split into >= 2 groups within the bounds exists.
        assert not any(c * low <= len(units) <= c * high for c in range(2, len(units) + 1))
        assert "无法分成" in exc.messages[0]
        return
    assert_invariants(groups, units, low, high)
    # Balanced: sizes differ by at most one.
    assert max(map(len, groups)) - min(map(len, groups)) <= 1
    for unit, target in moves:
        unit %= len(units)
        target %= len(groups)
        before = [list(g) for g in groups]
        try:
            groups = grouping.move(groups, unit, target, low, high)
        except ValidationError as exc:
            assert groups == before  # a refused edit changes nothing
            assert "每组应为" in exc.messages[0] or "观摩组" in exc.messages[0]
            continue
        assert_invariants(groups, units, low, high)


def test_categories_are_spread_over_groups():
    units = [grouping.UnitFacts(id=i, branches=10, members=200, category=i % 2) for i in range(12)]
    groups = grouping.propose(units, 5, 8)
    assert [len(g) for g in groups] == [6, 6]
    for group in groups:
        assert sum(1 for u in group if u % 2 == 0) == 3  # three of each category per group


def test_large_units_are_not_lumped_together():
    units = [grouping.UnitFacts(id=i, branches=50 if i < 4 else 2, members=0) for i in range(16)]
    groups = grouping.propose(units, 5, 8)
    assert sorted(sum(1 for u in g if u < 4) for g in groups) == [2, 2]


def test_edit_below_the_minimum_names_the_group_and_bounds():
    groups = [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]
    with pytest.raises(ValidationError) as exc:
        grouping.move(groups, 1, 1, 5, 8)
    assert exc.value.messages == ["第1组有4个单位，每组应为5至8个单位。"]


def test_too_few_units_is_refused_with_a_message():
    with pytest.raises(ValidationError, match="无法分成至少2个"):
        grouping.propose([grouping.UnitFacts(id=i) for i in range(7)], 5, 8)
