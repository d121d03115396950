"""Moving organizations (service, page, admin) and the database's guard on materialized paths."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import services
from branches.models import Organization
from tests.factories import MemberFactory, UserFactory, grant, make_org

from ..factories import Role
from .conftest import grow_unit

pytestmark = pytest.mark.django_db
Kind = Organization.Kind


def test_move_rewrites_the_subtree_in_one_update(tree, personas):
    branch, cell, unit_b = tree["branch_a"], tree["cell_a"], tree["unit_b"]
    with CaptureQueriesContext(connection) as queries:
        services.organization_move(organization=branch, new_parent=unit_b, user=personas["admin"])
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "branches_organization"')]
    assert len(updates) == 1
    branch.refresh_from_db()
    cell.refresh_from_db()
    assert branch.parent == unit_b and branch.unit == unit_b
    assert branch.path == f"{unit_b.path}{branch.pk}/" and branch.depth == 2
    assert cell.path == f"{branch.path}{cell.pk}/" and cell.depth == 3 and cell.unit == unit_b
    # untouched siblings keep their place
    tree["branch_b"].refresh_from_db()
    assert tree["branch_b"].path.startswith(tree["unit_a"].path)


def test_move_to_a_general_branch_deepens_the_subtree(tree, personas):
    general = make_org("甲厅党总支", Kind.GENERAL_BRANCH, tree["unit_a"])
    services.organization_move(organization=tree["branch_a"], new_parent=general, user=personas["admin"])
    cell = Organization.objects.get(pk=tree["cell_a"].pk)
    assert cell.path == f"{general.path}{tree['branch_a'].pk}/{cell.pk}/"
    assert cell.depth == 4 and cell.unit == tree["unit_a"]


def test_old_unit_staff_lose_access_and_new_ones_gain_it(tree, personas, client):
    member = MemberFactory(branch=tree["branch_a"])
    staff_b = UserFactory(username="staff_b")
    grant(staff_b, Role.UNIT_STAFF, tree["unit_b"])
    urls = [tree["branch_a"].get_absolute_url(), tree["cell_a"].get_absolute_url(), member.get_absolute_url()]
    client.force_login(staff_b)
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    services.organization_move(
        organization=tree["branch_a"], new_parent=tree["unit_b"], user=personas["admin"]
    )
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    client.force_login(personas["unit_staff"])
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]


@pytest.mark.parametrize(
    ("node", "target", "message"),
    [
        ("unit_a", "branch_a", "自己或它的下级"),
        ("branch_a", "cell_a", "自己或它的下级"),
        ("branch_a", "branch_a", "自己或它的下级"),
        ("branch_a", "branch_b", "上级组织必须是"),
        ("cell_a", "unit_b", "上级组织必须是"),
        ("root", "unit_a", "根组织不能移动"),
        ("branch_a", "unit_a", "已在所选上级组织之下"),
    ],
)
def test_move_is_refused_when_the_tree_rules_forbid_it(tree, personas, node, target, message):
    before = dict(Organization.objects.values_list("pk", "path"))
    with pytest.raises(ValidationError, match=message):
        services.organization_move(organization=tree[node], new_parent=tree[target], user=personas["admin"])
    assert dict(Organization.objects.values_list("pk", "path")) == before


def test_move_is_recorded_in_the_change_history(tree, personas):
    services.organization_move(
        organization=tree["branch_a"], new_parent=tree["unit_b"], user=personas["admin"]
    )
    record = tree["branch_a"].history.order_by("-history_date", "-history_id").first()
    assert record.history_type == "~"
    assert record.parent_id == tree["unit_b"].pk
    assert record.history_user == personas["admin"]
    assert "乙厅机关党委" in record.history_change_reason


# --- the database refuses empty or inconsistent paths -----------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"path": ""},
        {"path": "/"},
        {"path": "/1/x/"},
        {"path": "/999999/"},  # does not end with the node's own id
        {"depth": 5},
    ],
)
def test_database_refuses_a_bad_path_or_depth(tree, change):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=tree["branch_a"].pk).update(**change)


def test_database_refuses_an_organization_created_without_a_path(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="x", kind=Kind.BRANCH, parent=tree["unit_a"])


# --- the move page ------------------------------------------------------------------------------


def test_admin_moves_a_branch_from_the_page(tree, personas, client_for):
    client = client_for(personas["admin"])
    url = reverse("branches:org-move", args=[tree["branch_a"].pk])
    page = client.get(url)
    assert page.status_code == 200
    choices = [str(choice[1]) for choice in page.context["form"].fields["new_parent"].choices]
    assert "乙厅机关党委" in choices and "甲厅机关党委" not in choices  # the current parent is left out
    response = client.post(url, {"new_parent": tree["unit_b"].pk})
    assert response.status_code == 302
    assert Organization.objects.get(pk=tree["branch_a"].pk).parent_id == tree["unit_b"].pk


def test_move_page_refuses_a_parent_outside_the_movers_scope(tree, personas, client_for):
    client = client_for(personas["unit_staff"])
    url = reverse("branches:org-move", args=[tree["branch_a"].pk])
    response = client.post(url, {"new_parent": tree["unit_b"].pk})
    assert response.status_code == 200 and response.context["form"].errors
    assert Organization.objects.get(pk=tree["branch_a"].pk).parent_id == tree["unit_a"].pk
    # a unit staffer may reorganize inside the unit
    general = make_org("甲厅党总支", Kind.GENERAL_BRANCH, tree["unit_a"])
    assert client.post(url, {"new_parent": general.pk}).status_code == 302
    assert Organization.objects.get(pk=tree["branch_a"].pk).parent_id == general.pk


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("secretary", 403), ("provincial", 403)])
def test_move_page_scope(tree, personas, client_for, who, status):
    client = client_for(personas[who])
    url = reverse("branches:org-move", args=[tree["branch_a"].pk])
    assert client.get(url).status_code == status
    assert client.post(url, {"new_parent": tree["unit_b"].pk}).status_code == status
    assert Organization.objects.get(pk=tree["branch_a"].pk).parent_id == tree["unit_a"].pk


def test_root_has_no_move_page(tree, personas, client_for):
    client = client_for(personas["admin"])
    assert client.get(reverse("branches:org-move", args=[tree["root"].pk])).status_code == 404


@pytest.mark.parametrize("size", [2, 8])
def test_move_page_runs_constant_queries(
    tree, personas, client_for, add_members, staff_committee, django_assert_num_queries, size
):
    grow_unit(
        tree["unit_a"],
        branches=size,
        members_each=2,
        add_members=add_members,
        staff_committee=staff_committee,
    )
    client = client_for(personas["unit_staff"])
    url = reverse("branches:org-move", args=[tree["cell_a"].pk])
    client.get(url)
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200


# --- Django admin goes through the services ----------------------------------------------------


def test_admin_add_derives_the_path(tree, personas, client_for):
    client = client_for(personas["admin"])
    response = client.post(
        reverse("admin:branches_organization_add"),
        {
            "name": "管理后台新建支部",
            "kind": Kind.BRANCH,
            "parent": tree["unit_b"].pk,
            "category": "party_government",
            "units_covered": 1,
            "locations": 1,
            "unaffiliated_full_members": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Organization.objects.get(name="管理后台新建支部")
    assert created.path == f"{tree['unit_b'].path}{created.pk}/"
    assert created.depth == 2 and created.unit == tree["unit_b"]


def test_admin_add_refuses_a_wrong_parent(tree, personas, client_for):
    client = client_for(personas["admin"])
    response = client.post(
        reverse("admin:branches_organization_add"),
        {
            "name": "错",
            "kind": Kind.BRANCH,
            "parent": tree["branch_b"].pk,
            "category": "party_government",
            "units_covered": 1,
            "locations": 1,
            "unaffiliated_full_members": 0,
        },
    )
    assert response.status_code == 200
    assert "上级组织必须是" in response.content.decode()
    assert not Organization.objects.filter(name="错").exists()


def test_admin_change_cannot_move_a_node(tree, personas, client_for):
    client = client_for(personas["admin"])
    branch = tree["branch_a"]
    url = reverse("admin:branches_organization_change", args=[branch.pk])
    page = client.get(url).content.decode()
    assert 'name="parent"' not in page and 'name="unit"' not in page
    client.post(
        url,
        {
            "name": "改名",
            "parent": tree["unit_b"].pk,
            "unit": tree["unit_b"].pk,
            "category": "party_government",
            "units_covered": 1,
            "locations": 1,
            "unaffiliated_full_members": 0,
            "is_active": "on",
        },
    )
    branch.refresh_from_db()
    assert branch.name == "改名"
    assert branch.parent == tree["unit_a"] and branch.path.startswith(tree["unit_a"].path)
