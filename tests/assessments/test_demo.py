from datetime import date

from assessments import demo, selectors
from assessments.models import ItemScore, Review

from .conftest import staff_branch


def test_demo_seed_is_deterministic_and_idempotent(scored_tree, personas):
    staff_branch_count = Review.objects.count()
    assert staff_branch_count == 0
    created = demo.seed(scale="small", today=date(2026, 11, 1))
    assert created >= 6  # last year: self + unit review for each of the three branches
    snapshot = sorted(Review.objects.values_list("branch_id", "kind", "year", "status"))
    scores = sorted(
        ItemScore.objects.values_list(
            "review__branch_id", "review__kind", "review__year", "item__code", "score"
        )
    )
    assert demo.seed(scale="small", today=date(2026, 11, 1)) == 0
    assert sorted(Review.objects.values_list("branch_id", "kind", "year", "status")) == snapshot
    last_year = Review.objects.filter(year=2025, kind="unit")
    assert last_year.count() == 3 and set(last_year.values_list("status", flat=True)) == {"finalized"}
    assert all(r.tier for r in selectors.with_results(last_year))
    # same data again from scratch gives the same scores
    Review.objects.all().delete()
    demo.seed(scale="small", today=date(2026, 11, 1))
    assert (
        sorted(
            ItemScore.objects.values_list(
                "review__branch_id", "review__kind", "review__year", "item__code", "score"
            )
        )
        == scores
    )


def test_demo_computed_items_follow_the_rules(tree, edition):
    staff_branch(tree["branch_a"], elected_on=date(2020, 1, 1))  # long overdue: veto
    demo.seed(scale="small", today=date(2026, 11, 1))
    row = ItemScore.objects.get(
        review__branch=tree["branch_a"], review__year=2025, review__kind="unit", item__code="5.V"
    )
    assert row.veto_triggered
