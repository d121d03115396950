"""Review and designation services refuse a user without the right on their own (the view is
not the only guard), before writing anything: README "Services and access"."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import services
from assessments.designations import services as designation_services
from assessments.models import Designation, Review
from tests.conftest import database_unchanged

from .conftest import full_marks

pytestmark = pytest.mark.django_db


def refused(call):
    with database_unchanged(), pytest.raises(PermissionDenied):
        call()


@pytest.fixture
def submitted(scored_tree, personas):
    """A unit review of branch_a, fully scored and submitted by its unit's staff."""
    staff = personas["unit_staff"]
    review = services.review_start(
        branch=scored_tree["branch_a"], kind=Review.Kind.UNIT, year=2026, user=staff
    )
    services.review_save_scores(review=review, user=staff, version=review.version, entries=full_marks(review))
    return services.review_submit(review=review, user=staff)


@pytest.fixture
def scoring(scored_tree, personas):
    """A unit review of branch_a being scored by its unit's staff."""
    return services.review_start(
        branch=scored_tree["branch_a"], kind=Review.Kind.UNIT, year=2026, user=personas["unit_staff"]
    )


@pytest.mark.parametrize("who", ["secretary", "outsider"])
def test_only_staff_with_review_rights_start_and_score_a_unit_review(scoring, scored_tree, personas, who):
    user = personas[who]
    refused(
        lambda: services.review_start(
            branch=scored_tree["branch_a"], kind=Review.Kind.UNIT, year=2025, user=user
        )
    )
    refused(
        lambda: services.review_save_scores(
            review=scoring, user=user, version=scoring.version, entries=full_marks(scoring)
        )
    )
    refused(lambda: services.review_refresh_rules(review=scoring, user=user, version=scoring.version))
    item = scoring.scores.first().item
    refused(
        lambda: services.evidence_add(
            review=scoring, item=item, upload=SimpleUploadedFile("plan.pdf", b"%PDF-1.7 plan"), user=user
        )
    )


@pytest.mark.parametrize("who", ["secretary", "outsider"])
def test_a_complete_review_is_submitted_only_by_a_scorer(scoring, personas, who):
    services.review_save_scores(
        review=scoring, user=personas["unit_staff"], version=scoring.version, entries=full_marks(scoring)
    )
    scoring.refresh_from_db()
    refused(lambda: services.review_submit(review=scoring, user=personas[who]))


@pytest.mark.parametrize("who", ["secretary", "outsider"])
def test_only_staff_with_review_rights_return_or_finalize(submitted, personas, who):
    refused(lambda: services.review_return(review=submitted, user=personas[who], comment="请补充"))
    refused(lambda: services.review_finalize(review=submitted, user=personas[who]))


def test_a_provincial_review_is_not_the_unit_staffs(scored_tree, personas):
    refused(
        lambda: services.review_start(
            branch=scored_tree["branch_a"],
            kind=Review.Kind.PROVINCIAL,
            year=2026,
            user=personas["unit_staff"],
        )
    )


def test_a_self_assessment_is_the_branchs_and_only_staff_decide_it(scored_tree, personas):
    secretary = personas["secretary"]
    refused(
        lambda: services.review_start(
            branch=scored_tree["branch_a"], kind=Review.Kind.SELF, year=2026, user=personas["unit_staff"]
        )
    )
    review = services.review_start(
        branch=scored_tree["branch_a"], kind=Review.Kind.SELF, year=2026, user=secretary
    )
    services.review_save_scores(
        review=review, user=secretary, version=review.version, entries=full_marks(review)
    )
    review = services.review_submit(review=review, user=secretary)
    refused(lambda: services.review_finalize(review=review, user=secretary))


def test_designations_are_approved_and_renewed_by_provincial_staff_only(scored_tree, personas):
    designation = designation_services.designation_nominate(
        branch=scored_tree["branch_a"],
        kind=Designation.Kind.DEMONSTRATION,
        reason="三会一课规范",
        user=personas["unit_staff"],
        dimensions=["organizational_life"],
    )
    for user in (personas["unit_staff"], personas["secretary"]):
        refused(
            lambda user=user: designation_services.designation_approve(
                designation=designation, user=user, version=designation.version
            )
        )
        refused(
            lambda user=user: designation_services.designation_renew(
                designation=designation, user=user, version=designation.version
            )
        )
