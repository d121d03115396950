"""Stage computation at the boundaries of every rung of the ladder."""

from datetime import date, timedelta

import pytest

from branches.renewals import ladder

Stage = ladder.Stage
T = date(2027, 6, 30)
OFFSETS = ladder.Offsets()
DAY = timedelta(days=1)


def facts(**kwargs):
    return ladder.TermFacts(ends_on=T, deadline=kwargs.pop("deadline", T), **kwargs)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 12, 29), None),  # day before T-6m
        (date(2026, 12, 30), Stage.FIRST),  # T-6m
        (date(2027, 3, 29), Stage.FIRST),  # day before T-3m
        (date(2027, 3, 30), Stage.SECOND),  # T-3m
        (date(2027, 5, 29), Stage.SECOND),
        (date(2027, 5, 30), Stage.URGENT),  # T-1m
        (T - DAY, Stage.URGENT),
        (T, Stage.OVERDUE),
        (date(2027, 7, 29), Stage.OVERDUE),
        (date(2027, 7, 30), Stage.SUPERVISION),  # T+1m
        (date(2028, 6, 29), Stage.SUPERVISION),
        (date(2028, 6, 30), Stage.VIOLATION),  # T+12m
    ],
)
def test_stage_boundaries_without_any_renewal_activity(today, expected):
    assert ladder.stage_on(facts(), today, OFFSETS) == expected


def test_filed_request_skips_second_reminder():
    assert ladder.stage_on(facts(request_filed=True), date(2027, 4, 1), OFFSETS) == Stage.FIRST


def test_approved_request_skips_urgent_reminder_but_not_overdue():
    done = facts(request_filed=True, request_approved=True)
    assert ladder.stage_on(done, date(2027, 6, 1), OFFSETS) == Stage.FIRST
    assert ladder.stage_on(done, T, OFFSETS) == Stage.OVERDUE


def test_completed_renewal_stops_the_ladder_even_when_overdue():
    assert ladder.stage_on(facts(completed=True), date(2028, 12, 1), OFFSETS) is None


def test_postponement_moves_deadline_and_marks_expiry_as_postponement_expired():
    moved = facts(deadline=date(2027, 12, 31))
    assert ladder.stage_on(moved, T, OFFSETS) == Stage.FIRST  # T'-6m is T
    assert ladder.stage_on(moved, date(2027, 11, 30), OFFSETS) == Stage.URGENT
    assert ladder.stage_on(moved, date(2027, 12, 30), OFFSETS) == Stage.URGENT
    assert ladder.stage_on(moved, date(2027, 12, 31), OFFSETS) == Stage.POSTPONEMENT_EXPIRED
    assert ladder.stage_on(moved, date(2028, 1, 31), OFFSETS) == Stage.SUPERVISION


def test_violation_counts_from_original_expiry_whatever_the_postponement():
    moved = facts(deadline=date(2028, 6, 30))
    assert ladder.stage_on(moved, date(2028, 6, 29), OFFSETS) == Stage.URGENT
    assert ladder.stage_on(moved, date(2028, 6, 30), OFFSETS) == Stage.VIOLATION


def test_offsets_come_from_policy_values():
    offsets = ladder.Offsets(first=4, second=2, urgent=1, supervision=2, violation=12)
    assert ladder.stage_on(facts(), date(2027, 1, 30), offsets) is None
    assert ladder.stage_on(facts(), date(2027, 2, 28), offsets) == Stage.FIRST
    assert ladder.stage_on(facts(), date(2027, 8, 29), offsets) == Stage.OVERDUE
    assert ladder.stage_on(facts(), date(2027, 8, 30), offsets) == Stage.SUPERVISION


def test_facts_from_renewal_status():
    from branches.models import Renewal

    started = ladder.facts_from(T, T, Renewal.Status.STARTED)
    assert (started.request_filed, started.request_approved, started.completed) == (False, False, False)
    approved = ladder.facts_from(T, T, Renewal.Status.CANDIDATES_SUBMITTED)
    assert (approved.request_filed, approved.request_approved) == (True, True)
    assert ladder.facts_from(T, T, Renewal.Status.COMPLETED).completed is True
    assert ladder.facts_from(T, T, None).request_filed is False
