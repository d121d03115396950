"""The batch services the import writes through apply the rules of their single-row services."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from branches import services
from branches.models import Member, Organization, Post, Term
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
Kind = Organization.Kind


def test_organizations_batch_sets_paths_and_checks_the_parent_rule(tree):
    created = services.organizations_create_batch(
        organizations=[
            Organization(name=f"批量{n}支部", kind=Kind.BRANCH, parent=tree["unit_a"]) for n in range(3)
        ]
    )
    for org in created:
        org.refresh_from_db()
        assert org.path == f"{tree['unit_a'].path}{org.pk}/" and org.depth == 2 and org.unit == tree["unit_a"]
    assert Organization.history.filter(name="批量0支部").count() == 1
    count = Organization.objects.count()
    with pytest.raises(ValidationError, match="党小组的上级组织必须是"):
        services.organizations_create_batch(
            organizations=[Organization(name="错层小组", kind=Kind.PARTY_CELL, parent=tree["unit_a"])]
        )
    assert Organization.objects.count() == count


def test_members_batch_applies_the_roster_rules(tree):
    good = Member(
        branch=tree["branch_a"],
        number="1",
        name="甲",
        gender="male",
        birth_date=date(1980, 1, 1),
        joined_on=date(2005, 7, 1),
        full_since=date(2006, 7, 1),
    )
    bad = Member(
        branch=tree["branch_a"],
        number="2",
        name="乙",
        gender="male",
        birth_date=date(1980, 1, 1),
        joined_on=date(2005, 7, 1),
        full_since=date(2004, 7, 1),
    )
    with pytest.raises(ValidationError, match="转正日期不能早于入党日期"):
        services.members_create_batch(members=[good, bad])
    assert Member.objects.count() == 0
    with pytest.raises(ValidationError, match="党员只能编入党支部"):
        services.members_create_batch(
            members=[
                Member(
                    branch=tree["unit_a"],
                    name="丙",
                    gender="male",
                    birth_date=date(1980, 1, 1),
                    joined_on=date(2005, 7, 1),
                )
            ]
        )


def test_member_number_is_unique_within_a_branch(tree):
    MemberFactory(branch=tree["branch_a"], number="007")
    MemberFactory(branch=tree["branch_b"], number="007")  # another branch may use it
    with pytest.raises(ValidationError, match="本支部已有该党员编号"):
        services.member_create(
            branch=tree["branch_a"],
            number="007",
            name="重号",
            gender="male",
            birth_date=date(1980, 1, 1),
            joined_on=date(2005, 7, 1),
        )


def test_terms_batch_refuses_a_branch_with_an_active_term(tree):
    services.term_start(branch=tree["branch_a"], elected_on=date(2024, 1, 1))
    with pytest.raises(ValidationError, match="已有在任届次"):
        services.terms_create_batch(terms=[Term(branch=tree["branch_a"], elected_on=date(2025, 1, 1))])
    [term] = services.terms_create_batch(terms=[Term(branch=tree["branch_b"], elected_on=date(2025, 1, 1))])
    assert term.ends_on == date(2028, 1, 1) and term.status == Term.Status.ACTIVE


def test_posts_batch_refuses_a_second_secretary_and_probationary_members(tree):
    term = services.term_start(branch=tree["branch_a"], elected_on=date(2025, 1, 1))
    first, second = MemberFactory.create_batch(2, branch=tree["branch_a"])
    probationary = MemberFactory(
        branch=tree["branch_a"],
        status=Member.Status.PROBATIONARY,
        full_since=None,
        probation_ends_on=date(2026, 12, 1),
    )
    secretary = Post.Role.SECRETARY
    with pytest.raises(ValidationError, match="本届已有在任书记"):
        services.posts_assign_batch(
            posts=[
                Post(term=term, member=first, role=secretary, started_on=term.elected_on),
                Post(term=term, member=second, role=secretary, started_on=term.elected_on),
            ]
        )
    with pytest.raises(ValidationError, match="预备党员没有被选举权"):
        services.posts_assign_batch(
            posts=[
                Post(term=term, member=probationary, role=Post.Role.ORGANIZATION, started_on=term.elected_on)
            ]
        )
    assert Post.objects.count() == 0
    services.posts_assign_batch(
        posts=[Post(term=term, member=first, role=secretary, started_on=term.elected_on)]
    )
    with pytest.raises(ValidationError, match="本届已有在任书记"):
        services.posts_assign_batch(
            posts=[Post(term=term, member=second, role=secretary, started_on=term.elected_on)]
        )
