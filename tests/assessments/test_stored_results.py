"""A finalized review stores its result (total, veto); rankings and result cards read it.

Drafts still compute theirs from the scores. Every write path that finalizes or un-finalizes a
review keeps the stored figures right, and the database refuses a finalized review without them.
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Sum

from assessments import selectors, services
from assessments.models import ItemScore, Review
from branches.models import Organization
from tests.factories import make_org

from .conftest import full_marks

YEAR = 2026


def scored(branch, user, *, deduct=0, veto=False, finalize=True):
    """A unit review of ``branch`` at full marks less ``deduct`` points, vetoed if asked."""
    review = services.review_start(branch=branch, kind=Review.Kind.UNIT, year=YEAR, user=user)
    marks = full_marks(review)
    remaining = Decimal(str(deduct))
    for row in review.scores.select_related("item").order_by("-item__points", "item__code"):
        take = min(remaining, row.item.points)
        if take:
            marks[row.item_id]["score"] = str(row.item.points - take)
            marks[row.item_id]["reason"] = "核减"
        remaining -= take
    if veto:
        marks[review.scores.get(item__code="6.V").item_id]["veto"] = True
    services.review_save_scores(review=review, user=user, version=review.version, entries=marks)
    if finalize:
        services.review_submit(review=review, user=user)
        services.review_finalize(review=review, user=user)
    review.refresh_from_db()
    return review


def computed(review):
    """The result from the item scores as they are in the database now."""
    scores = ItemScore.objects.filter(review=review)
    return (
        scores.aggregate(s=Sum("score"))["s"] or Decimal(0),
        scores.filter(veto_triggered=True).exists(),
    )


def rankings(user):
    return selectors.with_tiers(
        selectors.rankings(user, kind=Review.Kind.UNIT, period_kind="year", year=YEAR, period_no=1)
    )


def test_finalize_stores_the_total_and_veto_its_scores_give(scored_tree, personas):
    user = personas["unit_staff"]
    plain = scored(scored_tree["branch_a"], user, deduct=12.5)
    vetoed = scored(scored_tree["branch_b"], user, deduct=3, veto=True)
    assert (plain.final_total, plain.final_vetoed) == (Decimal("87.5"), False) == computed(plain)
    assert (vetoed.final_total, vetoed.final_vetoed) == (Decimal(97), True) == computed(vetoed)


def test_reviews_not_finalized_store_nothing_and_compute_their_result(scored_tree, personas):
    draft = scored(scored_tree["branch_a"], personas["unit_staff"], deduct=4, veto=True, finalize=False)
    assert (draft.final_total, draft.final_vetoed) == (None, None)
    result = selectors.review_result(draft)
    assert (result.total, result.vetoed, result.tier) == (Decimal(96), True, "不达标")
    services.review_save_scores(
        review=draft, user=personas["unit_staff"], version=draft.version, entries=full_marks(draft)
    )
    result = selectors.review_result(draft)
    assert (result.total, result.vetoed, result.tier) == (Decimal(100), False, "示范")


def test_rankings_and_result_read_the_result_as_finalized(scored_tree, personas):
    review = scored(scored_tree["branch_a"], personas["unit_staff"], deduct=5)
    # A score written behind the services' back does not move a finalized result.
    ItemScore.objects.filter(review=review).update(score=0, veto_triggered=True)
    row = next(r for r in rankings(personas["admin"]) if r.pk == review.pk)
    assert (row.total, row.vetoed, row.tier) == (Decimal(95), False, "示范")
    result = selectors.review_result(review)
    assert (result.total, result.vetoed, result.tier, result.rank_unit) == (Decimal(95), False, "示范", 1)


def test_database_refuses_a_finalized_review_without_its_result(scored_tree, personas):
    final = scored(scored_tree["branch_a"], personas["unit_staff"])
    draft = scored(scored_tree["branch_b"], personas["unit_staff"], finalize=False)
    for pk, fields in [
        (final.pk, {"final_total": None}),
        (final.pk, {"final_vetoed": None}),
        (draft.pk, {"final_total": Decimal(100), "final_vetoed": False}),  # a draft never has one
        (draft.pk, {"status": Review.Status.FINALIZED}),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Review.objects.filter(pk=pk).update(**fields)


def admin_form(review, **changes):
    fields = {
        "branch": review.branch_id,
        "edition": review.edition_id,
        "kind": review.kind,
        "period_kind": review.period_kind,
        "year": review.year,
        "period_no": review.period_no,
        "status": review.status,
        "return_comment": review.return_comment,
        "scorers": list(review.scorers.values_list("pk", flat=True)),
        "version": review.version,
        "submitted_at_0": "2026-12-01",
        "submitted_at_1": "10:00:00",
        "finalized_at_0": "2026-12-02",
        "finalized_at_1": "10:00:00",
    }
    return {**fields, **changes}


def test_django_admin_keeps_the_stored_result_with_the_status(scored_tree, personas, client_for):
    user = personas["unit_staff"]
    review = scored(scored_tree["branch_a"], user, deduct=2)
    client = client_for(personas["admin"])
    url = f"/admin/assessments/review/{review.pk}/change/"
    page = client.get(url).content.decode()
    assert "定稿总分" in page and 'name="final_total"' not in page  # shown, not editable

    # Back to "returned" in the admin: the result is cleared, the branch can be rescored...
    response = client.post(url, admin_form(review, status=Review.Status.RETURNED, final_total="1"))
    assert response.status_code == 302, response.content.decode()[:2000]
    review.refresh_from_db()
    assert (review.status, review.final_total, review.final_vetoed) == ("returned", None, None)
    services.review_save_scores(review=review, user=user, version=review.version, entries=full_marks(review))
    review.refresh_from_db()

    # ...and finalized in the admin again: stored from the scores as they are now.
    response = client.post(url, admin_form(review, status=Review.Status.FINALIZED))
    assert response.status_code == 302, response.content.decode()[:2000]
    review.refresh_from_db()
    assert (review.final_total, review.final_vetoed) == (Decimal(100), False) == computed(review)
    assert selectors.review_result(review).total == Decimal(100)


def test_rankings_with_ties_and_a_veto_rank_as_before(scored_tree, personas):
    """Vetoed reviews rank after all others whatever their total; equal totals share a rank."""
    user = personas["admin"]
    unit_a = scored_tree["unit_a"]
    extra = make_org("甲厅第三党支部", Organization.Kind.BRANCH, unit_a)
    reviews = {
        "a": scored(scored_tree["branch_a"], user, deduct=8),  # 92 示范
        "b": scored(scored_tree["branch_b"], user, deduct=8),  # 92, tied with a
        "x": scored(extra, user, veto=True),  # 100 but vetoed: last, lowest tier
        "c": scored(scored_tree["branch_c"], user, deduct=20),  # 80 达标, other unit
    }
    scored(make_org("乙厅第二党支部", Organization.Kind.BRANCH, scored_tree["unit_b"]), user, finalize=False)
    rows = rankings(user)
    names = {review.pk: key for key, review in reviews.items()}
    assert [(names[r.pk], r.total, r.vetoed, r.tier, r.rank_unit, r.peers_unit) for r in rows] == [
        ("a", Decimal(92), False, "示范", 1, 3),
        ("b", Decimal(92), False, "示范", 1, 3),
        ("c", Decimal(80), False, "达标", 1, 1),
        ("x", Decimal(100), True, "不达标", 3, 3),
    ]
    # The tier picked in Python for the page is the tier SQL gives every other reader.
    for row in rows:
        assert selectors.with_results(Review.objects.filter(pk=row.pk)).get().tier == row.tier
    assert selectors.review_result(reviews["x"]).rank_unit == 3


def test_rankings_page_shows_stored_totals_tiers_and_ranks(scored_tree, personas, client_for):
    user = personas["admin"]
    scored(scored_tree["branch_a"], user, deduct=10.5)
    scored(scored_tree["branch_b"], user, veto=True)
    page = client_for(personas["unit_staff"]).get("/assessments/rankings/?year=2026").content.decode()
    assert page.index("89.5") < page.index("100.0")
    assert "达标" in page and "不达标" in page and "1/2" in page and "2/2" in page


@pytest.mark.django_db(transaction=True)
def test_migration_backfills_reviews_finalized_before_it(scored_tree, personas):
    """0010 stores the result of every finalized review and none of the others."""
    final = scored(scored_tree["branch_a"], personas["admin"], deduct=6.5, veto=True)
    draft = scored(scored_tree["branch_b"], personas["admin"], finalize=False)
    before, after = ("assessments", "0009_item_requirement_en"), ("assessments", "0010_review_final_result")
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([before])
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([after])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    final.refresh_from_db()
    draft.refresh_from_db()
    assert (final.final_total, final.final_vetoed) == (Decimal("93.5"), True)
    assert (draft.final_total, draft.final_vetoed) == (None, None)
