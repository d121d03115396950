"""seed_demo builds a believable province, deterministically and idempotently."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Max
from django.utils import timezone

from branches.demo import seed_province
from branches.models import Member, Organization, Post, RoleAssignment, Term, User

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "orgs": sorted(Organization.objects.values_list("name", "kind", "depth")),  # names repeat (cells)
        "members": list(
            Member.objects.order_by("branch__name", "name", "birth_date").values_list(
                "branch__name", "name", "birth_date", "status"
            )
        ),
        "terms": list(Term.objects.order_by("branch__name").values_list("branch__name", "ends_on")),
        "posts": Post.objects.count(),
        "users": list(User.objects.order_by("username").values_list("username", flat=True)),
        "roles": RoleAssignment.objects.count(),
    }


def test_seed_demo_twice_changes_nothing_and_prints_logins():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert snapshot() == first
    assert "shuji" in out.getvalue() and "demo-2027" in out.getvalue()


def test_base_province_is_deterministic_after_wiping_the_data():
    today = timezone.localdate()
    seed_province(scale_name="small", today=today, log=lambda _msg: None)
    first = snapshot()
    Post.objects.all().delete()
    Term.objects.all().delete()
    Member.objects.all().delete()
    RoleAssignment.objects.all().delete()
    User.objects.all().delete()
    Organization.objects.update(unit=None)
    deepest = Organization.objects.aggregate(d=Max("depth"))["d"]
    assert deepest == 4  # a party cell of a branch under a general branch
    for depth in range(deepest, -1, -1):
        Organization.objects.filter(depth=depth).delete()
    seed_province(scale_name="small", today=today, log=lambda _msg: None)
    assert snapshot() == first


def test_seed_demo_spreads_terms_and_builds_valid_tree():
    call_command("seed_demo", stdout=StringIO())
    branches = Organization.objects.filter(kind=Organization.Kind.BRANCH)
    assert 25 <= branches.count() <= 45
    for org in Organization.objects.exclude(parent=None).select_related("parent"):
        assert org.path == f"{org.parent.path}{org.pk}/"
    assert branches.filter(is_joint=True).exists() and branches.filter(is_temporary=True).exists()
    general = Organization.objects.get(kind=Organization.Kind.GENERAL_BRANCH)
    assert branches.filter(parent=general).count() >= 3 and Term.objects.filter(branch=general).exists()
    # Every active, non-temporary branch has exactly one active term.
    per_branch = Term.objects.values("branch").annotate(n=Count("pk")).filter(n__gt=1)
    assert not per_branch.exists()
    assert Term.objects.filter(branch__is_temporary=True).count() == 0
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == set(RoleAssignment.Role.values)
    assert User.objects.get(username="shuji").member.posts.filter(role=Post.Role.SECRETARY).exists()
