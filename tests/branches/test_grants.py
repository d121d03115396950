"""Pluggable grant sources and users_with: a test source lets observers view a host branch
until a date; can, scope, get_object_for_user and users_with all see it, and it expires."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from branches import permissions
from branches.permissions import Action, Grant
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def observer_source(tree):
    """Observer may view branch_c (another unit) until ``until``."""
    observer = UserFactory(username="observer")
    grant(observer, Role.SECRETARY, tree["branch_a"])
    until = timezone.now() + timedelta(days=3)
    host = tree["branch_c"]

    def grants():
        return [Grant(observer.pk, frozenset({Action.VIEW}), host.path, None, until)]

    permissions.register_grant_source(
        "test-observers",
        for_user=lambda user, now: [g for g in grants() if g.user_id == user.pk],
        for_paths=lambda paths, now: [g for g in grants() if any(p.startswith(g.path) for p in paths)],
    )
    yield observer, host, until
    permissions.unregister_grant_source("test-observers")


def fresh(user):
    return type(user).objects.get(pk=user.pk)  # drop the per-request caches


def test_grant_source_opens_view_until_it_expires(observer_source, tree, client_for, personas):
    observer, host, until = observer_source
    assert permissions.can(fresh(observer), Action.VIEW, host)
    assert not permissions.can(fresh(observer), Action.SUBMIT_REPORT, host)
    assert host in permissions.orgs_in_scope(fresh(observer))
    assert observer in permissions.users_with(Action.VIEW, host)
    assert observer not in permissions.users_with(Action.VIEW, tree["branch_b"])
    url = reverse("branches:org-detail", args=[host.pk])
    assert client_for(observer).get(url).status_code == 200
    with time_machine.travel(until + timedelta(seconds=1)):
        assert not permissions.can(fresh(observer), Action.VIEW, host)
        assert observer not in permissions.users_with(Action.VIEW, host)
        assert client_for(fresh(observer)).get(url).status_code == 404


def test_users_with_counts_ancestor_roles_and_skips_inactive_users(tree, personas):
    users = permissions.users_with(Action.REVIEW, tree["branch_a"])
    assert {u.username for u in users} == {"admin", "provincial", "unit_staff"}
    personas["unit_staff"].is_active = False
    personas["unit_staff"].save()
    assert {u.username for u in permissions.users_with(Action.REVIEW, tree["branch_a"])} == {
        "admin",
        "provincial",
    }
    secretaries = permissions.users_with(
        Action.VIEW, tree["branch_a"], roles={Role.SECRETARY}, exact_roles={Role.SECRETARY}
    )
    assert [u.username for u in secretaries] == ["secretary"]
    assert permissions.users_with(Action.VIEW, tree["branch_b"], roles={Role.SECRETARY}) == []


def test_a_source_limited_to_some_actions_is_asked_only_about_them(tree, personas):
    """A source registered with ``actions`` costs nothing on questions about other actions."""
    asked = []
    rater = personas["secretary"]

    def for_user(user, now):
        asked.append("user")
        return [Grant(user.pk, frozenset({Action.RATE}), tree["unit_b"].path)]

    def for_paths(paths, now):
        asked.append("paths")
        return [Grant(rater.pk, frozenset({Action.RATE}), tree["unit_b"].path)]

    permissions.register_grant_source(
        "test-raters", for_user=for_user, for_paths=for_paths, actions={Action.RATE}
    )
    try:
        user = fresh(rater)
        assert not permissions.can(user, Action.VIEW, tree["branch_c"])
        assert permissions.scope_paths(user, Action.VIEW) == [tree["branch_a"].path]
        assert rater not in permissions.users_with(Action.VIEW, tree["branch_c"])
        assert asked == []
        assert permissions.can(user, Action.RATE, tree["branch_c"])
        assert permissions.can(user, Action.RATE, tree["unit_b"])
        assert asked == ["user"]  # asked once per request, then kept on the user object
        assert rater in permissions.users_with(Action.RATE, tree["branch_c"])
        assert asked == ["user", "paths"]
    finally:
        permissions.unregister_grant_source("test-raters")


def test_the_scope_keeps_only_the_topmost_paths(tree):
    """A grant or role under a path already in scope adds no OR term to scoped queries."""
    user = UserFactory(username="wide")
    grant(user, Role.UNIT_STAFF, tree["unit_a"])
    grant(user, Role.SECRETARY, tree["branch_a"])  # under unit_a
    grant(user, Role.SECRETARY, tree["branch_c"])  # elsewhere
    host = tree["branch_b"]  # a grant under unit_a as well

    def grants(user_id):
        return [Grant(user.pk, frozenset({Action.VIEW}), host.path)] if user_id == user.pk else []

    permissions.register_grant_source(
        "test-nested",
        for_user=lambda someone, now: grants(someone.pk),
        for_paths=lambda paths, now: grants(user.pk),
    )
    try:
        scope = permissions.scope_paths(fresh(user), Action.VIEW)
        assert scope == sorted([tree["unit_a"].path, tree["branch_c"].path])
        assert permissions.can(fresh(user), Action.VIEW, host)
    finally:
        permissions.unregister_grant_source("test-nested")
