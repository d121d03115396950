"""notify(): one notice per (recipient, dedupe key), display-time language, the email outbox."""

import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import Notification, OutboxEmail
from notifications.services import notify, outbox_deliver

pytestmark = pytest.mark.django_db


def send_postponement_decision(user, branch, key="k1"):
    return notify(
        recipients=[user],
        kind="postponement_decision",
        params={"branch": branch.name, "kind": "postpone", "status": "approved", "note": ""},
        link="/renewals/",
        organization=branch,
        dedupe_key=key,
    )


def test_notice_is_stored_once_and_queued_for_mail_once(personas, tree):
    assert send_postponement_decision(personas["secretary"], tree["branch_a"]) == 1
    assert send_postponement_decision(personas["secretary"], tree["branch_a"]) == 0
    notice = Notification.objects.get()
    assert notice.title == "甲厅第一党支部延期换届申请已批准"  # Chinese fallback stored
    assert OutboxEmail.objects.get().subject == "甲厅第一党支部延期换届申请已批准"
    assert outbox_deliver()["sent"] == 1 and len(mail.outbox) == 1
    assert outbox_deliver()["claimed"] == 0


def test_notice_renders_in_the_viewers_language(personas, tree, client_for):
    send_postponement_decision(personas["secretary"], tree["branch_a"])
    notice = Notification.objects.get()
    with translation.override("en"):
        assert notice.display_title == "甲厅第一党支部: Renewal postponement request Approved"
    client = client_for(personas["secretary"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Renewal postponement request Approved" in page and "延期换届申请已批准" not in page


def test_unknown_kind_is_refused_and_old_rows_show_their_stored_text(personas):
    with pytest.raises(ValueError):
        notify(recipients=[personas["secretary"]], kind="nope", params={}, dedupe_key="x")
    old = Notification.objects.create(
        recipient=personas["secretary"], kind="legacy", title="旧通知", dedupe_key="o"
    )
    assert (old.display_title, old.display_body) == ("旧通知", "")


def test_no_email_address_no_outbox_row(personas, tree):
    user = personas["secretary"]
    user.email = ""
    user.save()
    send_postponement_decision(user, tree["branch_a"])
    assert Notification.objects.count() == 1 and not OutboxEmail.objects.exists()


def test_smtp_error_is_recorded_and_retried_later(personas, tree, monkeypatch):
    send_postponement_decision(personas["secretary"], tree["branch_a"])

    def down(self, messages):
        raise smtplib.SMTPConnectError(421, "down")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    now = timezone.now()
    assert outbox_deliver(now=now) == {"claimed": 1, "sent": 0, "failed": 1}
    row = OutboxEmail.objects.get()
    assert (row.status, row.attempts, row.claim) == ("pending", 1, None) and row.next_attempt_at > now
    monkeypatch.undo()
    assert outbox_deliver(now=now)["claimed"] == 0
    assert outbox_deliver(now=row.next_attempt_at)["sent"] == 1
    assert OutboxEmail.objects.get().status == "sent" and len(mail.outbox) == 1


def test_stale_sending_claim_is_reclaimed(personas, tree):
    send_postponement_decision(personas["secretary"], tree["branch_a"])
    now = timezone.now()
    OutboxEmail.objects.update(status="sending", claimed_at=now - timedelta(minutes=1))
    assert outbox_deliver(now=now)["claimed"] == 0  # another deliverer is still on it
    assert outbox_deliver(now=now + timedelta(minutes=11))["sent"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliverers_send_each_email_once(tree, personas, monkeypatch):
    from notifications import tasks

    monkeypatch.setattr(tasks.deliver_outbox, "delay", lambda: None)  # no delivery on commit
    for i in range(40):
        send_postponement_decision(personas["secretary"], tree["branch_a"], key=f"k{i}")
    barrier = threading.Barrier(2)
    results = []

    def deliver():
        try:
            barrier.wait()
            results.append(outbox_deliver())
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["sent"] for r in results) == 40 and all(r["failed"] == 0 for r in results)
    assert len(mail.outbox) == 40
    assert OutboxEmail.objects.filter(status="sent").count() == 40


def test_batched_notice_mail_is_exactly_the_template_rendering():
    """notify_many renders the notice templates once per shape and fills in each recipient;
    the result must equal rendering the templates for that recipient (escaping included)."""
    from django.utils import translation

    from notifications.email import NoticeMailRenderer, render_email

    renderer = NoticeMailRenderer()
    cases = [
        ("张三", "标题 <b>&", "第一行\n第二行 <script>x</script>", "/x/?a=1&b=2", True),
        ("李四 & <王>", "只有标题", "", "", False),
        ("\ue000name\ue001", "\ue000body\ue001", "正文 \ue000title\ue001", "/y/", False),
    ]
    with translation.override("zh-hans"):
        for name, title, body, link, ack in cases:
            expected = render_email(
                template="notice",
                context={"user": name, "title": title, "body": body, "link": link, "requires_ack": ack},
            )
            assert renderer.render(user=name, title=title, body=body, link=link, requires_ack=ack) == expected
