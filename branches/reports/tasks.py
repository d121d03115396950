"""Monthly-report reminders: a beat-scheduled sweep claims (branch, month, stage) rows, then one
thin task per claimed row sends the in-app notice and the email.

Idempotent twice over: the unique ReportReminder row is claimed by exactly one sweep (rows
inserted by another run are never picked up again), and the notification's ``dedupe_key``
stops a second notice if the send task itself is retried.
"""

import uuid

from celery import shared_task
from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import MonthlyReport, Organization, ReportReminder, RoleAssignment
from ..policy import policy_all
from . import compliance


def reminder_stage(*, due_on, today, days_before):
    if today > due_on:
        return ReportReminder.Stage.OVERDUE
    if today >= due_on - relativedelta(days=days_before):
        return ReportReminder.Stage.DUE_SOON
    return None


def sweep_report_reminders(*, today=None):
    """Claim one reminder row per unfiled branch and stage; returns the claimed row ids.

    Constant queries whatever the number of branches: policy, one INSERT … ON CONFLICT DO
    NOTHING for all candidates, one SELECT of the rows this sweep inserted.
    """
    today = today or timezone.localdate()
    policy = policy_all()
    month = today.replace(day=1) - relativedelta(months=1)
    due_on = compliance.report_due_on(month, policy["report.due_day"])
    stage = reminder_stage(due_on=due_on, today=today, days_before=policy["report.remind_days_before"])
    if stage is None:
        return []
    filed = MonthlyReport.objects.filter(branch=OuterRef("pk"), month=month, status__in=MonthlyReport.FILED)
    has_secretary = RoleAssignment.objects.filter(
        organization=OuterRef("pk"), role=RoleAssignment.Role.SECRETARY
    )
    claim = uuid.uuid4()
    # Evaluated inside bulk_create as one SELECT; the rows are claimed with ignore_conflicts.
    branch_ids = (
        Organization.objects.filter(Exists(has_secretary), kind=Organization.Kind.BRANCH, is_active=True)
        .exclude(Exists(filed))
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        ReportReminder.objects.bulk_create(
            [
                ReportReminder(branch_id=pk, month=month, stage=stage, claim=claim)
                for pk in branch_ids.iterator()
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        claimed = list(ReportReminder.objects.filter(claim=claim).values_list("pk", flat=True))
        for reminder_id in claimed:
            transaction.on_commit(lambda rid=reminder_id: send_report_reminder.delay(rid))
    return claimed


def deliver_reminder(reminder_id):
    """Notify the branch's secretaries for one claimed reminder (in-app and by email)."""
    from ..services import notification_send

    reminder = ReportReminder.objects.select_related("branch").filter(pk=reminder_id).first()
    if reminder is None:
        return 0
    branch = reminder.branch
    users = [
        ra.user
        for ra in RoleAssignment.objects.filter(
            organization=branch, role=RoleAssignment.Role.SECRETARY
        ).select_related("user")
    ]
    due_on = compliance.report_due_on(reminder.month, policy_all()["report.due_day"])
    month_label = _("%(year)s年%(month)s月") % {
        "year": f"{reminder.month:%Y}",
        "month": f"{reminder.month:%m}",
    }
    if reminder.stage == ReportReminder.Stage.OVERDUE:
        title = _("%(branch)s %(month)s月度报告已逾期") % {"branch": branch.name, "month": month_label}
        body = _("报告截止日期为 %(due)s，请尽快报送。") % {"due": f"{due_on:%Y-%m-%d}"}
    else:
        title = _("%(branch)s %(month)s月度报告即将到期") % {"branch": branch.name, "month": month_label}
        body = _("请于 %(due)s 前报送月度报告。") % {"due": f"{due_on:%Y-%m-%d}"}
    link = reverse("reports:report", args=[branch.pk, reminder.month.year, reminder.month.month])
    sent = notification_send(
        recipients=users,
        kind="report_reminder",
        title=title,
        body=body,
        link=link,
        organization=branch,
        dedupe_key=f"report:{branch.pk}:{reminder.month:%Y-%m}:{reminder.stage}",
        email_template="report_reminder",
        email_context={
            "branch": branch,
            "month_label": month_label,
            "due_on": due_on,
            "stage": reminder.stage,
        },
    )
    ReportReminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(sent_at=timezone.now())
    return len(sent)


@shared_task
def report_reminder_sweep():
    return len(sweep_report_reminders())


@shared_task
def send_report_reminder(reminder_id):
    return deliver_reminder(reminder_id)
