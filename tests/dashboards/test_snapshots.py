"""Snapshots: idempotent, closed periods frozen against the nightly job, rebuilds logged."""

from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from assessments.models import ItemScore
from dashboards import periods, services, tasks
from dashboards.models import Snapshot, SnapshotChange
from dashboards.periods import QUARTER, YEAR, Period

from .conftest import YEAR as Y

pytestmark = pytest.mark.django_db


def state():
    return sorted(
        Snapshot.objects.values_list(
            "organization_id", "period_kind", "year", "period_no", "indicator", "value"
        )
    )


def test_build_twice_gives_the_same_rows(known_tree):
    chosen = [Period(Y, YEAR), Period(Y, QUARTER, 2)]
    services.build(chosen, rebuild=True)
    first = state()
    assert first
    services.build(chosen, rebuild=True)
    assert state() == first
    assert not SnapshotChange.objects.exists()


def test_open_periods_around_a_quarter_end():
    assert periods.open_periods(date(2026, 11, 30)) == [Period(2026, QUARTER, 4), Period(2026, YEAR)]
    # Ten days after the quarter, Q3 is still open (September's report was due on 5 October).
    assert Period(2026, QUARTER, 3) in periods.open_periods(date(2026, 10, 10))
    assert Period(2026, QUARTER, 3) not in periods.open_periods(date(2026, 10, 20))
    assert Period(2025, YEAR) in periods.open_periods(date(2026, 1, 3))


def _lower_branch_a_score(tree):
    ItemScore.objects.filter(review__branch=tree["branch_a"], review__year=Y, review__kind="unit").update(
        score=0
    )


def test_nightly_job_leaves_closed_periods_unchanged(known_tree):
    services.build([Period(Y, YEAR)], rebuild=True)  # 2025 is closed by now
    before = state()
    _lower_branch_a_score(known_tree)
    tasks.nightly_snapshots.delay().get()
    assert [row for row in state() if row[2] == Y] == [row for row in before if row[2] == Y]


def test_nightly_job_recomputes_the_open_period(known_tree):
    with time_machine.travel(date(Y, 12, 20)):
        tasks.nightly_snapshots()
        root = known_tree["root"].pk
        mean = Snapshot.objects.get(organization_id=root, period_kind=YEAR, year=Y, indicator="score_mean")
        _lower_branch_a_score(known_tree)
        tasks.nightly_snapshots()
        mean.refresh_from_db()
        assert mean.value == pytest.approx((0 + 70 + 50) / 3)
        assert not SnapshotChange.objects.exists()  # open periods change without a log


def test_rebuild_command_changes_a_closed_period_and_logs_old_and_new(known_tree):
    services.build([Period(Y, YEAR)], rebuild=True)
    _lower_branch_a_score(known_tree)
    call_command("rebuild_snapshots", period=[str(Y)], reason="补录评分更正")
    root = known_tree["root"].pk
    change = SnapshotChange.objects.get(organization_id=root, indicator="score_mean", year=Y)
    assert change.old_value == pytest.approx(215 / 3)
    assert change.new_value == pytest.approx(120 / 3)
    assert change.reason == "补录评分更正"
    # Per-branch rows are logged too: branch_a drops from 示范 (100 → 0).
    assert SnapshotChange.objects.filter(
        organization=known_tree["branch_a"], indicator="tier_model", new_value=0
    ).exists()


def test_rebuild_command_rejects_bad_input(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("rebuild_snapshots", period=["20x5"])
    with pytest.raises(CommandError):
        call_command("rebuild_snapshots")


def test_grace_days_are_an_admin_policy(db):
    from branches.policy import policy_set

    policy_set(key="dashboards.close_after_days", value=30)
    assert Period(2026, QUARTER, 3) in periods.open_periods(date(2026, 10, 20))
