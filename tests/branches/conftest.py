"""Richer fixtures for the organization/people pages: rosters, terms and committees."""

from datetime import date, timedelta

import pytest

from branches import services
from branches.models import Member, Organization, Post
from tests.factories import MemberFactory, make_org

Kind = Organization.Kind
Role = Post.Role
TODAY = date(2026, 11, 27)


@pytest.fixture
def add_members():
    """``add_members(branch, full=9, probationary=1, **fields)`` -> list of members."""

    def add(branch, full=0, probationary=0, **fields):
        members = [MemberFactory(branch=branch, **fields) for _ in range(full)]
        members += [
            MemberFactory(
                branch=branch,
                status=Member.Status.PROBATIONARY,
                joined_on=date(2026, 3, 1),
                full_since=None,
                probation_ends_on=date(2027, 3, 1),
                **fields,
            )
            for _ in range(probationary)
        ]
        return members

    return add


@pytest.fixture
def staff_committee():
    """``staff_committee(branch, members, roles=...)``: an active term with those posts filled."""

    def build(
        branch,
        members,
        roles=(Role.SECRETARY, Role.ORGANIZATION, Role.PUBLICITY, Role.DISCIPLINE),
        *,
        elected_on=date(2025, 6, 1),
        has_committee=True,
        approved=True,
    ):
        term = services.term_start(branch=branch, elected_on=elected_on, has_committee=has_committee)
        for member, role in zip(members, roles, strict=False):
            services.post_assign(
                term=term,
                member=member,
                role=role,
                started_on=elected_on,
                approved_on=elected_on + timedelta(days=10) if approved else None,
            )
        return term

    return build


@pytest.fixture
def staffed_branch(tree, add_members, staff_committee):
    """branch_a: 9 full + 1 probationary members, a complete committee, one cell."""
    branch = tree["branch_a"]
    members = add_members(branch, full=9) + add_members(branch, probationary=1)
    staff_committee(branch, members)
    return branch


def grow_unit(unit, *, branches, members_each, add_members, staff_committee):
    """Add ``branches`` staffed branches with members under ``unit`` (for query-count tests)."""
    created = []
    for index in range(branches):
        branch = make_org(f"{unit.name}扩充第{index + 1}支部", Kind.BRANCH, unit)
        make_org(f"{branch.name}党小组", Kind.PARTY_CELL, branch)
        members = add_members(branch, full=members_each)
        staff_committee(branch, members)
        created.append(branch)
    return created
