"""The shared test helpers must be able to fail, or the tests built on them prove nothing."""

import pytest

from branches.models import Organization
from tests.conftest import database_unchanged
from tests.factories import make_org

pytestmark = pytest.mark.django_db


def test_database_unchanged_detects_an_insert(tree):
    with pytest.raises(AssertionError, match="branches_organization"):
        with database_unchanged():
            make_org("新支部", Organization.Kind.BRANCH, tree["unit_a"])


def test_database_unchanged_detects_an_update_on_postgresql(tree, settings):
    if not settings.IS_POSTGRES:
        pytest.skip("row checksums are computed on PostgreSQL only; counts elsewhere")
    with pytest.raises(AssertionError, match="branches_organization"):
        with database_unchanged():
            Organization.objects.filter(pk=tree["branch_a"].pk).update(name="改名支部")


def test_database_unchanged_passes_when_nothing_changes(tree):
    with database_unchanged():
        Organization.objects.count()
