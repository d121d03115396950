"""Renewal fixtures: terms on the shared tree, full members for elections."""

from datetime import date

import pytest

from branches.models import Term
from tests.factories import MemberFactory

T = date(2027, 6, 30)  # expiry of branch_a's term in these tests


def make_term(branch, elected_on, *, length_years=3, has_committee=True):
    return Term.objects.create(
        branch=branch,
        elected_on=elected_on,
        length_years=length_years,
        ends_on=Term.compute_ends_on(elected_on, length_years),
        has_committee=has_committee,
    )


@pytest.fixture
def terms(tree, personas):
    """branch_a expires on T, branch_b a year later, branch_c (other unit) on T too."""
    return {
        "a": make_term(tree["branch_a"], date(2024, 6, 30)),
        "b": make_term(tree["branch_b"], date(2025, 6, 30)),
        "c": make_term(tree["branch_c"], date(2024, 6, 30)),
    }


@pytest.fixture
def voters(tree):
    """Ten full members of branch_a, named 甲一 … 甲十."""
    names = ["甲一", "甲二", "甲三", "甲四", "甲五", "甲六", "甲七", "甲八", "甲九", "甲十"]
    return [MemberFactory(branch=tree["branch_a"], name=name) for name in names]
