"""Training fixtures on top of the shared tree: members, secretaries and committees, events."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from branches.models import Post, Term
from tests.factories import MemberFactory
from training import services
from training.models import Attendance, Tier, TopicTag, TrainingEvent

YEAR = date.today().year


@pytest.fixture
def people(tree):
    """branch_a: secretary + organization officer + 3 members; branch_b: secretary + 2;
    branch_c (other unit): secretary + 2. Posts started long ago (not new secretaries)."""
    long_ago = date(YEAR - 5, 3, 1)
    out = {}
    for key, size in (("branch_a", 5), ("branch_b", 3), ("branch_c", 3)):
        branch = tree[key]
        members = [MemberFactory(branch=branch, name=f"{branch.name}党员{i}") for i in range(size)]
        term = Term.objects.create(
            branch=branch, elected_on=date(YEAR - 1, 1, 10), ends_on=date(YEAR + 2, 1, 10)
        )
        earlier = Term.objects.create(
            branch=branch,
            elected_on=long_ago,
            ends_on=date(YEAR - 2, 3, 1),
            status=Term.Status.CLOSED,
            closed_on=date(YEAR - 1, 1, 10),
        )
        Post.objects.create(
            term=earlier,
            member=members[0],
            role=Post.Role.SECRETARY,
            started_on=long_ago,
            ended_on=date(YEAR - 1, 1, 10),
        )
        Post.objects.create(
            term=term, member=members[0], role=Post.Role.SECRETARY, started_on=date(YEAR - 1, 1, 10)
        )
        if key == "branch_a":
            Post.objects.create(
                term=term, member=members[1], role=Post.Role.ORGANIZATION, started_on=date(YEAR - 1, 1, 10)
            )
        out[key] = {"members": members, "term": term, "secretary": members[0]}
    return out


def the_standard_tag():
    # The default topics come from a data migration, which transactional tests' flush empties.
    tag, _created = TopicTag.objects.get_or_create(
        name="党支部标准化规范化建设", defaults={"is_standard": True}
    )
    return tag


@pytest.fixture
def standard_tag(db):
    return the_standard_tag()


@pytest.fixture
def make_event(tree):
    def make(tier=Tier.UNIT, organizer=None, end_on=None, hours="8", standard=False, **fields):
        end_on = end_on or date(YEAR, 3, 2)
        event = TrainingEvent.objects.create(
            tier=tier,
            organizer=organizer or tree["unit_a"],
            title=fields.pop("title", f"{tier}培训"),
            start_on=fields.pop("start_on", end_on),
            end_on=end_on,
            hours=Decimal(hours),
            audience=fields.pop("audience", TrainingEvent.Audience.ALL_MEMBERS),
            is_standard=standard,
            **fields,
        )
        if standard:
            event.tags.add(the_standard_tag())
        return event

    return make


@pytest.fixture
def attend():
    """``attend(event, member, hours=None)``: an attended row and the roll-up refreshed."""

    def record(event, member, hours=None):
        Attendance.objects.update_or_create(
            event=event,
            member=member,
            defaults={
                "status": Attendance.Status.ATTENDED,
                "hours_credited": Decimal(str(hours)) if hours is not None else event.hours,
            },
        )
        services.refresh_member_years([member.pk])

    return record


def days_after(day, n):
    return day + timedelta(days=n)
