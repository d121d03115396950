"""Two editors saving the same member at the same moment: one wins, the other is told."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from branches import services
from branches.models import Member
from tests.factories import MemberFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_saves_of_one_version_let_exactly_one_through(tree):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    member = MemberFactory(branch=tree["branch_a"], name="原名")
    barrier = threading.Barrier(2)
    outcomes = []

    def edit(name):
        try:
            barrier.wait()
            services.member_update(member=Member.objects.get(pk=member.pk), expected_version=1, name=name)
            outcomes.append("saved")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(name,)) for name in ("甲改", "乙改")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    member.refresh_from_db()
    assert len(outcomes) == 2 and outcomes.count("saved") == 1
    assert any(outcome.startswith("该党员信息已被其他人修改（当前为第 2 版") for outcome in outcomes)
    assert member.version == 2 and member.name in ("甲改", "乙改")
