"""The monthly report a branch secretary files, its review trail and its reminders."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .org import Organization, User


class MonthlyReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已报送")
        RETURNED = "returned", _("已退回")
        RESUBMITTED = "resubmitted", _("已重新报送")
        ACCEPTED = "accepted", _("已通过")

    EDITABLE = (Status.DRAFT, Status.RETURNED)
    AWAITING_REVIEW = (Status.SUBMITTED, Status.RESUBMITTED)
    FILED = (Status.SUBMITTED, Status.RESUBMITTED, Status.ACCEPTED)

    branch = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="monthly_reports"
    )
    month = models.DateField(_("报告月份"))  # always the 1st of the month
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    due_on = models.DateField(_("截止日期"))
    filer = models.ForeignKey(
        User, verbose_name=_("填报人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_submitted_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("最近报送时间"), null=True, blank=True)
    is_late = models.BooleanField(_("逾期报送"), default=False)
    reviewed_by = models.ForeignKey(
        User, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)
    # Secretary's figures (domain.md §10.1 items 5, 7, 8, 11, 12).
    dues_members_due = models.PositiveIntegerField(_("应缴党费人数"), null=True, blank=True)
    dues_members_paid = models.PositiveIntegerField(_("实缴党费人数"), null=True, blank=True)
    dues_amount = models.DecimalField(
        _("收缴党费金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    dues_handed_over_on = models.DateField(_("党费上缴日期"), null=True, blank=True)
    dues_arrears = models.TextField(_("欠缴情况"), blank=True)
    study_hours = models.DecimalField(
        _("人均学习学时"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    study_topics = models.TextField(_("学习内容"), blank=True)
    development_work = models.TextField(_("发展党员工作"), blank=True)
    problems = models.TextField(_("存在问题和困难"), blank=True)
    next_month_plan = models.TextField(_("下月工作计划"), blank=True)
    gap_reason = models.TextField(_("未按要求开展活动的说明"), blank=True)
    declaration = models.BooleanField(_("本人承诺所填内容与原始记录一致"), default=False)
    # Derived figures frozen at submission so later record edits never change a filed report.
    snapshot = models.JSONField(default=dict, blank=True)
    # A record of the month changed after it was filed (cleared by the next submission).
    amended_after_submission = models.BooleanField(_("报送后有修改"), default=False)
    revision = models.PositiveSmallIntegerField(_("版本"), default=1)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("月度报告")
        verbose_name_plural = _("月度报告")
        ordering = ["-month", "branch__path"]
        indexes = [
            models.Index(fields=["month", "status"], name="report_month_status"),
            # The review backlog, oldest submission first (selectors.review_queue).
            models.Index(
                fields=["submitted_at"],
                name="report_awaiting_review",
                condition=Q(status__in=["submitted", "resubmitted"]),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["branch", "month"], name="report_one_per_branch_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="report_month_is_first_day"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(first_submitted_at__isnull=False),
                name="report_filed_has_submission_time",
            ),
        ]

    def __str__(self):
        return f"{self.branch} {self.month:%Y-%m}"

    def get_absolute_url(self):
        return reverse("reports:report", args=[self.branch_id, self.month.year, self.month.month])

    @property
    def is_editable(self):
        return self.status in self.EDITABLE


class ReportEvent(models.Model):
    """One step of a report's life; submissions keep a full copy so every version stays visible."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("报送")
        RESUBMIT = "resubmit", _("重新报送")
        RETURN = "return", _("退回修改")
        ACCEPT = "accept", _("审核通过")
        REOPEN = "reopen", _("重新打开")
        AMEND = "amend", _("报送后修改记录")

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=12, choices=Action.choices)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(_("意见"), blank=True)
    revision = models.PositiveSmallIntegerField(_("版本"))
    content = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("月报处理记录")
        verbose_name_plural = _("月报处理记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.report} {self.get_action_display()}"


class ReportReminder(models.Model):
    """Claim that a reminder stage was sent for a branch's month; the unique row stops repeats."""

    class Stage(models.TextChoices):
        DUE_SOON = "due_soon", _("即将到期")
        OVERDUE = "overdue", _("已逾期")

    branch = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="report_reminders")
    month = models.DateField()
    stage = models.CharField(max_length=10, choices=Stage.choices)
    claim = models.UUIDField()  # which sweep inserted the row; that sweep sends the notice
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["branch", "month", "stage"], name="report_reminder_once"),
        ]

    def __str__(self):
        return f"{self.branch_id} {self.month:%Y-%m} {self.stage}"
