"""Demonstration and pilot branches (示范党支部/试点), yearly classification (先进/中间/后进) and
the follow-up of lagging branches (后进支部跟进, with a contact leader 联系点领导).

The improvement plan of a follow-up lives in the shared rectification tracker
(``SourceKind.GUIDANCE_FOLLOW_UP`` with ``source_id`` = the follow-up's id).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.models.activities import validate_attachment

from .standards import POINTS


class Designation(models.Model):
    class Kind(models.TextChoices):
        DEMONSTRATION = "demonstration", _("示范党支部")
        PILOT = "pilot", _("试点党支部")

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("已提名待审核")
        APPROVED = "approved", _("已认定")
        REJECTED = "rejected", _("未通过")
        EXPIRED = "expired", _("已到期")
        REVOKED = "revoked", _("已撤销")

    LIVE = (Status.NOMINATED, Status.APPROVED)

    branch = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="designations"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.NOMINATED)
    reason = models.TextField(_("推荐理由"))
    # Dimension codes the branch is good at, stored as ",code,code," (portable tag filter).
    dimensions = models.CharField(_("特色维度"), max_length=300, blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    nominated_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)
    criteria_snapshot = models.JSONField(default=list, blank=True)  # the check at decision time
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    revoked_reason = models.TextField(_("撤销理由"), blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("示范/试点认定")
        verbose_name_plural = _("示范/试点认定")
        ordering = ["-nominated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "kind"],
                condition=Q(status__in=["nominated", "approved"]),
                name="designation_one_live_per_kind",
            )
        ]
        indexes = [models.Index(fields=["kind", "status", "valid_until"], name="designation_live")]

    def __str__(self):
        return f"{self.branch} · {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("designations:detail", args=[self.pk])

    @property
    def dimension_codes(self):
        return [code for code in self.dimensions.split(",") if code]


def designation_evidence_path(instance, filename):
    return f"designations/{instance.designation_id}/{filename}"


class DesignationEvidence(models.Model):
    designation = models.ForeignKey(Designation, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to=designation_evidence_path, validators=[validate_attachment])
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("认定佐证材料")
        verbose_name_plural = _("认定佐证材料")

    def __str__(self):
        return self.original_name


class DesignationReminder(models.Model):
    """Claim row: one notice per (designation, stage) of the expiry review."""

    designation = models.ForeignKey(Designation, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(max_length=16)  # "expiring" | "expired"
    claim = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["designation", "stage"], name="designation_reminder_once")
        ]

    def __str__(self):
        return f"{self.designation_id} · {self.stage}"


class Classification(models.Model):
    """A branch's class in one year. ``computed_grade`` is what the thresholds gave; ``grade``
    is the class in force (differs only after a staff override with a reason)."""

    class Grade(models.TextChoices):
        ADVANCED = "advanced", _("先进")
        MIDDLE = "middle", _("中间")
        LAGGING = "lagging", _("后进")

    RANK = {Grade.ADVANCED: 3, Grade.MIDDLE: 2, Grade.LAGGING: 1}

    branch = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="classifications"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    score = models.DecimalField(_("综合得分"), null=True, blank=True, **POINTS)
    computed_grade = models.CharField(_("测算类别"), max_length=10, choices=Grade.choices)
    grade = models.CharField(_("类别"), max_length=10, choices=Grade.choices)
    inputs = models.JSONField(default=dict, blank=True)  # review score, veto, observation, duty grade
    override_reason = models.CharField(_("调整理由"), max_length=300, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("分类定级")
        verbose_name_plural = _("分类定级")
        ordering = ["-year", "branch__path"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "year"], name="classification_once_per_year")
        ]
        indexes = [
            models.Index(fields=["year", "grade"], name="classification_year_grade"),
            # The overview lists a year's classes lowest score first, a page at a time.
            models.Index(fields=["year", "score", "branch"], name="classification_year_score"),
        ]

    def __str__(self):
        return f"{self.branch} · {self.year} · {self.get_grade_display()}"

    @property
    def is_overridden(self):
        return bool(self.override_reason)


class ClassificationChange(models.Model):
    """One staff change of a class: old → new and why. Never edited."""

    classification = models.ForeignKey(Classification, on_delete=models.CASCADE, related_name="changes")
    old_grade = models.CharField(max_length=10, choices=Classification.Grade.choices)
    new_grade = models.CharField(max_length=10, choices=Classification.Grade.choices)
    reason = models.CharField(max_length=300)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.classification_id}: {self.old_grade} → {self.new_grade}"


class FollowUp(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("跟进中")
        CLOSED = "closed", _("已转化销号")

    branch = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    classification = models.ForeignKey(
        Classification, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("后进定级")
    )
    contact_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("联系点领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_follow_ups",
    )
    contact_leader_name = models.CharField(_("联系点领导"), max_length=60)
    reassess_due = models.DateField(_("复评期限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    reassessed_score = models.DecimalField(_("复评得分"), null=True, blank=True, **POINTS)
    reassessed_grade = models.CharField(
        _("复评类别"), max_length=10, choices=Classification.Grade.choices, blank=True
    )
    reassessed_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.TextField(_("销号说明"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("后进支部跟进")
        verbose_name_plural = _("后进支部跟进")
        ordering = ["reassess_due", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch"], condition=Q(status="open"), name="follow_up_one_open_per_branch"
            )
        ]
        indexes = [models.Index(fields=["status", "reassess_due"], name="follow_up_due")]

    def __str__(self):
        return f"{self.branch} · {self.classification.year}"

    def get_absolute_url(self):
        return reverse("designations:follow-up", args=[self.pk])

    def is_overdue(self, today=None):
        return self.status == self.Status.OPEN and self.reassess_due < (today or timezone.localdate())


class CheckIn(models.Model):
    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="check_ins")
    held_on = models.DateField(_("日期"))
    note = models.TextField(_("情况记录"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("跟进记录")
        verbose_name_plural = _("跟进记录")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"{self.follow_up_id} · {self.held_on}"


class FollowUpReminder(models.Model):
    """Claim row: each (follow-up, stage) reminder is sent once. Stages: "reassess_soon",
    "reassess_overdue", "plan_overdue:<rectification item id>"."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(max_length=40)
    claim = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["follow_up", "stage"], name="follow_up_reminder_once")]

    def __str__(self):
        return f"{self.follow_up_id} · {self.stage}"
