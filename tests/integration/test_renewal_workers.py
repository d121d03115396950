"""Two real Celery workers on Redis race over the same due terms: each (term, stage) is
sent once, with one notification and one email per recipient (the outbox deliverers race too)."""

import time
from collections import Counter
from datetime import timedelta

import pytest
from celery import group
from django.core import mail
from django.utils import timezone

from branches.models import Term, TermReminder
from branches.renewals.tasks import renewal_sweep
from notifications.models import Notification, OutboxEmail
from notifications.tasks import deliver_outbox
from tests.conftest import real_celery_workers
from tests.factories import Role, UserFactory, grant, make_org

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
BRANCHES = 30


@pytest.fixture
def two_workers():
    with real_celery_workers("racer1", "racer2", concurrency=3) as app:
        yield app


@pytest.fixture
def due_terms(tree, personas):
    terms = []
    for i in range(BRANCHES):
        branch = make_org(f"竞争测试第{i}党支部", "branch", tree["unit_a"])
        grant(UserFactory(username=f"race{i}"), Role.SECRETARY, branch)
        # Expiring in 20 days: the urgent stage today (no frozen clock, which would also
        # freeze the workers' own timers and hang their shutdown).
        ends_on = timezone.localdate() + timedelta(days=20)
        terms.append(
            Term.objects.create(branch=branch, elected_on=Term.compute_ends_on(ends_on, -3), ends_on=ends_on)
        )
    return terms


def test_two_workers_racing_send_each_term_stage_once(two_workers, due_terms):
    mail.outbox.clear()
    # Urgent stage: secretary, unit staff and provincial staff are recipients.
    results = group(renewal_sweep.s() for _ in range(8)).apply_async().get(timeout=90)
    # Eight sweeps ran; together they sent every due reminder exactly once.
    assert len(results) == 8
    assert sum(r["reminders"] for r in results) == BRANCHES
    rows = TermReminder.objects.filter(term__in=due_terms)
    assert rows.count() == BRANCHES
    assert set(rows.values_list("stage", "status")) == {("urgent", "sent")}
    keys = Counter(
        Notification.objects.filter(kind="term_reminder").values_list("recipient_id", "dedupe_key")
    )
    assert len(keys) == BRANCHES * 3 and set(keys.values()) == {1}
    # The outbox: the deliveries enqueued on commit race with eight more on both workers.
    group(deliver_outbox.s() for _ in range(8)).apply_async().get(timeout=90)
    deadline = time.monotonic() + 30
    while OutboxEmail.objects.exclude(status="sent").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert OutboxEmail.objects.filter(status="sent").count() == BRANCHES * 3
    per_subject_and_recipient = Counter((m.subject, tuple(m.to)) for m in mail.outbox)
    assert len(mail.outbox) == BRANCHES * 3
    assert set(per_subject_and_recipient.values()) == {1}
