"""Every role × every action × tree position against permissions.can, plus scope_q."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from branches import permissions
from branches.models import Organization
from branches.permissions import Action
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db

# Where each role is assigned, and which node is its own / child / sibling / parent.
# The root has no sibling or parent, so roles assigned there are tested on own and child only.
PLACES = {
    Role.ADMIN: ("root", {"own": "root", "child": "unit_a"}),
    Role.PROVINCIAL_STAFF: ("root", {"own": "root", "child": "unit_a"}),
    Role.UNIT_STAFF: (
        "unit_a",
        {"own": "unit_a", "child": "branch_a", "sibling": "unit_b", "parent": "root"},
    ),
    Role.SECRETARY: (
        "branch_a",
        {"own": "branch_a", "child": "cell_a", "sibling": "branch_b", "parent": "unit_a"},
    ),
    None: (None, {"own": "branch_a", "child": "cell_a", "sibling": "branch_b", "parent": "unit_a"}),
}
CASES = [
    (role, action, position)
    for role, (_assigned, positions) in PLACES.items()
    for action in Action
    for position in positions
]


# The policy as the regulations and the product decided it, written out literally: a change to
# ROLE_ACTIONS must be mirrored here on purpose, never derived from the table under test.
ALLOWED = {
    Role.PROVINCIAL_STAFF: {"view", "review", "supervise", "export"},
    Role.UNIT_STAFF: {
        "view",
        "edit_org",
        "edit_members",
        "manage_terms",
        "review",
        "supervise",
        "export",
        "import",
    },
    Role.SECRETARY: {"view", "edit_members", "record_activity", "submit_report", "export"},
}


def expected(role, action, position):
    if role is None:
        return False
    if role == Role.ADMIN:
        return True
    return str(action) in ALLOWED[role] and position in ("own", "child")


def test_every_action_is_decided_in_the_literal_table():
    decided = {"view", "edit_org", "edit_members", "manage_terms", "record_activity", "submit_report"}
    decided |= {"review", "supervise", "export", "configure", "import"}
    decided |= {"rate"}  # 述职评议 raters: no role holds it; a grant source gives it per cycle
    assert {str(action) for action in Action} == decided


@pytest.fixture
def user_with(tree):
    def make(role):
        user = UserFactory(username=f"u-{role or 'none'}")
        assigned, _positions = PLACES[role]
        if role is not None:
            grant(user, role, tree[assigned])
        return user

    return make


@pytest.mark.parametrize(("role", "action", "position"), CASES, ids=lambda v: str(v))
def test_can_matrix(tree, user_with, role, action, position):
    user = user_with(role)
    node = tree[PLACES[role][1][position]]
    assert permissions.can(user, action, node) is expected(role, action, position)


@pytest.mark.parametrize("role", list(PLACES), ids=str)
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_scope_q_matches_can(tree, user_with, role, action):
    """scope_q selects exactly the nodes for which can() is true."""
    user = user_with(role)
    selected = set(
        Organization.objects.filter(permissions.scope_q(user, action)).values_list("name", flat=True)
    )
    allowed = {org.name for org in Organization.objects.all() if permissions.can(user, action, org)}
    assert selected == allowed
    if role is None:
        assert selected == set()


def test_scope_q_follows_a_lookup_path(tree, personas, add_members):
    from branches.models import Member

    add_members(tree["branch_a"], full=2)
    add_members(tree["branch_c"], full=3)
    visible = Member.objects.filter(permissions.scope_q(personas["unit_staff"], Action.VIEW, "branch__"))
    assert {m.branch_id for m in visible} == {tree["branch_a"].pk}
    assert Member.objects.filter(permissions.scope_q(personas["admin"], Action.VIEW, "branch__")).count() == 5


def test_superuser_without_role_is_admin(tree):
    boss = UserFactory(username="boss", is_superuser=True)
    assert all(permissions.can(boss, action, tree["branch_c"]) for action in Action)


def test_check_raises_404_outside_scope_and_403_when_not_allowed(tree, personas):
    with pytest.raises(Http404):
        permissions.check(personas["unit_staff"], Action.VIEW, tree["branch_c"])
    with pytest.raises(PermissionDenied):
        permissions.check(personas["provincial"], Action.EDIT_MEMBERS, tree["branch_a"])
    permissions.check(personas["secretary"], Action.EDIT_MEMBERS, tree["branch_a"])


def test_role_cache_is_per_user_object(tree, personas, django_assert_num_queries):
    user = personas["unit_staff"]
    permissions.can(user, Action.VIEW, tree["branch_a"])  # fills the user's role and grant caches
    permissions.can(user, Action.RATE, tree["branch_a"])  # the raters' source answers RATE only
    with django_assert_num_queries(0):
        for action in Action:
            permissions.can(user, action, tree["branch_a"])
