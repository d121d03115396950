"""Team changes and declarations check access in the service, before writing anything."""

import pytest
from django.core.exceptions import PermissionDenied

from assessments.models import VisitMember
from assessments.observation import services
from tests.conftest import database_unchanged
from tests.factories import UserFactory

from .conftest import scheduled_round

pytestmark = pytest.mark.django_db


def test_only_a_round_manager_adds_to_a_team(world, edition):
    round_ = scheduled_round(world, edition)
    visit = round_.visits.select_related("branch").first()
    visiting = round_.units.filter(group_id=visit.group_id).first()
    VisitMember.objects.filter(visit=visit, user=visiting.observer).delete()
    with database_unchanged(), pytest.raises(PermissionDenied):
        services.team_add(
            visit=visit,
            actor=visiting.observer,  # an observer, not a manager of rounds
            user=visiting.observer,
            role=VisitMember.Role.OBSERVER,
            unit=visiting.unit,
        )
    member = services.team_add(
        visit=visit,
        actor=world["leader"],
        user=visiting.observer,
        role=VisitMember.Role.OBSERVER,
        unit=visiting.unit,
    )
    assert member.pk


def test_a_declaration_needs_a_round_the_user_can_see(world, edition):
    round_ = scheduled_round(world, edition)
    stranger = UserFactory(username="stranger")
    with database_unchanged(), pytest.raises(PermissionDenied):
        services.declaration_add(
            round_=round_, user=stranger, unit=world["units"][0], reason="曾在该单位工作"
        )
