from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.models import MonthlyReport, ReportReminder
from branches.reports import services, tasks
from notifications.models import Notification, OutboxEmail
from tests.factories import Kind, Role, UserFactory, grant, make_org

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def sweep(today, capture):
    with capture(execute=True):
        return tasks.report_reminder_sweep(today=today)


def test_stage_is_due_soon_two_days_before_and_overdue_after_the_due_date():
    due = date(2026, 3, 5)
    assert services.reminder_stage(due_on=due, today=date(2026, 3, 2), days_before=2) is None
    assert services.reminder_stage(due_on=due, today=date(2026, 3, 3), days_before=2) == "due_soon"
    assert services.reminder_stage(due_on=due, today=date(2026, 3, 5), days_before=2) == "due_soon"
    assert services.reminder_stage(due_on=due, today=date(2026, 3, 6), days_before=2) == "overdue"


def test_secretaries_are_reminded_once_per_stage_even_when_the_task_runs_twice(
    personas, tree, django_capture_on_commit_callbacks
):
    first = sweep(date(2026, 3, 3), django_capture_on_commit_callbacks)
    assert len(first) == 2  # branch_a (secretary) and branch_c (outsider is its secretary)
    assert sweep(date(2026, 3, 3), django_capture_on_commit_callbacks) == []
    assert sweep(date(2026, 3, 4), django_capture_on_commit_callbacks) == []
    notices = Notification.objects.filter(recipient=personas["secretary"], kind="report_reminder")
    assert [n.title for n in notices] == ["甲厅第一党支部 2026年02月月度报告即将到期"]
    assert notices[0].link == f"/reports/branch/{tree['branch_a'].pk}/2026-2/"
    assert len([m for m in mail.outbox if m.to == [personas["secretary"].email]]) == 1
    assert mail.outbox[0].subject.endswith("月度报告即将到期")
    html = mail.outbox[0].alternatives[0][0]
    assert "/reports/branch/" in html
    assert "请于 2026-03-05 前报送月度报告。" in mail.outbox[0].body

    sweep(date(2026, 3, 6), django_capture_on_commit_callbacks)
    sweep(date(2026, 3, 7), django_capture_on_commit_callbacks)
    titles = list(
        Notification.objects.filter(recipient=personas["secretary"]).values_list("title", flat=True)
    )
    assert len(titles) == 2 and set(titles) == {
        "甲厅第一党支部 2026年02月月度报告已逾期",
        "甲厅第一党支部 2026年02月月度报告即将到期",
    }
    assert ReportReminder.objects.filter(sent_at__isnull=False).count() == 4


def test_a_send_task_run_twice_notifies_once(personas, tree, django_capture_on_commit_callbacks):
    claimed = sweep(date(2026, 3, 3), django_capture_on_commit_callbacks)
    assert services.report_reminder_send(reminder_id=claimed[0]) == 0
    assert Notification.objects.filter(kind="report_reminder").count() == 2


def test_branches_that_filed_are_not_reminded(personas, tree, django_capture_on_commit_callbacks):
    MonthlyReport.objects.create(
        branch=tree["branch_a"],
        month=date(2026, 2, 1),
        due_on=date(2026, 3, 5),
        status=MonthlyReport.Status.SUBMITTED,
        first_submitted_at=datetime(2026, 3, 1, tzinfo=TZ),
    )
    sweep(date(2026, 3, 6), django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(recipient=personas["secretary"]).exists()
    assert Notification.objects.filter(recipient=personas["outsider"]).count() == 1


def test_sweep_uses_constant_queries_for_any_number_of_branches(personas, tree, settings):
    counts = []
    for size in (1, 20):
        for i in range(size):
            branch = make_org(f"新支部{size}-{i}", Kind.BRANCH, tree["unit_b"])
            grant(UserFactory(username=f"sec{size}-{i}"), Role.SECRETARY, branch)
        ReportReminder.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            claimed = services.report_reminders_claim(today=date(2026, 3, 6))
        assert claimed
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_beat_schedule_runs_the_sweep(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["report-reminders"]
    assert entry["task"] == "branches.reports.tasks.report_reminder_sweep"
    from branchportal.celery import app

    app.loader.import_default_modules()
    assert "branches.reports.tasks.report_reminder_sweep" in app.tasks


def test_delivering_reminders_costs_the_same_queries_for_10_as_for_50(
    personas, tree, django_capture_on_commit_callbacks
):
    """Claimed reminders are sent in batches: notices, outbox mail and the "sent" mark cost a
    fixed number of queries per batch, and delivering the outbox a fixed number per batch too."""
    from notifications.services import outbox_deliver

    counts = []
    for size in (10, 50):
        for i in range(size):
            branch = make_org(f"批量支部{size}-{i}", Kind.BRANCH, tree["unit_b"])
            grant(
                UserFactory(username=f"batch{size}-{i}", email=f"b{size}-{i}@example.org"),
                Role.SECRETARY,
                branch,
            )
        ReportReminder.objects.all().delete()
        Notification.objects.all().delete()
        OutboxEmail.objects.all().delete()
        mail.outbox.clear()
        claimed = services.report_reminders_claim(today=date(2026, 3, 6))
        with CaptureQueriesContext(connection) as send:
            created = services.report_reminders_send(reminder_ids=claimed)
        with CaptureQueriesContext(connection) as deliver:
            delivered = outbox_deliver()
        assert created == len(claimed) >= size and delivered["sent"] == len(mail.outbox) == created
        counts.append((len(send.captured_queries), len(deliver.captured_queries)))
    assert counts[0] == counts[1]


def test_sweep_queues_one_send_task_per_batch(
    personas, tree, settings, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "REMINDER_BATCH", 1)
    sent = []
    monkeypatch.setattr(tasks.send_report_reminders, "delay", lambda ids: sent.append(ids))
    claimed = sweep(date(2026, 3, 3), django_capture_on_commit_callbacks)
    assert sorted(sent) == [[pk] for pk in sorted(claimed)] and len(claimed) == 2
