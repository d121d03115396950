"""Organizational-life records (三会一课 and other activities) kept by a branch as they happen."""

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..uploads import ALLOWED_EXTENSIONS, upload_validator
from .org import Member, Organization, User

ALLOWED_ATTACHMENT_EXTENSIONS = ALLOWED_EXTENSIONS


def validate_attachment(file):
    """The portal's upload policy (branches/uploads.py): type by content, size limit."""
    upload_validator(file)


class Activity(models.Model):
    class Kind(models.TextChoices):
        ASSEMBLY = "assembly", _("支部党员大会")
        COMMITTEE = "committee", _("支部委员会")
        CELL = "cell", _("党小组会")
        LECTURE = "lecture", _("党课")
        THEME_DAY = "theme_day", _("主题党日")
        ORG_LIFE = "org_life", _("组织生活会")
        REVIEW = "review", _("民主评议党员")
        TALK = "talk", _("谈心谈话")
        STUDY = "study", _("集中学习")
        OTHER = "other", _("其他")

    branch = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="activities"
    )
    # Set for cell meetings only: LIFE-03 counts meetings per cell.
    cell = models.ForeignKey(
        Organization,
        verbose_name=_("党小组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cell_activities",
    )
    kind = models.CharField(_("活动类型"), max_length=16, choices=Kind.choices)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=120)
    chair = models.CharField(_("主持人"), max_length=50)
    recorder = models.CharField(_("记录人"), max_length=50)
    topic = models.CharField(_("主题"), max_length=200)
    summary = models.TextField(_("内容纪要"), blank=True)
    lecturer = models.CharField(_("授课人"), max_length=50, blank=True)
    expected_full = models.PositiveSmallIntegerField(_("应到正式党员"), default=0)
    expected_probationary = models.PositiveSmallIntegerField(_("应到预备党员"), default=0)
    present_full = models.PositiveSmallIntegerField(_("实到正式党员"), default=0)
    present_probationary = models.PositiveSmallIntegerField(_("实到预备党员"), default=0)
    leave_full = models.PositiveSmallIntegerField(_("请假正式党员"), default=0)
    leave_probationary = models.PositiveSmallIntegerField(_("请假预备党员"), default=0)
    absent_full = models.PositiveSmallIntegerField(_("缺席正式党员"), default=0)
    absent_probationary = models.PositiveSmallIntegerField(_("缺席预备党员"), default=0)
    absent_members = models.ManyToManyField(
        Member, verbose_name=_("缺席党员"), blank=True, related_name="absences"
    )
    # Entered more than the allowed working days after the meeting: accepted, but flagged.
    entered_late = models.BooleanField(_("补录"), default=False)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(m2m_fields=[absent_members])

    class Meta:
        verbose_name = _("组织生活记录")
        verbose_name_plural = _("组织生活记录")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["branch", "held_on"], name="activity_branch_date")]
        constraints = [
            # Attendance adds up, split by full and probationary members.
            models.CheckConstraint(
                condition=Q(expected_full=F("present_full") + F("leave_full") + F("absent_full")),
                name="activity_full_attendance_adds_up",
                violation_error_message=_("正式党员人数不符：应到人数须等于实到、请假、缺席人数之和。"),
            ),
            models.CheckConstraint(
                condition=Q(
                    expected_probationary=F("present_probationary")
                    + F("leave_probationary")
                    + F("absent_probationary")
                ),
                name="activity_probationary_attendance_adds_up",
                violation_error_message=_("预备党员人数不符：应到人数须等于实到、请假、缺席人数之和。"),
            ),
            models.CheckConstraint(
                condition=Q(kind="cell", cell__isnull=False) | ~Q(kind="cell") & Q(cell__isnull=True),
                name="activity_cell_only_for_cell_meetings",
                violation_error_message=_("党小组会须选择党小组，其他活动不选择党小组。"),
            ),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.get_kind_display()} {self.topic}"

    def get_absolute_url(self):
        return reverse("reports:activity-detail", args=[self.pk])

    @property
    def expected(self):
        return self.expected_full + self.expected_probationary

    @property
    def present(self):
        return self.present_full + self.present_probationary


class Decision(models.Model):
    """A matter voted on at a members' assembly, with the vote counts (LIFE-09)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="decisions")
    subject = models.CharField(_("表决事项"), max_length=200)
    votes_for = models.PositiveSmallIntegerField(_("赞成票"))
    votes_against = models.PositiveSmallIntegerField(_("反对票"), default=0)
    votes_abstain = models.PositiveSmallIntegerField(_("弃权票"), default=0)
    passed = models.BooleanField(_("表决通过"), default=True)

    class Meta:
        verbose_name = _("表决事项")
        verbose_name_plural = _("表决事项")
        ordering = ["pk"]

    def __str__(self):
        return self.subject

    @property
    def votes_cast(self):
        return self.votes_for + self.votes_against + self.votes_abstain


class ActivityAttachment(models.Model):
    class Kind(models.TextChoices):
        MINUTES = "minutes", _("会议记录")
        SIGN_IN = "sign_in", _("签到表")
        PHOTO = "photo", _("照片")
        OTHER = "other", _("其他材料")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("材料类型"), max_length=12, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to="activities/%Y/%m/", validators=[validate_attachment])
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动附件")
        verbose_name_plural = _("活动附件")
        ordering = ["kind", "pk"]

    def __str__(self):
        return self.original_name
