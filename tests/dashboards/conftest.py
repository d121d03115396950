"""A hand-built small tree with known indicator answers (see test_indicators.py)."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments import default_edition
from assessments.models import Dimension, Edition, Item, ItemScore, Review, Tier
from branches.models import Activity, MonthlyReport, Postponement, Term

YEAR = 2025


@pytest.fixture
def edition(db):
    return default_edition.load(Edition, Dimension, Item, Tier)


def finalized_review(branch, edition, year, total, *, kind=Review.Kind.UNIT, veto=False):
    """A finalized review whose item scores add up to exactly ``total`` (items filled in order)."""
    review = Review(branch=branch, edition=edition, kind=kind, year=year)
    remaining = Decimal(str(total))
    scores = []
    for item in edition.items.order_by("dimension__order", "order"):
        score = min(item.points, remaining)
        remaining -= score
        scores.append(ItemScore(review=review, item=item, score=score, veto_triggered=veto and item.is_veto))
    # finalized as the finalize service stores it: the scores' sum and whether any vetoed
    review.status, review.finalized_at = Review.Status.FINALIZED, timezone.now()
    review.final_total = sum(row.score for row in scores)
    review.final_vetoed = any(row.veto_triggered for row in scores)
    review.save()
    ItemScore.objects.bulk_create(scores)
    return review


def report(branch, month, *, late=False, filed=True):
    stamp = timezone.make_aware(datetime.combine(month.replace(day=28), time(9)))
    return MonthlyReport.objects.create(
        branch=branch,
        month=month,
        due_on=date(month.year + month.month // 12, month.month % 12 + 1, 5),
        status=MonthlyReport.Status.SUBMITTED if filed else MonthlyReport.Status.DRAFT,
        first_submitted_at=stamp if filed else None,
        submitted_at=stamp if filed else None,
        is_late=late,
    )


def activity(branch, kind, day, cell=None):
    return Activity.objects.create(
        branch=branch,
        cell=cell,
        kind=kind,
        held_on=day,
        place="会议室",
        chair="张三",
        recorder="李四",
        topic="学习",
    )


def term(branch, elected_on, ends_on, *, postponed_until=None):
    t = Term.objects.create(branch=branch, elected_on=elected_on, ends_on=ends_on, has_committee=False)
    if postponed_until:
        Postponement.objects.create(
            term=t,
            until=postponed_until,
            reason="工作调整",
            status=Postponement.Status.APPROVED,
            decided_on=ends_on,
        )
    return t


@pytest.fixture
def known_tree(tree, edition):
    return build_known_tree(tree, edition)


def build_known_tree(tree, edition):
    """Scores 2025: a=95 (示范), b=70 (基本达标), c=50 (不达标); 2024: a=80, b=80, c=40.

    Reports 2025Q2: a 3 on time; b 1 on time, 1 late, 1 missing; c none → 4/9 on time.
    Activities 2025Q2: a has a cell (LIFE-03) → met 5 of 8; b met 1 of 5; c met 0 of 5.
    Terms on 2025-06-30: a expired 2023-01-01 (overdue > 12 months); b runs to 2027;
    c expired 2025-03-01 but postponed to 2025-09-01 (postponed, not overdue).
    """
    a, b, c = tree["branch_a"], tree["branch_b"], tree["branch_c"]
    for branch, total in ((a, 95), (b, 70), (c, 50)):
        finalized_review(branch, edition, YEAR, total)
        finalized_review(branch, edition, YEAR, 10, kind=Review.Kind.SELF)  # never counts
    for branch, total in ((a, 80), (b, 80), (c, 40)):
        finalized_review(branch, edition, YEAR - 1, total)
    for m in (4, 5, 6):
        report(a, date(YEAR, m, 1))
    report(b, date(YEAR, 4, 1))
    report(b, date(YEAR, 5, 1), late=True)
    K = Activity.Kind
    activity(a, K.ASSEMBLY, date(YEAR, 4, 10))
    activity(a, K.LECTURE, date(YEAR, 5, 10))
    for m in (4, 5, 6):
        activity(a, K.THEME_DAY, date(YEAR, m, 12))
    activity(b, K.ASSEMBLY, date(YEAR, 6, 3))
    term(a, date(2020, 1, 1), date(2023, 1, 1))
    term(b, date(2024, 5, 1), date(2027, 5, 1))
    term(c, date(2022, 3, 1), date(2025, 3, 1), postponed_until=date(2025, 9, 1))
    return tree
