"""Mail in batches (issue #17): notices and their emails are written by a fixed number of
queries, an email stores no text of its own (it is rendered from its notice when sent), and a
delivery batch costs a fixed number of queries, one mail connection and one rendering of the
templates per shape, whatever its size."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone, translation

from branches.models import User
from notifications import email as notice_email
from notifications.email import render_email
from notifications.models import Notification, OutboxEmail
from notifications.services import Notice, notify_many, outbox_deliver

pytestmark = pytest.mark.django_db


def users(n, prefix="batch"):
    return User.objects.bulk_create(
        [
            User(username=f"{prefix}{i}", display_name=f"收件人{i}", email=f"{prefix}{i}@example.org")
            for i in range(n)
        ]
    )


def decision(recipients, branch, key):
    return Notice(
        recipients=recipients,
        kind="postponement_decision",
        params={"branch": branch.name, "kind": "postpone", "status": "approved", "note": "第一行\n<第二行>"},
        link="/renewals/",
        organization=branch,
        dedupe_key=key,
        ack_for={recipients[0].pk},
    )


def test_email_stores_no_text_and_is_sent_exactly_as_the_template_renders_it(tree):
    recipients = users(3)
    assert notify_many([decision(recipients, tree["branch_a"], "d1")]) == 3
    rows = list(OutboxEmail.objects.select_related("notification").order_by("pk"))
    assert [(row.body_text, row.body_html) for row in rows] == [("", "")] * 3
    assert {row.notification.dedupe_key for row in rows} == {"d1"}
    assert rows[0].subject == "甲厅第一党支部延期换届申请已批准"
    assert outbox_deliver()["sent"] == 3
    sent = {message.to[0]: message for message in mail.outbox}
    for user in recipients:
        notice = Notification.objects.get(recipient=user)
        with translation.override("zh-hans"):
            subject, text, html = render_email(
                template="notice",
                context={
                    "user": user,
                    "title": notice.title,
                    "body": notice.body,
                    "link": notice.link,
                    "requires_ack": notice.requires_ack,
                },
            )
        message = sent[user.email]
        assert (message.subject, message.body, message.alternatives[0][0]) == (subject, text, html)
    assert "请登录平台在通知中心点击“确认收到”" in sent[recipients[0].email].body  # ack_for
    assert "确认收到" not in sent[recipients[1].email].body


def test_rows_written_before_keep_their_stored_text(personas):
    OutboxEmail.objects.create(
        recipient=personas["secretary"],
        to="secretary@example.org",
        dedupe_key="old",
        subject="旧邮件",
        body_text="正文",
        body_html="<p>正文</p>",
    )
    assert outbox_deliver()["sent"] == 1
    message = mail.outbox[0]
    assert (message.subject, message.body, message.alternatives[0][0]) == ("旧邮件", "正文", "<p>正文</p>")


def test_notices_and_emails_cost_the_same_queries_for_3_or_2001_recipients(tree):
    """bulk_create in batches of 2000 took one more INSERT per table past 2000 rows."""
    if connection.vendor != "postgresql":
        pytest.skip("one statement on PostgreSQL; elsewhere bulk_create batches by parameter count")
    counts = []
    for n, prefix in ((3, "few"), (2001, "many")):
        recipients = users(n, prefix)
        with CaptureQueriesContext(connection) as ctx:
            created = notify_many([decision(recipients, tree["branch_a"], f"k-{prefix}")])
        assert created == n == OutboxEmail.objects.filter(dedupe_key=f"k-{prefix}").count()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    # Sent again: nothing new, not even an email.
    assert notify_many([decision(recipients, tree["branch_a"], "k-many")]) == 0
    assert OutboxEmail.objects.count() == 2004


class CountingBackend(EmailBackend):
    """The in-memory backend with SMTP's connection handling: ``send_messages`` opens a
    connection unless one is open, and closes what it opened."""

    opened = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_open = False

    def open(self):
        if self.is_open:
            return False
        type(self).opened += 1
        self.is_open = True
        return True

    def close(self):
        self.is_open = False

    def send_messages(self, messages):
        created = self.open()
        try:
            return super().send_messages(messages)
        finally:
            if created:
                self.close()


def deliver_counting(monkeypatch):
    """Deliver the due mail; (result, queries, mail connections, template renderings)."""
    renders = []
    original = notice_email.render_to_string
    monkeypatch.setattr(
        notice_email, "render_to_string", lambda *a, **k: renders.append(a[0]) or original(*a, **k)
    )
    CountingBackend.opened = 0
    with (
        override_settings(EMAIL_BACKEND="tests.notifications.test_outbox_batches.CountingBackend"),
        CaptureQueriesContext(connection) as ctx,
    ):
        result = outbox_deliver()
    monkeypatch.undo()
    return result, len(ctx.captured_queries), CountingBackend.opened, len(renders)


@pytest.mark.parametrize("size", [3, 15])
def test_a_batch_costs_fixed_queries_one_connection_one_rendering(tree, monkeypatch, size):
    notify_many([decision(users(size), tree["branch_a"], "d")])
    result, queries, connections, renders = deliver_counting(monkeypatch)
    assert result == {"claimed": size, "sent": size, "failed": 0}
    # Due ids, claim, the claimed rows with notices and recipients, "sent".
    assert queries == 4
    assert connections == 1
    # Two shapes (the first recipient acknowledges): subject, text and HTML once for each.
    assert renders == 6
    assert len(mail.outbox) == size


@pytest.mark.parametrize("size", [3, 15])
def test_mail_server_down_costs_fixed_queries_per_batch(tree, monkeypatch, size):
    notify_many([decision(users(size), tree["branch_a"], "d")])

    def down(self, messages):
        raise smtplib.SMTPServerDisconnected("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    with CaptureQueriesContext(connection) as ctx:
        result = outbox_deliver()
    monkeypatch.undo()
    assert result == {"claimed": size, "sent": 0, "failed": size}
    # Due ids, claim, the claimed rows, one UPDATE for the failed ones (same attempt and
    # error); with nothing sent the "sent" UPDATE is not run.
    assert len(ctx.captured_queries) == 4
    rows = OutboxEmail.objects.all()
    assert {(r.status, r.attempts, r.claim) for r in rows} == {("pending", 1, None)}
    assert {r.last_error for r in rows} == {"SMTPServerDisconnected: mail server down"}
    assert all(r.next_attempt_at > timezone.now() for r in rows)


def test_the_delivery_task_sends_batch_after_batch_until_none_is_full(tree, monkeypatch):
    """One batch per beat would need 160 minutes for a sweep's 32,000 emails."""
    from datetime import timedelta

    from notifications import services
    from notifications.services import outbox_drain
    from notifications.tasks import deliver_outbox

    monkeypatch.setattr(services, "BATCH", 2)
    notify_many([decision(users(5), tree["branch_a"], "d")])
    assert outbox_drain(budget=timedelta(0)) == {"claimed": 2, "sent": 2, "failed": 0}  # out of time
    assert deliver_outbox() == {"claimed": 3, "sent": 3, "failed": 0}  # a full batch, then one of 1
    assert OutboxEmail.objects.filter(status="sent").count() == 5 == len(mail.outbox)
