"""Database constraints and the service rules behind the organization/people pages."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from branches import services
from branches.models import Member, Organization, Post, Term
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
Kind = Organization.Kind
Role = Post.Role


def today():
    return timezone.localdate()


def test_database_allows_one_active_term_per_branch(tree):
    Term.objects.create(branch=tree["branch_a"], elected_on=date(2024, 1, 1), ends_on=date(2027, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Term.objects.create(branch=tree["branch_a"], elected_on=date(2025, 1, 1), ends_on=date(2028, 1, 1))
    Term.objects.create(
        branch=tree["branch_a"],
        elected_on=date(2020, 1, 1),
        ends_on=date(2023, 1, 1),
        status=Term.Status.CLOSED,
    )  # closed terms do not count


def test_database_allows_one_active_secretary_per_term(staffed_branch):
    term = staffed_branch.terms.get()
    other = staffed_branch.members.filter(posts__isnull=True, status=Member.Status.FULL).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.create(term=term, member=other, role=Role.SECRETARY, started_on=term.elected_on)


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"status": Member.Status.PROBATIONARY, "probation_ends_on": None}, "member_probation_end_required"),
        ({"birth_date": date(2010, 1, 1), "joined_on": date(2005, 1, 1)}, "member_born_before_joining"),
    ],
)
def test_member_check_constraints(tree, fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        MemberFactory(branch=tree["branch_a"], **fields)


def test_term_check_constraints(tree):
    with pytest.raises(IntegrityError, match="term_ends_after_election"), transaction.atomic():
        Term.objects.create(branch=tree["branch_a"], elected_on=date(2024, 1, 1), ends_on=date(2023, 1, 1))
    with pytest.raises(IntegrityError, match="term_length_1_to_5"), transaction.atomic():
        Term.objects.create(
            branch=tree["branch_a"], elected_on=date(2024, 1, 1), ends_on=date(2030, 1, 1), length_years=6
        )


def test_post_end_before_start_is_refused_by_database(staffed_branch):
    post = Post.objects.filter(term__branch=staffed_branch).first()
    with pytest.raises(IntegrityError, match="post_ends_after_start"), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(ended_on=post.started_on - timedelta(days=1))


def test_model_validation_speaks_chinese(tree):
    member = Member(
        branch=tree["branch_a"],
        name="甲",
        gender="male",
        birth_date=date(1990, 1, 1),
        joined_on=date(2020, 1, 1),
        status=Member.Status.PROBATIONARY,
    )
    with pytest.raises(ValidationError) as info:
        member.full_clean()
    assert "预备党员必须填写预备期满日期。" in info.value.messages


def test_member_update_refuses_an_edit_based_on_an_old_version(tree):
    member = MemberFactory(branch=tree["branch_a"], name="张三")
    first = services.member_update(member=member, expected_version=1, name="张三丰")
    assert first.version == 2
    with pytest.raises(ValidationError) as info:
        services.member_update(member=member, expected_version=1, name="张四")
    assert info.value.messages == [
        "该党员信息已被其他人修改（当前为第 2 版，您编辑的是第 1 版）。请载入最新内容，核对后再保存。"
    ]
    member.refresh_from_db()
    assert (member.name, member.version) == ("张三丰", 2)


def test_member_update_records_history_with_the_change(tree):
    member = MemberFactory(branch=tree["branch_a"], name="张三")
    services.member_update(member=member, expected_version=1, is_leading_cadre=True)
    latest = member.history.order_by("-history_date").first()
    assert latest.is_leading_cadre and latest.history_type == "~"


def test_member_cell_must_belong_to_the_branch(tree):
    member = MemberFactory(branch=tree["branch_b"])
    with pytest.raises(ValidationError, match="所选党小组不属于该支部"):
        services.member_update(member=member, cell=tree["cell_a"])


def test_term_start_closes_previous_term_and_its_posts(staffed_branch):
    old = staffed_branch.terms.get()
    new = services.term_start(branch=staffed_branch, elected_on=today())
    old.refresh_from_db()
    assert old.status == Term.Status.CLOSED and old.closed_on == today()
    assert not old.posts.filter(ended_on__isnull=True).exists()
    assert new.status == Term.Status.ACTIVE and new.ends_on == Term.compute_ends_on(today(), 3)


def test_term_close_twice_is_refused(staffed_branch):
    term = staffed_branch.terms.get()
    services.term_close(term=term, closed_on=today())
    with pytest.raises(ValidationError, match="该届次已经结束"):
        services.term_close(term=term, closed_on=today())


def test_post_assign_rules(tree, add_members, staff_committee):
    branch = tree["branch_b"]
    full, probationary = add_members(branch, full=3), add_members(branch, probationary=1)
    term = staff_committee(branch, full[:1], roles=(Role.SECRETARY,), has_committee=False)
    with pytest.raises(ValidationError, match="本届未设支部委员会，只能任命书记、副书记"):
        services.post_assign(term=term, member=full[1], role=Role.ORGANIZATION, started_on=term.elected_on)
    with pytest.raises(ValidationError, match="预备党员没有被选举权"):
        services.post_assign(
            term=term, member=probationary[0], role=Role.DEPUTY_SECRETARY, started_on=term.elected_on
        )
    with pytest.raises(ValidationError, match="本届已有在任书记"):
        services.post_assign(term=term, member=full[2], role=Role.SECRETARY, started_on=term.elected_on)
    stranger = MemberFactory(branch=tree["branch_c"])
    with pytest.raises(ValidationError, match="只能任命本支部的党员"):
        services.post_assign(
            term=term, member=stranger, role=Role.DEPUTY_SECRETARY, started_on=term.elected_on
        )


def test_post_approve_and_end_rules(staffed_branch):
    term = staffed_branch.terms.get()
    publicity = term.posts.get(role=Role.PUBLICITY)
    with pytest.raises(ValidationError, match="只有书记、副书记需要上级批准"):
        services.post_approve(post=publicity, approved_on=today())
    secretary = term.posts.get(role=Role.SECRETARY)
    with pytest.raises(ValidationError, match="该职务已于"):
        services.post_approve(post=secretary, approved_on=today())
    services.post_end(post=secretary, ended_on=today())
    with pytest.raises(ValidationError, match="该职务已离任"):
        services.post_end(post=secretary, ended_on=today())


def test_probationary_members_hold_no_committee_post(tree):
    term = services.term_start(branch=tree["branch_a"], elected_on=today() - timedelta(days=30))
    probationary = MemberFactory(
        branch=tree["branch_a"],
        status=Member.Status.PROBATIONARY,
        full_since=None,
        joined_on=today() - timedelta(days=60),
        probation_ends_on=today() + timedelta(days=300),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.post_assign(term=term, member=probationary, role=Role.PUBLICITY, started_on=term.elected_on)
    assert excinfo.value.messages == ["预备党员没有被选举权，不能担任委员。"]
    holder = MemberFactory(branch=tree["branch_a"])
    services.post_assign(term=term, member=holder, role=Role.PUBLICITY, started_on=term.elected_on)
    with pytest.raises(ValidationError) as excinfo:  # nor become one while holding a post
        services.member_update(
            member=holder,
            status=Member.Status.PROBATIONARY,
            full_since=None,
            joined_on=today() - timedelta(days=60),
            probation_ends_on=today() + timedelta(days=300),
        )
    assert "预备党员没有被选举权" in excinfo.value.messages[0]
