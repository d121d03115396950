"""Term renewal (换届): the procedure per outgoing term, postponements, election results, the
reminder ladder's sent rows and each user's private calendar token (domain.md §5)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .org import Member, Term


class Renewal(models.Model):
    """The renewal of one outgoing term, moving through the steps of domain.md §5.2."""

    class Status(models.TextChoices):
        STARTED = "started", _("待提交请示")
        REQUEST_SUBMITTED = "request_submitted", _("请示已提交")
        REQUEST_APPROVED = "request_approved", _("请示已批复")
        CANDIDATES_SUBMITTED = "candidates_submitted", _("候选人已上报")
        CANDIDATES_APPROVED = "candidates_approved", _("候选人已批复")
        ELECTION_HELD = "election_held", _("已召开选举大会")
        RESULTS_REPORTED = "results_reported", _("选举结果已上报")
        COMPLETED = "completed", _("书记副书记已批准，换届完成")

    term = models.OneToOneField(
        Term, verbose_name=_("届次"), on_delete=models.CASCADE, related_name="renewal"
    )
    status = models.CharField(_("进度"), max_length=24, choices=Status.choices, default=Status.STARTED)
    # Optimistic lock: every step bumps it, so two people recording at once cannot both win.
    version = models.PositiveIntegerField(default=0)
    new_term = models.OneToOneField(
        Term,
        verbose_name=_("新一届"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="started_by_renewal",
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("换届")
        verbose_name_plural = _("换届")
        indexes = [models.Index(fields=["status"], name="renewal_status")]

    def __str__(self):
        return f"{self.term.branch} · {self.get_status_display()}"


class RenewalStep(models.Model):
    """One recorded step of a renewal, with its date and supporting document."""

    class Step(models.TextChoices):
        REQUEST = "request", _("换届请示")
        REQUEST_APPROVAL = "request_approval", _("上级批复")
        CANDIDATES = "candidates", _("上报候选人")
        CANDIDATE_APPROVAL = "candidate_approval", _("候选人批复")
        ELECTION = "election", _("召开选举大会")
        RESULTS_REPORT = "results_report", _("上报选举结果")
        SECRETARY_APPROVAL = "secretary_approval", _("批准书记副书记")

    renewal = models.ForeignKey(Renewal, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("步骤"), max_length=24, choices=Step.choices)
    done_on = models.DateField(_("日期"))
    document = models.FileField(_("文件"), upload_to="renewals/%Y/", blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("换届步骤")
        verbose_name_plural = _("换届步骤")
        ordering = ["done_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["renewal", "step"], name="renewal_step_once")]

    def __str__(self):
        return f"{self.get_step_display()} {self.done_on:%Y-%m-%d}"


class Postponement(models.Model):
    """A request to postpone (延期) or advance (提前) a renewal, decided by the higher organization."""

    class Kind(models.TextChoices):
        POSTPONE = "postpone", _("延期换届")
        ADVANCE = "advance", _("提前换届")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    term = models.ForeignKey(
        Term, verbose_name=_("届次"), on_delete=models.CASCADE, related_name="postponements"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.POSTPONE)
    # Postpone: the new renewal deadline. Advance: the planned election date before expiry.
    until = models.DateField(_("换届期限"))
    reason = models.TextField(_("理由"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("延期/提前换届申请")
        verbose_name_plural = _("延期/提前换届申请")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["term"], condition=Q(status="pending"), name="postponement_one_pending"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.until:%Y-%m-%d} ({self.get_status_display()})"


def refresh_postponed_until(term_ids):
    """Store on each term the ``until`` of its latest approved decision (by decision date, then
    id), or None; one UPDATE for any number of terms. Saving or deleting a Postponement calls
    it (signals below); writes that bypass save (``update``, ``bulk_create``) call it
    themselves."""
    latest = (
        Postponement.objects.filter(term=OuterRef("pk"), status=Postponement.Status.APPROVED)
        .order_by("-decided_on", "-pk")
        .values("until")[:1]
    )
    Term.objects.filter(pk__in=list(term_ids)).update(postponed_until=Subquery(latest))


@receiver(post_save, sender=Postponement)
@receiver(post_delete, sender=Postponement)
def _postponement_changed(sender, instance, **kwargs):
    refresh_postponed_until([instance.term_id])


class ElectionResult(models.Model):
    """Figures of the election assembly, validated against domain.md §5.3 when entered."""

    renewal = models.OneToOneField(Renewal, on_delete=models.CASCADE, related_name="election")
    held_on = models.DateField(_("选举日期"))
    expected_voters = models.PositiveIntegerField(_("应到会有选举权党员"))
    present_voters = models.PositiveIntegerField(_("实到会有选举权党员"))
    ballots_issued = models.PositiveIntegerField(_("发出选票"))
    ballots_returned = models.PositiveIntegerField(_("收回选票"))
    seats = models.PositiveSmallIntegerField(_("应选名额"))
    # [{"member": id, "name": str, "votes": n}], one row per candidate.
    candidates = models.JSONField(default=list)
    elected = models.JSONField(default=list)  # member ids, most votes first
    # {"secretary": id, "deputy_secretary": id, ...}: posts proposed by the first committee meeting.
    posts = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("选举结果")
        verbose_name_plural = _("选举结果")
        constraints = [
            models.CheckConstraint(
                condition=Q(ballots_returned__lte=models.F("ballots_issued")),
                name="election_returned_le_issued",
            ),
            models.CheckConstraint(
                condition=Q(present_voters__lte=models.F("expected_voters")),
                name="election_present_le_expected",
            ),
        ]

    def __str__(self):
        return f"{self.renewal} {self.held_on:%Y-%m-%d}"

    def elected_members(self):
        by_id = Member.objects.in_bulk(self.elected)
        return [by_id[pk] for pk in self.elected if pk in by_id]


class TermReminder(models.Model):
    """One rung of the reminder ladder sent for a term: the unique row is the send claim."""

    class Stage(models.TextChoices):
        FIRST = "first", _("届满前提醒")
        SECOND = "second", _("二次提醒")
        URGENT = "urgent", _("紧急提醒")
        OVERDUE = "overdue", _("任期已届满")
        SUPERVISION = "supervision", _("督办通知")
        POSTPONEMENT_EXPIRED = "postponement_expired", _("延期已届满")
        VIOLATION = "violation", _("超期一年违规")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(_("阶段"), max_length=24, choices=Stage.choices)
    due_on = models.DateField(_("应发日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    claim = models.UUIDField(null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # Supervision notices (督办) carry a deadline for the rectification plan.
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("换届提醒")
        verbose_name_plural = _("换届提醒")
        ordering = ["due_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["term", "stage"], name="term_reminder_once")]
        indexes = [models.Index(fields=["status"], name="term_reminder_status")]

    def __str__(self):
        return f"{self.term} · {self.get_stage_display()}"


def _new_token():
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """Secret that makes a user's iCalendar feed readable without a session."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("日历订阅令牌")
        verbose_name_plural = _("日历订阅令牌")

    def __str__(self):
        return f"{self.user}"
