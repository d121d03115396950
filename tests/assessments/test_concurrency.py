"""Two scorers saving the same review at the same moment, on real PostgreSQL connections."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from assessments import services
from assessments.models import Review, ScoreChange

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_saves_one_wins_the_other_gets_a_conflict(scored_tree, personas):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    review = services.review_start(
        branch=scored_tree["branch_a"], kind=Review.Kind.UNIT, year=2026, user=personas["unit_staff"]
    )
    item = review.scores.get(item__code="6.3").item
    barrier = threading.Barrier(2)
    outcomes = {}

    def save(user, score):
        try:
            barrier.wait()
            services.review_save_scores(
                review=Review.objects.get(pk=review.pk),
                user=user,
                version=review.version,
                entries={item.pk: {"score": score, "comment": "", "reason": "", "veto": False}},
            )
            outcomes[user.username] = "saved"
        except services.ReviewConflict as exc:
            outcomes[user.username] = exc.messages[0]
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(personas[name], score))
        for name, score in (("unit_staff", "2"), ("provincial", "0.5"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results = list(outcomes.values())
    assert results.count("saved") == 1
    assert "已被他人修改" in next(r for r in results if r != "saved")
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    expected = Decimal(2) if winner == "unit_staff" else Decimal("0.5")
    assert review.scores.get(item=item).score == expected
    assert ScoreChange.objects.filter(review=review).count() == 1
