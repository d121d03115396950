"""The one way to send notices: ``notify`` (in-app notice + outbox email in one transaction).

Services call ``notify`` after their own checks; it does not check access (see the README's
"services and access" convention). Text is rendered from the registered notice type at display
time; the Chinese rendering is also stored as the fallback.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .email import NoticeMailRenderer
from .models import Notification, OutboxEmail
from .registry import notice_type, render

STORED_LANGUAGE = "zh-hans"


@dataclass
class Notice:
    """One notice for several recipients (``notify_many`` takes a list of these)."""

    recipients: list
    kind: str
    params: dict
    dedupe_key: str
    link: str = ""
    organization: object = None
    requires_ack: bool = False
    email: bool = True
    ack_for: set = field(default_factory=set)  # user ids who must acknowledge (overrides requires_ack)


def notify(
    *,
    recipients,
    kind,
    params,
    dedupe_key,
    link="",
    organization=None,
    requires_ack=False,
    email=True,
):
    """Notify each recipient once per ``dedupe_key``; queue one email each if ``email``.

    Returns the number of notice rows created (reruns with the same key create none).
    """
    return notify_many(
        [
            Notice(
                recipients=list(recipients),
                kind=kind,
                params=params,
                dedupe_key=dedupe_key,
                link=link,
                organization=organization,
                requires_ack=requires_ack,
                email=email,
            )
        ]
    )


@transaction.atomic
def notify_many(notices, *, now=None):
    """Bulk form of ``notify`` for sweeps: a fixed number of queries for any number of notices."""
    if not notices:
        return 0
    now = now or timezone.now()
    rows, mails = [], []
    mail = NoticeMailRenderer()  # the email templates are rendered once per shape, not per mail
    rendered = {}  # (kind, params) -> (title, body): identical notices are rendered once
    for notice in notices:
        if notice_type(notice.kind) is None:
            raise ValueError(f"unregistered notice kind {notice.kind!r}")
        key = (notice.kind, repr(sorted(notice.params.items())))
        if key not in rendered:
            with translation.override(STORED_LANGUAGE):
                rendered[key] = render(notice.kind, notice.params)
        title, body = rendered[key]
        seen = set()
        for user in notice.recipients:
            if user is None or user.pk in seen:
                continue
            seen.add(user.pk)
            ack = notice.requires_ack or user.pk in notice.ack_for
            rows.append(
                Notification(
                    recipient=user,
                    kind=notice.kind,
                    params=notice.params,
                    title=title[:200],
                    body=body,
                    link=notice.link,
                    organization=notice.organization,
                    dedupe_key=notice.dedupe_key,
                    requires_ack=ack,
                    created_at=now,
                )
            )
            if notice.email and user.email:
                with translation.override(STORED_LANGUAGE):
                    subject, text, html = mail.render(
                        user=user, title=title, body=body, link=notice.link, requires_ack=ack
                    )
                mails.append(
                    OutboxEmail(
                        recipient=user,
                        to=user.email,
                        dedupe_key=notice.dedupe_key,
                        subject=subject[:250],
                        body_text=text,
                        body_html=html,
                        created_at=now,
                        next_attempt_at=now,
                    )
                )
    before = Notification.objects.filter(
        dedupe_key__in={r.dedupe_key for r in rows}, recipient__in={r.recipient_id for r in rows}
    ).values_list("recipient_id", "dedupe_key")
    existing = set(before)
    created = [r for r in rows if (r.recipient_id, r.dedupe_key) not in existing]
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    # Mail only for notices that are new: a rerun of a sweep does not mail twice.
    fresh = {(r.recipient_id, r.dedupe_key) for r in created}
    mails = [m for m in mails if (m.recipient_id, m.dedupe_key) in fresh]
    if mails:
        OutboxEmail.objects.bulk_create(mails, ignore_conflicts=True, batch_size=2000)
        from .tasks import deliver_outbox

        transaction.on_commit(deliver_outbox.delay)
    return len(created)


def notifications_mark_read(*, user, ids=None):
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def notification_acknowledge(*, notification, user):
    if notification.recipient_id != user.pk:
        raise ValidationError(_("只能确认发给自己的通知。"))
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, read_at=now
    )
    notification.refresh_from_db()
    return notification


# --- outbox delivery -----------------------------------------------------------------------

CLAIM_LEASE = timedelta(minutes=10)  # a "sending" row older than this is re-claimable
MAX_ATTEMPTS = 8
BATCH = 200


def _backoff(attempts):
    return timedelta(minutes=min(2**attempts, 240))


def outbox_deliver(*, now=None, connection=None):
    """Send due outbox emails; each row is claimed by one conditional UPDATE, so two
    deliverers never send the same row. SMTP failures are recorded, never raised.

    The batch's sent messages are marked sent with one UPDATE (a fixed number of queries per
    batch, not per message). A crash before that UPDATE leaves them "sending"; after
    ``CLAIM_LEASE`` they are re-claimed and may be sent again (at most one batch).
    """
    import uuid

    from django.core.mail import get_connection

    from .email import build_message

    now = now or timezone.now()
    token = uuid.uuid4()
    due = OutboxEmail.objects.filter(
        status=OutboxEmail.Status.PENDING, next_attempt_at__lte=now
    ) | OutboxEmail.objects.filter(status=OutboxEmail.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:BATCH])
    # Conditional UPDATE: PostgreSQL re-checks the WHERE after waiting on a row lock, so a row
    # another deliverer claimed first is skipped here.
    from django.db.models import Q

    OutboxEmail.objects.filter(pk__in=ids).filter(
        Q(status=OutboxEmail.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=OutboxEmail.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
    ).update(status=OutboxEmail.Status.SENDING, claim=token, claimed_at=now)
    claimed = list(OutboxEmail.objects.filter(claim=token, status=OutboxEmail.Status.SENDING))
    result = {"claimed": len(claimed), "sent": 0, "failed": 0}
    if not claimed:
        return result
    connection = connection or get_connection(fail_silently=False)
    sent = []
    for row in claimed:
        try:
            message = build_message(to=row.to, subject=row.subject, text=row.body_text, html=row.body_html)
            message.connection = connection
            message.send()
        except Exception as exc:  # noqa: BLE001 - any mail failure is recorded and retried
            attempts = row.attempts + 1
            OutboxEmail.objects.filter(pk=row.pk, claim=token).update(
                status=OutboxEmail.Status.FAILED if attempts >= MAX_ATTEMPTS else OutboxEmail.Status.PENDING,
                attempts=attempts,
                last_error=f"{type(exc).__name__}: {exc}"[:300],
                next_attempt_at=now + _backoff(attempts),
                claim=None,
                claimed_at=None,
            )
            result["failed"] += 1
            continue
        sent.append(row.pk)
    # One UPDATE for the batch's sent mail (failures, rare, are recorded one by one above).
    OutboxEmail.objects.filter(pk__in=sent, claim=token).update(
        status=OutboxEmail.Status.SENT, sent_at=now, attempts=F("attempts") + 1, claim=None
    )
    result["sent"] = len(sent)
    return result
