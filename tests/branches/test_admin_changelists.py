"""Django admin's changelists of the tree, roster and terms run the same number of queries as
the rows grow (the organization list used to fetch each row's unit on its own)."""

import pytest
from django.urls import reverse

from tests.branches.conftest import grow_unit
from tests.conftest import count_queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["organization", "member", "term"])
def test_admin_changelists_run_the_same_queries_at_two_sizes(
    model, personas, tree, client_for, add_members, staff_committee
):
    client = client_for(personas["admin"])
    url = reverse(f"admin:branches_{model}_changelist")

    def grow(branches):
        grow_unit(
            tree["unit_b"],
            branches=branches,
            members_each=3,
            add_members=add_members,
            staff_committee=staff_committee,
        )

    grow(1)
    before = count_queries(client, url)
    grow(6)
    assert count_queries(client, url) == before
