"""The staff home's check summary of a large scope comes from the cache without loading the
scope's organizations; a small scope is always computed afresh."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from branches import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_large_scope_hit_loads_nothing(personas, tree, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(selectors, "CHECK_SUMMARY_CACHE_FROM", 2)
    user, today = personas["provincial"], timezone.localdate()
    first = selectors.scope_check_summary(user, today=today)
    with django_assert_num_queries(0):
        assert selectors.scope_check_summary(user, today=today) == first


def test_a_small_scope_is_computed_every_time(personas, tree, django_assert_num_queries):
    user, today = personas["unit_staff"], timezone.localdate()
    first = selectors.scope_check_summary(user, today=today)
    assert first["orgs_with_errors"] >= 1
    tree["branch_b"].is_active = False
    tree["branch_b"].save()
    assert selectors.scope_check_summary(user, today=today) != first
