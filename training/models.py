"""Training events, attendance, the per-member yearly hours roll-up, imports and reminder claims."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Member, Organization, Post


class TopicTag(models.Model):
    """Admin-editable topic list; ``is_standard`` marks training on the standard itself."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    is_standard = models.BooleanField(
        _("标准化规范化建设专题"),
        default=False,
        help_text=_("参加带此标签的培训即计为“书记参加了标准化建设专题培训”。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("培训专题标签")
        verbose_name_plural = _("培训专题标签")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name


class Tier(models.TextChoices):
    PROVINCIAL = "provincial", _("省级")
    UNIT = "unit", _("单位")
    BRANCH = "branch", _("支部")


# Which organizer kinds fit which tier (§9.2).
TIER_ORGANIZER_KINDS = {
    Tier.PROVINCIAL: (Organization.Kind.WORK_COMMITTEE,),
    Tier.UNIT: (Organization.Kind.UNIT_COMMITTEE, Organization.Kind.GENERAL_BRANCH),
    Tier.BRANCH: (Organization.Kind.BRANCH,),
}
# Concentrated training (集中培训) is what a committee above the branch runs; branch study is not.
CONCENTRATED_TIERS = (Tier.PROVINCIAL, Tier.UNIT)


class TrainingEvent(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("线下集中")
        ONLINE = "online", _("线上")

    class Audience(models.TextChoices):
        SECRETARIES = "secretaries", _("支部书记")
        COMMITTEE = "committee", _("支委委员")
        STAFF = "staff", _("党务干部")
        ALL_MEMBERS = "all_members", _("全体党员")

    tier = models.CharField(_("层级"), max_length=12, choices=Tier.choices)
    organizer = models.ForeignKey(
        Organization, verbose_name=_("主办组织"), on_delete=models.PROTECT, related_name="training_events"
    )
    title = models.CharField(_("培训名称"), max_length=120)
    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("结束日期"))
    hours = models.DecimalField(
        _("学时"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    mode = models.CharField(_("形式"), max_length=12, choices=Mode.choices, default=Mode.IN_PERSON)
    tags = models.ManyToManyField(TopicTag, verbose_name=_("专题"), blank=True, related_name="events")
    audience = models.CharField(_("对象"), max_length=16, choices=Audience.choices)
    has_test = models.BooleanField(_("有结业测试"), default=False)
    # Denormalized from the tags so coverage never joins the tag table.
    is_standard = models.BooleanField(_("标准化专题"), default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("培训班次")
        verbose_name_plural = _("培训班次")
        ordering = ["-start_on", "-pk"]
        indexes = [
            models.Index(fields=["organizer", "start_on"], name="training_event_org_start"),
            # Coverage reads the events of a tier ending in a window (provincial cycle, induction):
            # without it every coverage computation scans every event of every year.
            models.Index(fields=["tier", "end_on"], name="training_event_tier_end"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__gte=models.F("start_on")),
                name="training_event_ends_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_event_hours_positive"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("training:event-detail", args=[self.pk])

    @property
    def is_concentrated(self):
        return self.tier in CONCENTRATED_TIERS

    @property
    def year(self):
        return self.end_on.year


class Attendance(models.Model):
    """A person enrolled in an event; ``status`` attended credits ``hours_credited``."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("已报名")
        ATTENDED = "attended", _("已参加")
        ABSENT = "absent", _("缺席")

    class Source(models.TextChoices):
        MANUAL = "manual", _("手工录入")
        IMPORT = "import", _("签到表导入")

    event = models.ForeignKey(TrainingEvent, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="training_attendances")
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ENROLLED)
    hours_credited = models.DecimalField(_("认定学时"), max_digits=5, decimal_places=1, default=0)
    passed = models.BooleanField(_("测试通过"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("参训记录")
        verbose_name_plural = _("参训记录")
        ordering = ["member__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="attendance_once_per_event"),
            models.CheckConstraint(condition=Q(hours_credited__gte=0), name="attendance_hours_not_negative"),
        ]
        indexes = [models.Index(fields=["member", "status"], name="attendance_member_status")]

    def __str__(self):
        return f"{self.member} · {self.event}"


class MemberYearHours(models.Model):
    """Roll-up per (member, year, tier) of attended training, kept by the attendance services.

    ``tier`` "all" sums every tier. Coverage pages read these rows (one per member and year)
    instead of summing attendance, so a province-wide page stays one grouped query.
    """

    ALL = "all"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="training_years")
    year = models.PositiveSmallIntegerField()
    tier = models.CharField(max_length=12)
    hours = models.DecimalField(max_digits=6, decimal_places=1, default=0)
    concentrated = models.PositiveSmallIntegerField(default=0)  # attended concentrated sessions
    standard = models.BooleanField(default=False)  # attended training on the standard

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "year", "tier"], name="member_year_hours_once"),
        ]
        # Covering index: coverage pages read (year, tier) rows with index-only scans.
        indexes = [
            models.Index(
                fields=["year", "tier", "member"],
                include=["hours", "concentrated", "standard"],
                name="member_year_hours_cover",
            )
        ]

    def __str__(self):
        return f"{self.member_id} {self.year} {self.tier}: {self.hours}"


class SecretaryTrainingReminder(models.Model):
    """Claim that a new secretary's reminder stage went out; unique per (member, stage)."""

    class Stage(models.TextChoices):
        REMINDER = "reminder", _("未参加任职培训提醒")
        SUPERVISION = "supervision", _("未参加任职培训督办")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="training_reminders")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="training_reminders")
    stage = models.CharField(max_length=12, choices=Stage.choices)
    claim = models.UUIDField(default=uuid.uuid4)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "stage"], name="secretary_training_reminder_once"),
        ]

    def __str__(self):
        return f"{self.member_id} {self.stage}"
