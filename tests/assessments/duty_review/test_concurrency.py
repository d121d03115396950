"""The same ballot cast from two connections at the same moment counts once (real PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from assessments.duty_review import services
from assessments.models import DutyBallot, DutyVote

from .conftest import submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_casts_of_one_ballot_count_once(cycle, voters, personas):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    report = submit(cycle.reports.get(secretary=personas["secretary"]), personas["secretary"])
    services.voting_open(cycle=cycle, user=personas["unit_staff"])
    code = DutyBallot.objects.get(rater__user=voters[0]).code
    barrier = threading.Barrier(4)
    outcomes = []

    def cast(grade):
        try:
            barrier.wait()
            services.ballot_cast(code=code, user=voters[0], grades={report.pk: grade})
            outcomes.append("cast")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=cast, args=(g,)) for g in ("good", "poor", "average", "fairly_good")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["cast"] + ["这张测评票已经投过，不能重复投票或修改。"] * 3
    assert DutyVote.objects.filter(report=report).count() == 1
    assert DutyBallot.objects.filter(used=True).count() == 1


def test_no_transaction_id_or_order_links_a_vote_to_its_ballot(cycle, voters, personas):
    """Each cast commits on its own; still, every vote and every used ballot of the cycle end up
    with one and the same PostgreSQL ``xmin``, so ``JOIN ... ON ballot.xmin = vote.xmin`` pairs
    everything with everything and tells nothing."""
    if connection.vendor != "postgresql":
        pytest.skip("xmin is a PostgreSQL system column")
    report = submit(cycle.reports.get(secretary=personas["secretary"]), personas["secretary"])
    services.voting_open(cycle=cycle, user=personas["unit_staff"])
    for user, grade in zip(voters, ["good", "poor", "average"], strict=True):
        services.ballot_cast(
            code=DutyBallot.objects.get(rater__user=user).code, user=user, grades={report.pk: grade}
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT xmin::text FROM assessments_dutyvote")
        vote_xmins = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT DISTINCT xmin::text FROM assessments_dutyballot WHERE used")
        ballot_xmins = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM assessments_dutyballot b JOIN assessments_dutyvote v ON b.xmin = v.xmin"
            " WHERE b.used"
        )
        joined = cursor.fetchone()[0]
    assert len(vote_xmins) == 1
    assert vote_xmins == ballot_xmins
    assert joined == 3 * 3  # every used ballot with every vote: no pairing survives
    assert sorted(DutyVote.objects.values_list("grade", flat=True)) == ["average", "good", "poor"]
