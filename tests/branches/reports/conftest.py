from datetime import date

import pytest

from branches.models import Activity
from branches.reports import services

Kind = Activity.Kind


def record(branch, kind, held_on, *, cell=None, expected=10, present=9, **extra):
    """An activity row written directly (calendar building); attendance adds up."""
    return Activity.objects.create(
        branch=branch,
        kind=kind,
        held_on=held_on,
        cell=cell,
        place="会议室",
        chair="张书记",
        recorder="李委员",
        topic=f"{kind} {held_on:%m-%d}",
        expected_full=expected,
        present_full=present,
        absent_full=expected - present,
        **extra,
    )


def activity_fields(**overrides):
    fields = {
        "kind": Kind.COMMITTEE,
        "held_on": date(2026, 3, 10),
        "place": "三楼会议室",
        "chair": "张书记",
        "recorder": "李委员",
        "topic": "研究三月工作",
        "expected_full": 5,
        "present_full": 4,
        "leave_full": 1,
        "absent_full": 0,
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def create_activity(personas, tree):
    def create(branch=None, user=None, today=date(2026, 3, 11), **overrides):
        return services.activity_create(
            branch=branch or tree["branch_a"],
            user=user or personas["secretary"],
            today=today,
            **activity_fields(**overrides),
        )

    return create
