"""Read-only lists of the standards app run the same number of queries as data grows."""

from django.urls import reverse

from assessments import services
from assessments.models import Review
from branches.models import Organization
from tests.conftest import count_queries
from tests.factories import make_org

from .conftest import finalized_review, full_marks, staff_branch


def grow_unit(tree, personas, n):
    for i in range(n):
        branch = make_org(f"增长支部{len(tree)}-{i}", Organization.Kind.BRANCH, tree["unit_a"])
        staff_branch(branch, members=4, committee=False)
        finalized_review(branch, personas["unit_staff"])


def test_rankings_run_the_same_queries_at_two_sizes(scored_tree, personas, client_for):
    finalized_review(scored_tree["branch_a"], personas["unit_staff"])
    client = client_for(personas["unit_staff"])
    url = reverse("assessments:rankings") + "?year=2026"
    before = count_queries(client, url)
    grow_unit(scored_tree, personas, 6)
    assert count_queries(client, url) == before


def test_edition_list_runs_the_same_queries_at_two_sizes(edition, personas, client_for):
    client = client_for(personas["admin"])
    url = reverse("assessments:edition-list")
    before = count_queries(client, url)
    for year in (2028, 2029, 2030):
        services.edition_clone(edition=edition, name=f"{year} 版", year=year)
    assert count_queries(client, url) == before


def test_secretary_reviews_and_history_run_the_same_queries_at_two_sizes(scored_tree, personas, client_for):
    review = finalized_review(scored_tree["branch_a"], personas["unit_staff"], year=2025)
    secretary = client_for(personas["secretary"])
    mine = reverse("assessments:mine")
    history = reverse("assessments:review-history", args=[review.pk])
    before = (count_queries(secretary, mine), count_queries(secretary, history))
    finalized_review(scored_tree["branch_a"], personas["unit_staff"], year=2026)
    # a self-assessment is started, scored and submitted by the secretary, finalized by staff
    own = services.review_start(
        branch=scored_tree["branch_a"], kind=Review.Kind.SELF, year=2026, user=personas["secretary"]
    )
    services.review_save_scores(
        review=own, user=personas["secretary"], version=own.version, entries=full_marks(own)
    )
    services.review_submit(review=own, user=personas["secretary"])
    services.review_finalize(review=own, user=personas["unit_staff"])
    review.refresh_from_db()
    assert (count_queries(secretary, mine), count_queries(secretary, history)) == before
