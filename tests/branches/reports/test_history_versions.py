"""Change-history rows show the version the record had after each change (not a counter)."""

import re
from datetime import date

import pytest

from branches import audit
from branches.reports import services
from tests.factories import MemberFactory

from .conftest import activity_fields

pytestmark = pytest.mark.django_db


def shown_versions(html):
    return [
        int(v) if v != "—" else None for v in re.findall(r'class="text-end history-version">([^<]*)<', html)
    ]


def test_activity_history_rows_show_the_version_after_each_change(personas, tree, client_for):
    secretary = personas["secretary"]
    today = date(2026, 3, 12)
    activity = services.activity_create(
        branch=tree["branch_a"], user=secretary, today=today, **activity_fields()
    )
    activity = services.activity_update(
        activity=activity,
        user=secretary,
        version=activity.version,
        today=today,
        **activity_fields(topic="二"),
    )
    activity = services.activity_update(
        activity=activity,
        user=secretary,
        version=activity.version,
        today=today,
        **activity_fields(topic="三"),
    )
    assert activity.version == 3
    entries = audit.activity_history(activity)
    assert [e.version for e in entries] == [3, 2, 1]  # newest first
    page = client_for(secretary).get(f"/reports/activities/{activity.pk}/").content.decode()
    assert shown_versions(page) == [3, 2, 1]


def test_member_history_shows_versions_and_models_without_one_show_a_dash(personas, tree, client_for):
    from branches.services import member_update

    member = MemberFactory(branch=tree["branch_a"], name="甲")
    member = member_update(member=member, expected_version=member.version, name="乙")
    member = member_update(member=member, expected_version=member.version, name="丙")
    assert [e.version for e in audit.member_history(member)] == [member.version, member.version - 1, 1]
    page = client_for(personas["unit_staff"]).get(f"/members/{member.pk}/").content.decode()
    assert shown_versions(page)[:3] == [member.version, member.version - 1, 1]
    # terms and posts have no version field: their rows show "—", never a made-up number
    assert all(e.version is None for e in audit.organization_history(tree["branch_a"]))
