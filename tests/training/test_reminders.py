"""New secretary not trained: reminder at 4 months, supervision at 6, each exactly once."""

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from branches.models import Post
from notifications.models import Notification
from tests.factories import Role, UserFactory, grant
from training import reminders
from training.models import SecretaryTrainingReminder, Tier

pytestmark = pytest.mark.django_db
STARTED = date(2026, 2, 1)


@pytest.fixture
def new_secretary(people):
    term = people["branch_a"]["term"]
    Post.objects.filter(term=term, role=Post.Role.SECRETARY).update(ended_on=STARTED - relativedelta(days=1))
    member = people["branch_a"]["members"][3]
    Post.objects.create(term=term, member=member, role=Post.Role.SECRETARY, started_on=STARTED)
    return member


def run(today, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return reminders.sweep(today=today)


def notices(kind="training_new_secretary"):
    rows = Notification.objects.filter(kind=kind).select_related("recipient").order_by("pk")
    return [(notice.recipient.username, notice.display_title) for notice in rows]


def test_reminder_at_four_months_to_unit_staff_once(
    tree, personas, new_secretary, django_capture_on_commit_callbacks
):
    assert run(STARTED + relativedelta(months=4, days=-1), django_capture_on_commit_callbacks) == []
    claimed = run(STARTED + relativedelta(months=4), django_capture_on_commit_callbacks)
    assert len(claimed) == 1
    sent = notices()
    assert [user for user, _title in sent] == ["unit_staff"]
    assert "4个月" in sent[0][1]
    # the next days: nothing new
    assert run(STARTED + relativedelta(months=4, days=1), django_capture_on_commit_callbacks) == []
    assert run(STARTED + relativedelta(months=5), django_capture_on_commit_callbacks) == []
    assert len(notices()) == 1


def test_supervision_at_six_months_to_unit_and_provincial_staff_once(
    tree, personas, new_secretary, django_capture_on_commit_callbacks
):
    run(STARTED + relativedelta(months=4), django_capture_on_commit_callbacks)
    run(STARTED + relativedelta(months=6), django_capture_on_commit_callbacks)
    run(STARTED + relativedelta(months=6, days=3), django_capture_on_commit_callbacks)
    stages = list(SecretaryTrainingReminder.objects.values_list("stage", flat=True).order_by("stage"))
    assert stages == ["reminder", "supervision"]
    supervision = [user for user, title in notices() if "督办" in title]
    assert sorted(supervision) == ["provincial", "unit_staff"]
    assert len(notices()) == 3


def test_trained_secretary_gets_no_reminder(
    tree, personas, new_secretary, make_event, attend, django_capture_on_commit_callbacks
):
    attend(
        make_event(tier=Tier.PROVINCIAL, organizer=tree["root"], end_on=STARTED + relativedelta(months=2)),
        new_secretary,
    )
    assert run(STARTED + relativedelta(months=7), django_capture_on_commit_callbacks) == []
    assert notices() == []


def test_branch_study_is_not_induction(
    tree, personas, new_secretary, make_event, attend, django_capture_on_commit_callbacks
):
    attend(
        make_event(tier=Tier.BRANCH, organizer=tree["branch_a"], end_on=STARTED + relativedelta(months=1)),
        new_secretary,
    )
    assert len(run(STARTED + relativedelta(months=4), django_capture_on_commit_callbacks)) == 1


def test_reelected_secretary_gets_no_reminder(tree, personas, people, django_capture_on_commit_callbacks):
    assert (
        run(date(people["branch_a"]["term"].elected_on.year, 7, 1), django_capture_on_commit_callbacks) == []
    )


def test_delivery_retried_sends_no_second_notice(
    tree, personas, new_secretary, django_capture_on_commit_callbacks
):
    [claimed] = run(STARTED + relativedelta(months=4), django_capture_on_commit_callbacks)
    reminders.deliver(claimed)
    assert len(notices()) == 1


def test_other_units_staff_hear_nothing(tree, personas, new_secretary, django_capture_on_commit_callbacks):
    other = UserFactory(username="unit_b_staff")
    grant(other, Role.UNIT_STAFF, tree["unit_b"])
    run(STARTED + relativedelta(months=6), django_capture_on_commit_callbacks)
    assert "unit_b_staff" not in [user for user, _title in notices()]
