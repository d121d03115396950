"""The cycle's state changes (voting, closing, publishing) refuse anyone but the committee's
staff in the service itself, before writing anything."""

import pytest
from django.core.exceptions import PermissionDenied

from assessments.duty_review import services
from tests.conftest import database_unchanged

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["secretary", "outsider"])
def test_voting_and_publishing_are_the_committee_staffs(cycle, voters, personas, who):
    user = personas[who]
    for call in (services.voting_open, services.voting_close, services.cycle_publish):
        with database_unchanged(), pytest.raises(PermissionDenied):
            call(cycle=cycle, user=user)
