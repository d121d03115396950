"""A unit committee (unit_a) with two branches: branch_a has a secretary (role + post), branch_b's
secretary post is vacant. Raters: the unit staff member plus two representatives with accounts."""

from datetime import date

import pytest

from assessments.duty_review import services
from branches import services as branch_services
from branches.models import Post
from tests.factories import MemberFactory, UserFactory

OUTLINE = "学习贯彻党的创新理论情况\n履行第一责任人职责情况\n存在问题及下一步打算"


@pytest.fixture
def staffed(tree, personas):
    branch = tree["branch_a"]
    member = MemberFactory(branch=branch, name="张书记", user=personas["secretary"])
    term = branch_services.term_start(branch=branch, elected_on=date(2025, 3, 1), has_committee=False)
    branch_services.post_assign(
        term=term, member=member, role=Post.Role.SECRETARY, started_on=date(2025, 3, 1)
    )
    return tree


@pytest.fixture
def cycle(staffed, personas):
    return services.cycle_open(
        user=personas["unit_staff"],
        organization=staffed["unit_a"],
        year=2026,
        outline=OUTLINE,
        due_on=date(2026, 12, 20),
        meeting_on=date(2026, 12, 28),
    )


@pytest.fixture
def voters(cycle, personas):
    """Three raters with accounts, each with a personal ballot; voting open."""
    users = [UserFactory(username=f"rater{i}") for i in range(3)]
    for user in users:
        services.rater_add(
            cycle=cycle,
            user=personas["unit_staff"],
            name=user.display_name,
            category="representative",
            rater_user=user,
        )
    services.ballots_issue(cycle=cycle, user=personas["unit_staff"])
    return users


def submit(report, user, text="已按要点撰写。"):
    report = services.report_save(
        report=report, user=user, expected_version=report.version, texts=[text] * len(report.sections)
    )
    return services.report_submit(report=report, user=user, expected_version=report.version)
