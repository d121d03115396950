"""The home page's shared panels: viewers with the same scope share the figures for up to
SHARED_SECONDS; a viewer's own write shows at once; another scope never sees them."""

from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from branches import home
from tests.conftest import count_queries
from tests.factories import MemberFactory, Role, UserFactory, grant

STAFF_PANEL = "branches/_panel_staff.html"
MEMBER_FORM = {
    "name": "新同志",
    "gender": "female",
    "birth_date": "1995-05-01",
    "joined_on": "2020-07-01",
    "status": "full",
    "state": "active",
}


def _members_on_home(client):
    response = client.get(reverse("branches:home"))
    assert response.status_code == 200
    return dict(response.context["panels"])[STAFF_PANEL]["counts"]["members"]


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_same_scope_shares_the_figures_until_a_write_of_the_viewer(personas, tree):
    MemberFactory.create_batch(3, branch=tree["branch_a"])
    colleague = UserFactory(username="unit_staff_2")
    grant(colleague, Role.UNIT_STAFF, tree["unit_a"])
    first, second = _client(personas["unit_staff"]), _client(colleague)
    assert _members_on_home(first) == 3

    MemberFactory(branch=tree["branch_b"])  # someone else's change, outside any request
    assert _members_on_home(second) == 3  # the colleague reads the shared figures

    created = second.post(reverse("branches:member-create", args=[tree["branch_a"].pk]), MEMBER_FORM)
    assert created.status_code == 302
    assert _members_on_home(second) == 5  # their own write (and everything before it) shows at once
    assert _members_on_home(first) == 5  # the figures just computed are shared again


def test_a_different_scope_never_reads_another_scopes_figures(personas, tree):
    MemberFactory.create_batch(2, branch=tree["branch_a"])
    MemberFactory.create_batch(4, branch=tree["branch_c"])
    assert _members_on_home(_client(personas["unit_staff"])) == 2
    assert _members_on_home(_client(personas["provincial"])) == 6
    unit_b_staff = UserFactory(username="unit_b_staff")
    grant(unit_b_staff, Role.UNIT_STAFF, tree["unit_b"])
    assert _members_on_home(_client(unit_b_staff)) == 4


def test_shared_figures_expire(personas, tree, monkeypatch):
    monkeypatch.setattr(home, "SHARED_SECONDS", 0)  # a timeout of 0 stores nothing
    client = _client(personas["unit_staff"])
    assert _members_on_home(client) == 0
    MemberFactory(branch=tree["branch_a"])
    assert _members_on_home(client) == 1


def test_a_shared_read_skips_the_panels_queries(personas, tree, monkeypatch):
    client, url = _client(personas["provincial"]), reverse("branches:home")
    shared = count_queries(client, url)
    monkeypatch.setattr(home, "SHARED_SECONDS", 0)
    cache.clear()
    assert count_queries(client, url) >= shared + 10  # five panels' aggregates


def test_failed_writes_and_reads_do_not_stamp(personas, tree, client_for):
    client = client_for(personas["unit_staff"])
    client.get(reverse("branches:home"))
    assert cache.get(home._wrote_key(personas["unit_staff"])) is None
    client.post(
        reverse("branches:member-create", args=[tree["branch_c"].pk]), MEMBER_FORM
    )  # out of scope: 404
    assert cache.get(home._wrote_key(personas["unit_staff"])) is None
