"""The renewal demo seed is deterministic and idempotent."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from branches.models import Postponement, Renewal, RenewalStep, Term, TermReminder
from branches.renewals import demo
from tests.factories import MemberFactory, make_org

from .conftest import make_term

pytestmark = pytest.mark.django_db
TODAY = date(2027, 6, 1)


@pytest.fixture
def many_terms(tree):
    for i in range(40):
        branch = make_org(f"演示第{i}党支部", "branch", tree["unit_a"])
        for n in range(8):
            MemberFactory(branch=branch, name=f"演示{i}-{n}")
        make_term(branch, date(2023, 12, 1) + timedelta(days=i * 14))


def snapshot():
    return (
        sorted(Renewal.objects.values_list("term__branch__name", "status")),
        sorted(Postponement.objects.values_list("term__branch__name", "status", "until")),
        RenewalStep.objects.count(),
        TermReminder.objects.count(),
        Term.objects.filter(status="active").count(),
    )


# The seed runs the real services, which refuse dates after today: run it on TODAY. (Without
# this, whether a term is drawn for completion depends on its pk, and the test failed whenever a
# run's sequences drew one.)
@time_machine.travel(datetime(2027, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_seed_is_idempotent_and_covers_the_states(many_terms):
    first = demo.seed(scale="small", today=TODAY)
    assert first["renewals"] > 0 and first["postponements"] > 0
    before = snapshot()
    assert demo.seed(scale="small", today=TODAY) == {"renewals": 0, "postponements": 0, "completed": 0}
    assert snapshot() == before
    statuses = {status for _name, status in before[0]}
    assert len(statuses) >= 3
    assert TermReminder.objects.filter(status="sent").exists()
