"""Writes for activity records and monthly reports.

Keyword-only functions in a transaction, raising ValidationError with a Chinese message.
State changes are conditional UPDATEs (0 rows: someone else changed the row first) and edits
carry the ``version`` the user loaded, so two people never silently overwrite each other.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from notifications.services import Notice, notify, notify_many

from .. import permissions, uploads
from ..models import (
    Activity,
    ActivityAttachment,
    Decision,
    MonthlyReport,
    Organization,
    ReportEvent,
    ReportReminder,
    RoleAssignment,
)
from ..permissions import Action
from ..policy import policy_all
from . import compliance, selectors

Role = RoleAssignment.Role

Kind = Activity.Kind
Status = MonthlyReport.Status

ATTENDANCE_FIELDS = (
    "expected_full",
    "expected_probationary",
    "present_full",
    "present_probationary",
    "leave_full",
    "leave_probationary",
    "absent_full",
    "absent_probationary",
)
# Gatherings with a roster of expected attendees (a talk or "other" may be between two people).
MEETING_KINDS = frozenset(Kind) - {Kind.TALK, Kind.OTHER}
# Bodies that decide by vote: the assembly (BWR Art. 11) and the committee (Art. 12).
DECISION_KINDS = (Kind.ASSEMBLY, Kind.COMMITTEE)
REPORT_INPUT_FIELDS = (
    "dues_members_due",
    "dues_members_paid",
    "dues_amount",
    "dues_handed_over_on",
    "dues_arrears",
    "study_hours",
    "study_topics",
    "development_work",
    "problems",
    "next_month_plan",
    "gap_reason",
    "declaration",
)


def working_days_after(start, end):
    """Monday–Friday days after ``start`` up to and including ``end`` (no holiday calendar)."""
    days, current = 0, start
    while current < end:
        current += timedelta(days=1)
        days += current.weekday() < 5
    return days


def _record_history(obj, user, reason=""):
    """Conditional UPDATEs bypass django-simple-history; write the new version's row explicitly."""
    type(obj).history.bulk_history_create([obj], update=True, default_user=user, default_change_reason=reason)


def _month_locked_error(branch, held_on):
    """A month's records stay correctable until its report is accepted (then only by reopening)."""
    month = held_on.replace(day=1)
    # Locked until the caller's transaction ends: a review decision waits for the correction.
    report = (
        MonthlyReport.objects.select_for_update()
        .filter(branch=branch, month=month)
        .values_list("status", flat=True)
        .first()
    )
    if report == Status.ACCEPTED:
        raise ValidationError(
            _("%(month)s的月度报告已通过，不能再修改该月的活动记录；如需更正，请联系上级重新打开。")
            % {"month": _("%(year)s年%(month)s月") % {"year": f"{month:%Y}", "month": f"{month:%m}"}}
        )


def _note_correction(*, branch, held_on, user, note, today):
    """A record of a month whose report is filed but not accepted changed.

    The report's frozen figures are recomputed (while it awaits review), it is flagged
    报送后有修改 and the change is written to its history, so the reviewer sees it.
    """
    month = held_on.replace(day=1)
    report = (
        MonthlyReport.objects.select_for_update()
        .filter(branch=branch, month=month, status__in=(*MonthlyReport.AWAITING_REVIEW, Status.RETURNED))
        .first()
    )
    if report is None:
        return
    if report.status in MonthlyReport.AWAITING_REVIEW:
        MonthlyReport.objects.filter(pk=report.pk).update(
            snapshot=selectors.report_derived(branch, month, today=today),
            amended_after_submission=True,
            version=F("version") + 1,
        )
        report.refresh_from_db()
        _record_history(report, user, reason=note[:100])
    ReportEvent.objects.create(
        report=report, actor=user, action=ReportEvent.Action.AMEND, comment=note, revision=report.revision
    )


def _validate_activity(*, branch, fields, decisions, absent_members, today, policy):
    errors = []
    if branch.kind != Organization.Kind.BRANCH:
        raise ValidationError(_("只有党支部可以记录组织生活。"))
    held_on = fields["held_on"]
    if held_on > today:
        errors.append(_("活动日期不能晚于今天，活动开展后再记录。"))
    for label, suffix in ((_("正式党员"), "full"), (_("预备党员"), "probationary")):
        expected = fields.get(f"expected_{suffix}", 0)
        total = sum(fields.get(f"{part}_{suffix}", 0) for part in ("present", "leave", "absent"))
        if expected != total:
            errors.append(
                _("%(who)s人数不符：应到 %(expected)d 人，实到、请假、缺席合计 %(total)d 人。")
                % {"who": label, "expected": expected, "total": total}
            )
    kind = fields["kind"]
    cell = fields.get("cell")
    if kind == Kind.CELL:
        if cell is None:
            errors.append(_("党小组会须选择党小组。"))
        elif cell.parent_id != branch.pk:
            errors.append(_("所选党小组不属于本支部。"))
    elif cell is not None:
        errors.append(_("只有党小组会需要选择党小组。"))
    if kind == Kind.LECTURE and not fields.get("lecturer"):
        errors.append(_("党课须填写授课人。"))
    if kind in MEETING_KINDS and fields.get("expected_full", 0) + fields.get("expected_probationary", 0) == 0:
        errors.append(_("应到人数为 0：会议须有应参加的党员，请填写应到正式党员和预备党员人数。"))
    if decisions and kind not in DECISION_KINDS:
        errors.append(_("只有支部党员大会和支部委员会记录表决事项。"))
    for decision in decisions:
        for problem in compliance.vote_problems(
            expected_full=fields.get("expected_full", 0),
            present_full=fields.get("present_full", 0),
            votes_for=decision["votes_for"],
            votes_against=decision.get("votes_against", 0),
            votes_abstain=decision.get("votes_abstain", 0),
            passed=decision.get("passed", True),
            strict_majority=policy["life.strict_majority"],
        ):
            errors.append(
                _("%(subject)s：%(problem)s") % {"subject": decision["subject"], "problem": problem}
            )
    if any(member.branch_id != branch.pk for member in absent_members):
        errors.append(_("缺席党员必须是本支部党员。"))
    absent_total = fields.get("absent_full", 0) + fields.get("absent_probationary", 0)
    if len(absent_members) > absent_total:
        errors.append(_("所选缺席党员人数多于填写的缺席人数。"))
    if errors:
        raise ValidationError(errors)
    _month_locked_error(branch, held_on)


def _save_children(activity, decisions, absent_members):
    activity.decisions.all().delete()
    Decision.objects.bulk_create(Decision(activity=activity, **d) for d in decisions)
    activity.absent_members.set(absent_members)


@transaction.atomic
def activity_create(*, branch, user, decisions=(), absent_members=(), today=None, **fields):
    """Record an activity. Late entries (beyond the policy's working days) are kept but flagged."""
    permissions.require(user, Action.RECORD_ACTIVITY, branch)
    today = today or timezone.localdate()
    policy = policy_all()
    decisions, absent_members = list(decisions), list(absent_members)
    _validate_activity(
        branch=branch,
        fields=fields,
        decisions=decisions,
        absent_members=absent_members,
        today=today,
        policy=policy,
    )
    activity = Activity(
        branch=branch,
        created_by=user,
        entered_late=working_days_after(fields["held_on"], today) > policy["activity.entry_working_days"],
        **fields,
    )
    activity.full_clean(exclude=["absent_members"])
    activity.save()
    _save_children(activity, decisions, absent_members)
    _note_correction(
        branch=branch,
        held_on=activity.held_on,
        user=user,
        note=_("新增活动记录：%(date)s %(topic)s")
        % {"date": f"{activity.held_on:%Y-%m-%d}", "topic": activity.topic},
        today=today,
    )
    return activity


@transaction.atomic
def activity_update(*, activity, user, version, decisions=(), absent_members=(), today=None, **fields):
    permissions.require(user, Action.RECORD_ACTIVITY, activity.branch)
    today = today or timezone.localdate()
    decisions, absent_members = list(decisions), list(absent_members)
    # The month the record leaves must be open too (read from the row: a bound form may have
    # already put the new date on the instance).
    old_held_on = Activity.objects.values_list("held_on", flat=True).get(pk=activity.pk)
    _month_locked_error(activity.branch, old_held_on)
    current = {
        name: getattr(activity, name) for name in (*ATTENDANCE_FIELDS, "held_on", "cell", "lecturer", "kind")
    }
    _validate_activity(
        branch=activity.branch,
        fields={**current, **fields},
        decisions=decisions,
        absent_members=absent_members,
        today=today,
        policy=policy_all(),
    )
    updated = Activity.objects.filter(pk=activity.pk, version=version).update(
        version=F("version") + 1, **fields
    )
    if not updated:
        raise ValidationError(_("该记录已被他人修改，请刷新页面后重新编辑。"))
    activity.refresh_from_db()
    _save_children(activity, decisions, absent_members)
    _record_history(activity, user)
    note = _("更正活动记录：%(date)s %(topic)s") % {
        "date": f"{activity.held_on:%Y-%m-%d}",
        "topic": activity.topic,
    }
    for month in {old_held_on.replace(day=1), activity.held_on.replace(day=1)}:
        _note_correction(branch=activity.branch, held_on=month, user=user, note=note, today=today)
    return activity


@transaction.atomic
def activity_delete(*, activity, user, version, reason, now=None):
    """Soft-delete a record (it stays in the history); only until its month's report is accepted."""
    permissions.require(user, Action.RECORD_ACTIVITY, activity.branch)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写删除原因。"))
    _month_locked_error(activity.branch, activity.held_on)
    updated = Activity.objects.filter(pk=activity.pk, version=version).update(
        version=F("version") + 1, deleted_at=now or timezone.now(), deleted_by=user, deletion_reason=reason
    )
    if not updated:
        raise ValidationError(_("该记录已被他人修改或已删除，请刷新页面后再试。"))
    activity = Activity.all_objects.get(pk=activity.pk)
    _record_history(activity, user, reason=(_("删除：%(reason)s") % {"reason": reason})[:100])
    _note_correction(
        branch=activity.branch,
        held_on=activity.held_on,
        user=user,
        note=_("删除活动记录：%(date)s %(topic)s（%(reason)s）")
        % {"date": f"{activity.held_on:%Y-%m-%d}", "topic": activity.topic, "reason": reason},
        today=timezone.localdate(now) if now else timezone.localdate(),
    )
    return activity


@transaction.atomic
def attachment_add(*, activity, user, kind, file):
    permissions.require(user, Action.RECORD_ACTIVITY, activity.branch)
    _month_locked_error(activity.branch, activity.held_on)
    original_name, _kind = uploads.accept(file)
    return ActivityAttachment.objects.create(
        activity=activity,
        kind=kind,
        file=file,
        original_name=original_name,
        size=file.size,
        uploaded_by=user,
    )


@transaction.atomic
def attachment_delete(*, attachment, user):
    permissions.require(user, Action.RECORD_ACTIVITY, attachment.activity.branch)
    _month_locked_error(attachment.activity.branch, attachment.activity.held_on)
    attachment.file.delete(save=False)
    attachment.delete()


# ---- monthly reports ----


def report_due_on(month, policy=None):
    policy = policy or policy_all()
    return compliance.report_due_on(month, policy["report.due_day"])


def report_unsaved(*, branch, month, user, today=None):
    """An empty, unsaved report for a month that has none yet (what the form shows on GET)."""
    today = today or timezone.localdate()
    month = month.replace(day=1)
    permissions.require(user, Action.SUBMIT_REPORT, branch)
    if branch.kind != Organization.Kind.BRANCH:
        raise ValidationError(_("只有党支部填报月度报告。"))
    if month > today:
        raise ValidationError(_("不能填报尚未开始的月份。"))
    return MonthlyReport(branch=branch, month=month, due_on=report_due_on(month), filer=user)


@transaction.atomic
def report_get_or_create(*, branch, month, user, today=None):
    """The branch's report for ``month``; the draft row is created by the first save, never on GET."""
    permissions.require(user, Action.SUBMIT_REPORT, branch)
    month = month.replace(day=1)
    existing = MonthlyReport.objects.filter(branch=branch, month=month).first()
    if existing is not None:
        return existing
    unsaved = report_unsaved(branch=branch, month=month, user=user, today=today)
    report, _created = MonthlyReport.objects.get_or_create(
        branch=branch, month=month, defaults={"due_on": unsaved.due_on, "filer": user}
    )
    return report


def filing_opens_on(month):
    """A month's report may be filed from the first day of the following month."""
    return month.replace(day=1) + relativedelta(months=1)


def filing_blocked_reason(report, today=None):
    """Why 报送 is not offered yet ("" when it may be filed)."""
    today = today or timezone.localdate()
    opens = filing_opens_on(report.month)
    if today < opens:
        return _("本月尚未结束，%(date)s 起可以报送。") % {"date": f"{opens:%Y-%m-%d}"}
    return ""


def _plausibility_errors(report, today, policy):
    """Figures a secretary cannot have meant (checked on draft save and on submit)."""
    errors = []
    if report.dues_amount is not None and report.dues_amount < 0:
        errors.append(_("收缴党费金额不能为负数。"))
    handed = report.dues_handed_over_on
    if handed is not None and handed > today:
        errors.append(_("党费上缴日期不能晚于今天。"))
    if handed is not None and handed < report.month:
        errors.append(_("党费上缴日期不能早于报告月份（%(month)s）。") % {"month": f"{report.month:%Y-%m}"})
    hours = report.study_hours
    if hours is not None and hours < 0:
        errors.append(_("人均学习学时不能为负数。"))
    elif hours is not None and hours > policy["report.study_hours_max"]:
        errors.append(
            _("人均学习学时 %(hours)s 超过每月上限 %(max)s 学时，请核对。")
            % {"hours": f"{Decimal(hours).normalize():f}", "max": policy["report.study_hours_max"]}
        )
    return errors


def _check_editable(report):
    if not report.is_editable:
        raise ValidationError(_("报告已报送，处于锁定状态，不能修改。"))


@transaction.atomic
def report_save(*, report, user, version, today=None, **fields):
    """Save the secretary's figures on a draft or returned report."""
    permissions.require(user, Action.SUBMIT_REPORT, report.branch)
    _check_editable(report)
    unknown = set(fields) - set(REPORT_INPUT_FIELDS)
    if unknown:
        raise ValueError(f"Not report inputs: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(report, name, value)
    errors = _plausibility_errors(report, today or timezone.localdate(), policy_all())
    if errors:
        raise ValidationError(errors)
    report.full_clean(exclude=["branch", "filer", "reviewed_by"], validate_unique=False)
    updated = MonthlyReport.objects.filter(
        pk=report.pk, version=version, status__in=MonthlyReport.EDITABLE
    ).update(version=F("version") + 1, filer=user, **fields)
    if not updated:
        raise ValidationError(_("报告已被他人修改或已报送，请刷新页面后再试。"))
    report.refresh_from_db()
    _record_history(report, user)
    return report


def _content(report, derived):
    """A JSON copy of a report version, shown in the history."""
    data = {}
    for name in REPORT_INPUT_FIELDS:
        value = getattr(report, name)
        data[name] = value if value is None or isinstance(value, bool | int | str) else str(value)
    return {"inputs": data, "derived": derived}


def _submission_errors(report, derived):
    errors = []
    if not report.declaration:
        errors.append(_("请勾选声明：所填内容与原始记录一致。"))
    if report.dues_members_due is None or report.dues_members_paid is None or report.dues_amount is None:
        errors.append(_("请填写应缴人数、实缴人数和收缴金额。"))
    elif report.dues_members_paid > report.dues_members_due:
        errors.append(_("实缴党费人数不能多于应缴人数。"))
    if derived["gaps"] and not report.gap_reason.strip():
        names = pgettext("list separator", "、").join(gap["label"] for gap in derived["gaps"])
        errors.append(_("本月以下活动未按要求开展：%(names)s。请填写说明。") % {"names": names})
    return errors


@transaction.atomic
def report_submit(*, report, user, version, today=None, now=None):
    """Submit (or resubmit after a return). The figures are locked until staff return or reopen it;
    the month's records stay correctable until acceptance (see ``_note_correction``)."""
    permissions.require(user, Action.SUBMIT_REPORT, report.branch)
    _check_editable(report)
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    if filing_blocked_reason(report, today):
        raise ValidationError(filing_blocked_reason(report, today))
    derived = selectors.report_derived(report.branch, report.month, today=today)
    errors = _plausibility_errors(report, today, policy_all()) + _submission_errors(report, derived)
    if errors:
        raise ValidationError(errors)
    first = report.first_submitted_at is None
    new_status = Status.SUBMITTED if report.status == Status.DRAFT else Status.RESUBMITTED
    changes = {
        "status": new_status,
        "submitted_at": now,
        "snapshot": derived,
        "filer": user,
        "amended_after_submission": False,
    }
    if first:
        changes.update(first_submitted_at=now, is_late=timezone.localdate(now) > report.due_on)
    updated = MonthlyReport.objects.filter(pk=report.pk, version=version, status=report.status).update(
        version=F("version") + 1, **changes
    )
    if not updated:
        raise ValidationError(_("报告已被他人修改或状态已变化，请刷新页面后再试。"))
    report.refresh_from_db()
    _record_history(report, user, reason=new_status)
    ReportEvent.objects.create(
        report=report,
        actor=user,
        revision=report.revision,
        content=_content(report, derived),
        action=ReportEvent.Action.SUBMIT if new_status == Status.SUBMITTED else ReportEvent.Action.RESUBMIT,
    )
    return report


def _transition(*, report, user, from_statuses, to_status, action, comment, **extra):
    updated = MonthlyReport.objects.filter(pk=report.pk, status__in=from_statuses).update(
        status=to_status,
        reviewed_by=user,
        reviewed_at=timezone.now(),
        review_comment=comment,
        version=F("version") + 1,
        **extra,
    )
    if not updated:
        raise ValidationError(_("报告状态已变化（可能已被他人处理），请刷新页面后再试。"))
    report.refresh_from_db()
    _record_history(report, user, reason=to_status)
    ReportEvent.objects.create(
        report=report, actor=user, action=action, comment=comment, revision=report.revision
    )
    return report


@transaction.atomic
def report_return(*, report, user, comment):
    permissions.require(user, Action.REVIEW, report.branch)
    if not comment.strip():
        raise ValidationError(_("退回时须填写修改意见。"))
    report = _transition(
        report=report,
        user=user,
        from_statuses=MonthlyReport.AWAITING_REVIEW,
        to_status=Status.RETURNED,
        action=ReportEvent.Action.RETURN,
        comment=comment,
    )
    _notify_branch(report, kind="report_returned", comment=comment)
    return report


@transaction.atomic
def report_accept(*, report, user, comment=""):
    permissions.require(user, Action.REVIEW, report.branch)
    report = _transition(
        report=report,
        user=user,
        from_statuses=MonthlyReport.AWAITING_REVIEW,
        to_status=Status.ACCEPTED,
        action=ReportEvent.Action.ACCEPT,
        comment=comment,
    )
    _notify_branch(report, kind="report_accepted", comment=comment)
    return report


def _notify_branch(report, *, kind, comment):
    """Tell the filer and the branch's secretaries that their report was reviewed."""
    secretaries = permissions.users_with(
        Action.SUBMIT_REPORT, report.branch, roles={Role.SECRETARY}, exact_roles={Role.SECRETARY}
    )
    recipients = [*secretaries, report.filer] if report.filer_id else secretaries
    notify(
        recipients=recipients,
        kind=kind,
        params={
            "branch": report.branch.name,
            "year": f"{report.month:%Y}",
            "month": f"{report.month:%m}",
            "comment": comment,
        },
        link=reverse("reports:report", args=[report.branch_id, report.month.year, report.month.month]),
        organization=report.branch,
        dedupe_key=f"{kind}:{report.pk}:{report.version}",
    )


@transaction.atomic
def report_reopen(*, report, user, comment):
    """Reopen an accepted report for a correction; the accepted version stays in the history."""
    permissions.require(user, Action.REVIEW, report.branch)
    if not comment.strip():
        raise ValidationError(_("重新打开时须说明需要更正的内容。"))
    return _transition(
        report=report,
        user=user,
        from_statuses=(Status.ACCEPTED,),
        to_status=Status.RETURNED,
        action=ReportEvent.Action.REOPEN,
        comment=comment,
        revision=F("revision") + 1,
    )


# --- reminders ------------------------------------------------------------------------------


def reminder_stage(*, due_on, today, days_before):
    if today > due_on:
        return ReportReminder.Stage.OVERDUE
    if today >= due_on - relativedelta(days=days_before):
        return ReportReminder.Stage.DUE_SOON
    return None


def report_reminders_claim(*, today=None):
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
        return list(ReportReminder.objects.filter(claim=claim).values_list("pk", flat=True))


REMINDER_BATCH = 500  # reminders per send task: each batch costs a fixed number of queries


def report_reminder_send(*, reminder_id):
    """One claimed reminder (see ``report_reminders_send``)."""
    return report_reminders_send(reminder_ids=[reminder_id])


@transaction.atomic
def report_reminders_send(*, reminder_ids):
    """Notify each branch's secretaries of its claimed reminder (in-app; mail via the outbox).

    A fixed number of queries for the whole batch (the reminders with their branches, the
    policy, the secretaries of every branch at once, ``notify_many``, one UPDATE). Returns the
    number of notices created (0 on a retry: the dedupe keys hold).
    """
    reminders = list(
        ReportReminder.objects.select_related("branch").filter(pk__in=reminder_ids).order_by("pk")
    )
    if not reminders:
        return 0
    due_day = policy_all()["report.due_day"]
    secretaries = permissions.users_with_many(
        Action.SUBMIT_REPORT,
        {r.branch_id: r.branch for r in reminders}.values(),
        roles={Role.SECRETARY},
        exact_roles={Role.SECRETARY},
    )
    notices = []
    for reminder in reminders:
        branch, month = reminder.branch, reminder.month
        notices.append(
            Notice(
                recipients=secretaries.get(branch.pk, []),
                kind="report_reminder",
                params={
                    "branch": branch.name,
                    "year": f"{month:%Y}",
                    "month": f"{month:%m}",
                    "due": f"{compliance.report_due_on(month, due_day):%Y-%m-%d}",
                    "stage": reminder.stage,
                },
                link=reverse("reports:report", args=[branch.pk, month.year, month.month]),
                organization=branch,
                dedupe_key=f"report:{branch.pk}:{month:%Y-%m}:{reminder.stage}",
            )
        )
    created = notify_many(notices)
    ReportReminder.objects.filter(pk__in=[r.pk for r in reminders], sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
    return created
