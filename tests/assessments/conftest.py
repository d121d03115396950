"""Fixtures for standards and scoring: the default edition and branches with realistic rosters."""

from datetime import date

import pytest

from assessments import default_edition, services
from assessments.models import Dimension, Edition, Item, Review, Tier
from branches import services as branch_services
from branches.models import Post
from tests.factories import MemberFactory

Role = Post.Role


@pytest.fixture
def edition(db):
    # Present after migrations; loaded again for transactional tests, whose flush empties it.
    return default_edition.load(Edition, Dimension, Item, Tier)


def staff_branch(branch, *, members=9, elected_on=date(2025, 3, 1), committee=True, approved=True):
    """Give ``branch`` a roster and a term; with a committee the four core posts are filled."""
    people = MemberFactory.create_batch(members, branch=branch)
    term = branch_services.term_start(branch=branch, elected_on=elected_on, has_committee=committee)
    roles = (
        [Role.SECRETARY, Role.ORGANIZATION, Role.PUBLICITY, Role.DISCIPLINE]
        if committee
        else [Role.SECRETARY]
    )
    for person, role in zip(people, roles, strict=False):
        branch_services.post_assign(
            term=term,
            member=person,
            role=role,
            started_on=elected_on,
            approved_on=elected_on if approved else None,
        )
    return term


@pytest.fixture
def scored_tree(tree, edition):
    staff_branch(tree["branch_a"])
    staff_branch(tree["branch_b"], members=5, committee=False)
    staff_branch(tree["branch_c"])
    return tree


def full_marks(review):
    """Entries giving every item its full points (veto items untriggered)."""
    return {
        s.item_id: {
            "score": str(s.item.points),
            "comment": "",
            "reason": "满分核实" if s.item.is_computed else "",
            "veto": False,
        }
        for s in review.scores.select_related("item")
    }


def finalized_review(branch, user, *, kind=Review.Kind.UNIT, year=2026, entries=None):
    review = services.review_start(branch=branch, kind=kind, year=year, user=user)
    services.review_save_scores(
        review=review, user=user, version=review.version, entries=entries or full_marks(review)
    )
    services.review_submit(review=review, user=user)
    return services.review_finalize(review=review, user=user)
