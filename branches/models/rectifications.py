"""The rectification tracker (整改): one item per problem found, whatever found it.

The source is a generic reference (``source_kind`` + ``source_id``), never a foreign key, so
upper-layer features (observation visits, 述职评议, guidance) can file items without this layer
importing them.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .activities import validate_attachment
from .org import Organization, User


class SourceKind(models.TextChoices):
    OBSERVATION_VISIT = "observation_visit", _("交叉观摩")
    DUTY_REVIEW = "duty_review", _("述职评议")
    RENEWAL_SUPERVISION = "renewal_supervision", _("换届督办")
    GUIDANCE_FOLLOW_UP = "guidance_follow_up", _("分类指导跟进")
    REVIEW = "review", _("考核评审")


class RectificationItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        IN_PROGRESS = "in_progress", _("整改中")
        SUBMITTED = "submitted", _("已提交待核验")
        VERIFIED = "verified", _("已核验销号")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    organization = models.ForeignKey(
        Organization, verbose_name=_("整改单位"), on_delete=models.CASCADE, related_name="rectifications"
    )
    source_kind = models.CharField(_("来源"), max_length=24, choices=SourceKind.choices)
    source_id = models.PositiveBigIntegerField(_("来源编号"), null=True, blank=True)
    description = models.TextField(_("问题描述"))
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(_("整改情况"), blank=True)
    return_comment = models.TextField(_("退回意见"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="rectification_due"),
            models.Index(fields=["source_kind", "source_id"], name="rectification_source"),
        ]

    def __str__(self):
        return f"{self.organization} · {self.get_source_kind_display()} · {self.deadline:%Y-%m-%d}"

    def is_overdue(self, today=None):
        """Overdue is computed, not stored: not yet submitted/verified after the deadline."""
        return self.status in self.OPEN_STATUSES and self.deadline < (today or timezone.localdate())


class RectificationEvidence(models.Model):
    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to="rectifications/%Y/%m/", validators=[validate_attachment])
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("整改佐证材料")
        verbose_name_plural = _("整改佐证材料")

    def __str__(self):
        return self.original_name


class RectificationReminder(models.Model):
    """The claim row: one per (item, stage), so each reminder is sent exactly once."""

    class Stage(models.TextChoices):
        DUE_SOON = "due_soon", _("即将到期")
        DUE = "due", _("已到期")

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    claim = models.UUIDField()  # the sweep that inserted the row sends it
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "stage"], name="rectification_reminder_once")]

    def __str__(self):
        return f"{self.item_id} · {self.stage}"
