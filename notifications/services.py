"""The one way to send notices: ``notify`` (in-app notice + outbox email in one transaction).

Services call ``notify`` after their own checks; it does not check access (see the README's
"services and access" convention). Text is rendered from the registered notice type at display
time; the Chinese rendering is also stored as the fallback.
"""

import json
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
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
    """Bulk form of ``notify`` for sweeps: a fixed number of queries for any number of notices.

    Each distinct notice is rendered once; its recipients are rows of plain values (no model
    instance per notice or email). The emails store no text: they point at their notice and
    are rendered when the outbox sends them (``outbox_deliver``), a batch at a time.
    """
    if not notices:
        return 0
    now = now or timezone.now()
    # One row per notice: kind, params, title, body, link, organization id, key, subject.
    messages: list[tuple] = []
    # One row per recipient: index into messages, recipient id, requires_ack, address or "".
    recipients: list[tuple] = []
    mail = NoticeMailRenderer()
    # (kind, params) -> (title, body, subject): identical notices are rendered once.
    rendered: dict[tuple, tuple] = {}
    seen: set[tuple] = set()
    with translation.override(STORED_LANGUAGE):
        for notice in notices:
            _collect(notice, rendered, mail, messages, recipients, seen)
    if not recipients:
        return 0
    store = _store_pg if connection.vendor == "postgresql" else _store_portable
    created, mailed = store(messages, recipients, now)
    if mailed:
        from .tasks import deliver_outbox

        transaction.on_commit(deliver_outbox.delay)
    return created


def _collect(notice, rendered, mail, messages, recipients, seen):
    """Render ``notice`` (once per distinct kind and params) into ``messages`` and its
    recipients into ``recipients`` (one row per recipient and dedupe key; the first wins)."""
    if notice_type(notice.kind) is None:
        raise ValueError(f"unregistered notice kind {notice.kind!r}")
    key = (notice.kind, repr(sorted(notice.params.items())))
    if key not in rendered:
        title, body = render(notice.kind, notice.params)
        rendered[key] = (title, body, mail.subject(title)[:250])
    title, body, subject = rendered[key]
    index = len(messages)
    messages.append(
        (
            notice.kind,
            notice.params,
            title[:200],
            body,
            notice.link,
            getattr(notice.organization, "pk", None),
            notice.dedupe_key,
            subject,
        )
    )
    for user in notice.recipients:
        if user is None or (user.pk, notice.dedupe_key) in seen:
            continue
        seen.add((user.pk, notice.dedupe_key))
        ack = notice.requires_ack or user.pk in notice.ack_for
        recipients.append((index, user.pk, ack, user.email if notice.email and user.email else ""))


_MESSAGE_COLUMNS = ("kind", "params", "title", "body", "link", "organization_id", "dedupe_key", "subject")


def _store_pg(messages, recipients, now):
    """PostgreSQL: the notices and their outbox rows in ONE statement, whatever their number.

    The values travel as one JSON document (each notice with its recipients), a single
    parameter the server parses in one go (a list per column would reach the planner as one
    constant per value); the notices are inserted with ON CONFLICT DO NOTHING and RETURNING
    gives exactly the new ones, from which the outbox rows are inserted (INSERT … SELECT),
    so a rerun neither notifies nor mails twice. Returns (notices created, emails queued).
    """
    qn = connection.ops.quote_name

    def col(model, name):
        return qn(model._meta.get_field(name).column)

    to: dict[int, list] = {}
    for index, user_id, ack, address in recipients:
        to.setdefault(index, []).append({"u": user_id, "a": ack, "e": address})
    document = json.dumps(
        [
            {**dict(zip(_MESSAGE_COLUMNS, message, strict=True)), "to": to[index]}
            for index, message in enumerate(messages)
            if index in to
        ],
        cls=Notification._meta.get_field("params").encoder,
        ensure_ascii=False,
    )
    sql = f"""
        WITH wanted AS (
            SELECT m.kind, m.params, m.title, m.body, m.link, m.organization_id, m.dedupe_key, m.subject,
                r.u AS recipient_id, r.a AS requires_ack, r.e AS address
            FROM json_to_recordset(%s::json) AS m(
                kind text, params jsonb, title text, body text, link text, organization_id bigint,
                dedupe_key text, subject text, "to" json
            )
            CROSS JOIN LATERAL json_to_recordset(m."to") AS r(u bigint, a boolean, e text)
        ),
        notice AS (
            INSERT INTO {qn(Notification._meta.db_table)} (
                {col(Notification, "recipient")}, {col(Notification, "kind")}, {col(Notification, "params")},
                {col(Notification, "title")}, {col(Notification, "body")}, {col(Notification, "link")},
                {col(Notification, "organization")}, {col(Notification, "dedupe_key")},
                {col(Notification, "requires_ack")}, {col(Notification, "created_at")}
            )
            SELECT recipient_id, kind, params, title, body, link, organization_id, dedupe_key, requires_ack, %s
            FROM wanted
            ON CONFLICT DO NOTHING
            RETURNING {col(Notification, "id")} AS id, {col(Notification, "recipient")} AS recipient_id,
                {col(Notification, "dedupe_key")} AS dedupe_key
        ),
        mail AS (
            INSERT INTO {qn(OutboxEmail._meta.db_table)} (
                {col(OutboxEmail, "recipient")}, {col(OutboxEmail, "to")}, {col(OutboxEmail, "dedupe_key")},
                {col(OutboxEmail, "notification")}, {col(OutboxEmail, "subject")},
                {col(OutboxEmail, "body_text")}, {col(OutboxEmail, "body_html")},
                {col(OutboxEmail, "status")}, {col(OutboxEmail, "attempts")},
                {col(OutboxEmail, "last_error")}, {col(OutboxEmail, "next_attempt_at")},
                {col(OutboxEmail, "created_at")}
            )
            SELECT n.recipient_id, w.address, n.dedupe_key, n.id, w.subject, '', '', %s, 0, '', %s, %s
            FROM notice n
            JOIN wanted w ON w.recipient_id = n.recipient_id AND w.dedupe_key = n.dedupe_key
            WHERE w.address <> ''
            ON CONFLICT DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM notice), (SELECT count(*) FROM mail)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [document, now, OutboxEmail.Status.PENDING, now, now])
        created, mailed = cursor.fetchone()
    return created, mailed


def _store_portable(messages, recipients, now):
    """Other databases (SQLite in development): the same rows with bulk_create."""
    keys = {(user_id, messages[i][6]) for i, user_id, _ack, _to in recipients}
    existing = set(
        Notification.objects.filter(
            dedupe_key__in={key for _user, key in keys}, recipient__in={user for user, _key in keys}
        ).values_list("recipient_id", "dedupe_key")
    )
    fresh = [row for row in recipients if (row[1], messages[row[0]][6]) not in existing]
    fields = _MESSAGE_COLUMNS[:-1]
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user_id,
                requires_ack=ack,
                created_at=now,
                **dict(zip(fields, messages[i][:-1], strict=True)),
            )
            for i, user_id, ack, _to in fresh
        ],
        ignore_conflicts=True,
    )
    mailed = [row for row in fresh if row[3]]
    if not mailed:
        return len(fresh), 0
    ids = dict(
        (
            ((user, key), pk)
            for pk, user, key in Notification.objects.filter(
                dedupe_key__in={messages[i][6] for i, *_rest in mailed},
                recipient__in={user_id for _i, user_id, *_rest in mailed},
            ).values_list("pk", "recipient_id", "dedupe_key")
        )
    )
    OutboxEmail.objects.bulk_create(
        [
            OutboxEmail(
                recipient_id=user_id,
                to=to,
                dedupe_key=messages[i][6],
                notification_id=ids[(user_id, messages[i][6])],
                subject=messages[i][7],
                created_at=now,
                next_attempt_at=now,
            )
            for i, user_id, _ack, to in mailed
        ],
        ignore_conflicts=True,
    )
    return len(fresh), len(mailed)


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
DRAIN_BUDGET = timedelta(seconds=50)  # under the minute between two beats of deliver-outbox


def _backoff(attempts):
    return timedelta(minutes=min(2**attempts, 240))


def outbox_deliver(*, now=None, connection=None):
    """Send due outbox emails; each row is claimed by one conditional UPDATE, so two
    deliverers never send the same row. SMTP failures are recorded, never raised.

    A fixed number of queries per batch, not per message: select the due ids, claim them,
    load the claimed rows with their notices and recipients, one UPDATE for the sent ones and
    one per (attempt count, error) among the failed ones (one when the mail server is down).
    A notice's email is rendered here from its notice, the templates once per batch and shape
    (``NoticeMailRenderer``), and the batch goes through one open mail connection. A crash
    before the final UPDATE leaves the batch "sending"; after ``CLAIM_LEASE`` it is re-claimed
    and may be sent again (at most one batch).
    """
    import uuid

    from django.core.mail import get_connection
    from django.db.models import Q

    from .email import build_message

    now = now or timezone.now()
    token = uuid.uuid4()
    due = OutboxEmail.objects.filter(
        status=OutboxEmail.Status.PENDING, next_attempt_at__lte=now
    ) | OutboxEmail.objects.filter(status=OutboxEmail.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:BATCH])
    # Conditional UPDATE: PostgreSQL re-checks the WHERE after waiting on a row lock, so a row
    # another deliverer claimed first is skipped here.
    OutboxEmail.objects.filter(pk__in=ids).filter(
        Q(status=OutboxEmail.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=OutboxEmail.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
    ).update(status=OutboxEmail.Status.SENDING, claim=token, claimed_at=now)
    claimed = list(
        OutboxEmail.objects.filter(claim=token, status=OutboxEmail.Status.SENDING)
        .select_related("notification", "recipient")
        .order_by("pk")
    )
    result = {"claimed": len(claimed), "sent": 0, "failed": 0}
    if not claimed:
        return result
    connection = connection or get_connection(fail_silently=False)
    renderer = NoticeMailRenderer()
    sent: list[int] = []
    failed: dict[tuple[int, str], list[int]] = {}  # (attempts, error) -> [pk]
    try:
        opened_error = _open(connection)
        for row in claimed:
            try:
                if opened_error is not None:
                    raise opened_error
                connection.send_messages([build_message(to=row.to, **_mail_text(row, renderer))])
            except Exception as exc:  # noqa: BLE001 - any mail failure is recorded and retried
                error = f"{type(exc).__name__}: {exc}"[:300]
                failed.setdefault((row.attempts + 1, error), []).append(row.pk)
                if opened_error is None:  # the server may have dropped us: reconnect once
                    _close(connection)
                    opened_error = _open(connection)
                continue
            sent.append(row.pk)
    finally:
        _close(connection)
    for (attempts, error), pks in failed.items():
        OutboxEmail.objects.filter(pk__in=pks, claim=token).update(
            status=OutboxEmail.Status.FAILED if attempts >= MAX_ATTEMPTS else OutboxEmail.Status.PENDING,
            attempts=attempts,
            last_error=error,
            next_attempt_at=now + _backoff(attempts),
            claim=None,
            claimed_at=None,
        )
    # One UPDATE for the batch's sent mail.
    OutboxEmail.objects.filter(pk__in=sent, claim=token).update(
        status=OutboxEmail.Status.SENT, sent_at=now, attempts=F("attempts") + 1, claim=None
    )
    result["sent"] = len(sent)
    result["failed"] = sum(len(pks) for pks in failed.values())
    return result


def outbox_drain(*, budget=DRAIN_BUDGET):
    """Deliver batch after batch while batches come back full, for at most ``budget``: a
    sweep's thousands of emails leave within the run instead of one batch per beat (the
    beat comes every minute). Deliverers running side by side share the work through the
    claims. Returns the summed counts."""
    import time

    total = {"claimed": 0, "sent": 0, "failed": 0}
    stop = time.monotonic() + budget.total_seconds()
    while True:
        result = outbox_deliver()
        for key in total:
            total[key] += result[key]
        if result["claimed"] < BATCH or time.monotonic() >= stop:
            return total


def _mail_text(row, renderer):
    """Subject, text and HTML of an outbox row: rendered from its notice, or as stored."""
    notice = row.notification
    if notice is None:
        return {"subject": row.subject, "text": row.body_text, "html": row.body_html}
    with translation.override(STORED_LANGUAGE):
        subject, text, html = renderer.render(
            user=row.recipient,
            title=notice.title,
            body=notice.body,
            link=notice.link,
            requires_ack=notice.requires_ack,
        )
    return {"subject": row.subject or subject[:250], "text": text, "html": html}


def _open(connection):
    """Open the mail connection once for the batch; the error if the server cannot be reached
    (every message of the batch then fails with it and is retried later)."""
    try:
        connection.open()
    except Exception as exc:  # noqa: BLE001 - recorded on each row of the batch
        return exc
    return None


def _close(connection):
    try:
        connection.close()
    except Exception:  # noqa: BLE001, S110 - closing a broken connection changes nothing sent
        pass
