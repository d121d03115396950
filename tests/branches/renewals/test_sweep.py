"""The daily ladder sweep: recipients, exactly-once, catch-up, postponement, query count."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from branches.models import Postponement, RectificationItem, Renewal, TermReminder
from branches.renewals import services
from notifications.models import Notification, OutboxEmail
from notifications.services import outbox_deliver
from tests.factories import Role, UserFactory, grant

from .conftest import T, make_term

Stage = TermReminder.Stage
pytestmark = pytest.mark.django_db


def sweep_on(day):
    with time_machine.travel(
        timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 6, 30)), tick=False
    ):
        result = services.renewal_sweep()
        outbox_deliver()  # what the outbox worker does right after the sweep commits
        return result


def reminder_notices(term):
    return Notification.objects.filter(dedupe_key__startswith=f"term-reminder:{term.pk}:")


def test_first_reminder_goes_to_secretary_with_ack_and_to_unit_staff(terms, personas):
    sweep_on(date(2026, 12, 30))
    notices = {n.recipient.username: n for n in reminder_notices(terms["a"]).select_related("recipient")}
    assert set(notices) == {"secretary", "unit_staff"}
    assert notices["secretary"].requires_ack is True
    assert notices["unit_staff"].requires_ack is False
    assert "甲厅第一党支部任期将于2027-06-30届满" in notices["secretary"].title
    assert notices["secretary"].link == f"/renewals/branch/{terms['a'].branch_id}/"
    reminder = TermReminder.objects.get(term=terms["a"])
    assert (reminder.stage, reminder.status, reminder.due_on) == (Stage.FIRST, "sent", date(2026, 12, 30))


def test_email_is_rendered_in_chinese_from_template(terms, personas):
    sweep_on(date(2026, 12, 30))
    to_secretary = [m for m in mail.outbox if m.to == ["secretary@example.org"]]
    assert len(to_secretary) == 1
    message = to_secretary[0]
    assert message.subject == "【换届提醒】甲厅第一党支部任期将于2027-06-30届满，请做好换届准备"
    assert "请登录平台在通知中心点击“确认收到”" in message.body
    assert f"/renewals/branch/{terms['a'].branch_id}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "甲厅第一党支部" in html


def test_day_before_first_stage_sends_nothing(terms):
    result = sweep_on(date(2026, 12, 29))
    assert result["due"] == 0
    assert not TermReminder.objects.exists()
    assert mail.outbox == []


def test_sweep_run_twice_sends_each_term_stage_once(terms, personas):
    first = sweep_on(date(2027, 5, 30))
    second = sweep_on(date(2027, 5, 30))
    assert first["reminders"] == 2 and second["reminders"] == 0
    assert TermReminder.objects.filter(term=terms["a"]).count() == 1
    keys = list(reminder_notices(terms["a"]).values_list("recipient__username", "dedupe_key"))
    assert len(keys) == len(set(keys)) == 3  # secretary, unit staff, provincial staff
    assert len([m for m in mail.outbox if "甲厅第一党支部" in m.subject]) == 3


def test_urgent_stage_reaches_provincial_staff(terms, personas):
    sweep_on(date(2027, 5, 30))
    users = set(reminder_notices(terms["a"]).values_list("recipient__username", flat=True))
    assert users == {"secretary", "unit_staff", "provincial"}


def test_catch_up_after_missed_days_sends_latest_stage_only(terms):
    sweep_on(date(2026, 12, 20))  # nothing due yet
    # The job was down from T-6m until after T-3m: the next run sends the second reminder.
    sweep_on(date(2027, 4, 5))
    stages = list(TermReminder.objects.filter(term=terms["a"]).values_list("stage", flat=True))
    assert stages == [Stage.SECOND]
    # Later daily runs inside the same stage do nothing more.
    sweep_on(date(2027, 4, 6))
    assert TermReminder.objects.filter(term=terms["a"]).count() == 1


def test_one_missed_day_is_caught_up_next_day(terms):
    sweep_on(date(2026, 12, 29))
    # 2026-12-30 (T-6m) was skipped; the next day still sends the first reminder.
    sweep_on(date(2026, 12, 31))
    reminder = TermReminder.objects.get(term=terms["a"])
    assert (reminder.stage, reminder.due_on) == (Stage.FIRST, date(2026, 12, 30))


def test_supervision_notice_carries_rectification_deadline(terms):
    sweep_on(date(2027, 7, 30))
    reminder = TermReminder.objects.get(term=terms["a"])
    assert reminder.stage == Stage.SUPERVISION
    assert reminder.deadline == date(2027, 7, 30) + timedelta(days=30)


def test_completed_renewal_stops_the_ladder(terms):
    Renewal.objects.create(term=terms["a"], status=Renewal.Status.COMPLETED)
    sweep_on(date(2027, 8, 30))
    assert not TermReminder.objects.filter(term=terms["a"]).exists()
    assert TermReminder.objects.filter(term=terms["c"]).exists()


def test_postponement_sends_postponement_expired_but_never_steps_back(terms, personas):
    sweep_on(T)  # overdue
    Postponement.objects.create(
        term=terms["a"], until=date(2027, 12, 31), reason="x", status=Postponement.Status.APPROVED
    )
    sweep_on(date(2027, 7, 5))  # ladder says FIRST relative to the new deadline: lower rung, skipped
    assert list(TermReminder.objects.filter(term=terms["a"]).values_list("stage", flat=True)) == [
        Stage.OVERDUE
    ]
    sweep_on(date(2027, 12, 31))
    stages = set(TermReminder.objects.filter(term=terms["a"]).values_list("stage", flat=True))
    assert stages == {Stage.OVERDUE, Stage.POSTPONEMENT_EXPIRED}


def test_stale_sending_claim_is_taken_over_after_lease(terms):
    now = timezone.now()
    TermReminder.objects.create(
        term=terms["a"],
        stage=Stage.OVERDUE,
        due_on=T,
        status="sending",
        claimed_at=now - services.SENDING_LEASE - timedelta(minutes=1),
    )
    sweep_on(T)
    assert TermReminder.objects.get(term=terms["a"], stage=Stage.OVERDUE).status == "sent"


def test_recent_sending_claim_is_left_to_its_worker(terms):
    TermReminder.objects.create(
        term=terms["a"], stage=Stage.OVERDUE, due_on=T, status="sending", claimed_at=timezone.now()
    )
    services.renewal_sweep(today=T)
    assert TermReminder.objects.get(term=terms["a"], stage=Stage.OVERDUE).status == "sending"


def _province(tree, n):
    """n more branches with terms and secretaries under unit_a."""
    from tests.factories import make_org

    for i in range(n):
        branch = make_org(f"扩展第{i}党支部", "branch", tree["unit_a"])
        make_term(branch, date(2024, 6, 30) - timedelta(days=i * 20))
        grant(UserFactory(username=f"sec{i}"), Role.SECRETARY, branch)


@pytest.mark.parametrize("extra", [2, 12])
def test_sweep_query_count_does_not_grow_with_terms(tree, terms, personas, extra):
    _province(tree, extra)
    services.renewal_sweep(today=date(2027, 1, 5))  # first round out of the way
    TermReminder.objects.all().delete()
    Notification.objects.all().delete()
    # Policy, terms, stages sent, due rows (inserted claimed), claim of leftovers, then in one
    # transaction: reminders, recipients (roles, users), notices with their outbox rows (one
    # statement), "sent" -- plus savepoints; one more INSERT when some term reached the
    # supervision stage (its rectification items). Elsewhere than on PostgreSQL the notices and
    # emails take bulk_create and three more queries.
    with CaptureQueriesContext(connection) as ctx:
        result = services.renewal_sweep(today=date(2027, 1, 5))
    supervised = RectificationItem.objects.exists()
    assert len(ctx.captured_queries) == (14 if connection.vendor == "postgresql" else 17) + supervised
    assert result["reminders"] >= extra


def test_mail_server_down_keeps_notices_and_a_later_delivery_sends(terms, personas, monkeypatch):
    import smtplib

    from django.core.mail.backends.locmem import EmailBackend

    def broken_send(self, messages):
        raise smtplib.SMTPServerDisconnected("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", broken_send)
    result = sweep_on(date(2026, 12, 30))  # the sweep and the delivery both succeed
    assert result["reminders"] == 2
    assert TermReminder.objects.get(term=terms["a"]).status == "sent"
    # branch_a: secretary and unit staff; branch_c: its secretary (unit_b has no staff user).
    assert reminder_notices(terms["a"]).count() == 2
    pending = OutboxEmail.objects.filter(status="pending")
    assert pending.count() == 3 and {row.attempts for row in pending} == {1}
    assert "SMTPServerDisconnected" in pending.first().last_error
    monkeypatch.undo()
    failed_at = pending.first().claimed_at or pending.first().next_attempt_at - timedelta(minutes=2)
    assert outbox_deliver(now=failed_at + timedelta(seconds=30))["claimed"] == 0  # backing off
    later = failed_at + timedelta(hours=1)
    assert outbox_deliver(now=later)["sent"] == 3
    assert len(mail.outbox) == 3
    assert outbox_deliver(now=later + timedelta(hours=1))["claimed"] == 0


def test_sweep_writes_its_rows_from_plain_values(terms, personas):
    """No model instance per reminder, notice, email, rectification item or branch: the rows
    go to the database as plain values (issue #17: 50,000 terms)."""
    from django.db.models.signals import post_init

    from branches.models import Organization

    if connection.vendor != "postgresql":
        pytest.skip("elsewhere the due reminders take bulk_create")
    built = []

    def count(sender, **kwargs):
        built.append(sender.__name__)

    post_init.connect(count)
    try:
        result = services.renewal_sweep(today=date(2027, 7, 30))  # supervision for a and c
    finally:
        post_init.disconnect(count)
    assert result["reminders"] == 2
    for model in (TermReminder, Notification, OutboxEmail, RectificationItem, Organization):
        assert model.__name__ not in built
    assert RectificationItem.objects.filter(deadline=date(2027, 8, 29)).count() == 2
    assert OutboxEmail.objects.filter(notification__isnull=False).count() == Notification.objects.count() > 0
