"""述职评议: secretaries' annual report on their Party-building duties and its evaluation.

A cycle belongs to the organization of the level above (a unit committee for its branch
secretaries, the work committee for unit-committee secretaries). Each reporting organization
gets one report row, also when its secretary post is vacant. Raters receive one-use ballots.

Anonymity: ``DutyBallot`` (the "has voted" mark) and ``DutyVote`` (the grades) share no key.
A vote row has a random UUID key, no reference to a ballot, rater or user, and no timestamp,
so neither a join nor an ordering by time can tie a grade to a person; casting rewrites the
cycle's votes in random order and touches every used ballot, so PostgreSQL's transaction ids
and physical row order do not pair them either (services._store_votes_unlinkably).
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.models.activities import validate_attachment


class Grade(models.TextChoices):
    GOOD = "good", _("好")
    FAIRLY_GOOD = "fairly_good", _("较好")
    AVERAGE = "average", _("一般")
    POOR = "poor", _("差")


LOW_GRADES = (Grade.AVERAGE, Grade.POOR)


class DutyCycle(models.Model):
    class Level(models.TextChoices):
        BRANCH = "branch", _("党支部书记向机关党委述职")
        UNIT = "unit", _("机关党委书记向省直机关工委述职")

    class Status(models.TextChoices):
        OPEN = "open", _("撰写述职报告")
        VOTING = "voting", _("评议测评中")
        CLOSED = "closed", _("测评结束")
        PUBLISHED = "published", _("结果已发布")

    year = models.PositiveSmallIntegerField(_("年度"))
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("组织评议的党组织"),
        on_delete=models.PROTECT,
        related_name="duty_cycles",
    )
    outline = models.TextField(_("述职要点"), help_text=_("每行一个标题，述职报告按这些标题撰写。"))
    due_on = models.DateField(_("报告提交截止日期"))
    meeting_on = models.DateField(_("述职评议会议日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # Weights, thresholds and minimum turnout frozen when the cycle is tallied for publication.
    tally_policy = models.JSONField(default=dict, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("述职评议")
        verbose_name_plural = _("述职评议")
        ordering = ["-year", "organization__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "level", "organization"],
                name="duty_cycle_once_per_year",
                violation_error_message=_("该组织本年度已开启同一层级的述职评议。"),
            ),
            models.CheckConstraint(
                condition=Q(meeting_on__gte=models.F("due_on")), name="duty_meeting_after_due"
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.organization} {self.get_level_display()}"

    def get_absolute_url(self):
        return reverse("duty_review:cycle-detail", args=[self.pk])

    @property
    def headings(self):
        return [line.strip() for line in self.outline.splitlines() if line.strip()]


class DutyReport(models.Model):
    class Status(models.TextChoices):
        VACANT = "vacant", _("书记空缺")
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("已退回")

    EDITABLE = (Status.DRAFT, Status.RETURNED)

    cycle = models.ForeignKey(DutyCycle, on_delete=models.CASCADE, related_name="reports")
    organization = models.ForeignKey(
        Organization, verbose_name=_("述职组织"), on_delete=models.PROTECT, related_name="duty_reports"
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("书记账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duty_reports",
    )
    secretary_name = models.CharField(_("书记"), max_length=50, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # [{"heading": ..., "text": ...}] in the outline's order.
    sections = models.JSONField(default=list, blank=True)
    # Facts of the year gathered when the report was created (the secretary may edit the text).
    facts = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    return_comment = models.TextField(_("退回意见"), blank=True)
    # Result, written when the cycle is tallied.
    vote_count = models.PositiveIntegerField(_("有效票数"), default=0)
    composite = models.DecimalField(_("综合得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    computed_grade = models.CharField(_("计算等次"), max_length=12, choices=Grade.choices, blank=True)
    override_grade = models.CharField(_("调整等次"), max_length=12, choices=Grade.choices, blank=True)
    override_reason = models.CharField(_("调整理由"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("述职报告")
        verbose_name_plural = _("述职报告")
        ordering = ["cycle", "organization__path"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "organization"], name="duty_report_once_per_cycle"),
            models.CheckConstraint(
                condition=Q(override_grade="") | ~Q(override_reason=""),
                name="duty_override_has_reason",
                violation_error_message=_("调整等次必须填写理由。"),
            ),
        ]
        indexes = [models.Index(fields=["secretary", "cycle"], name="duty_report_secretary")]

    def __str__(self):
        return f"{self.organization} {self.cycle.year}"

    def get_absolute_url(self):
        return reverse("duty_review:report-detail", args=[self.pk])

    @property
    def grade(self):
        return self.override_grade or self.computed_grade

    def get_grade_display(self):
        return Grade(self.grade).label if self.grade else ""


def duty_attachment_path(instance, filename):
    return f"duty_review/{instance.report.cycle.year}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class DutyAttachment(models.Model):
    report = models.ForeignKey(DutyReport, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=duty_attachment_path, validators=[validate_attachment])
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("述职附件")
        verbose_name_plural = _("述职附件")
        ordering = ["pk"]

    def __str__(self):
        return self.original_name


class DutyComment(models.Model):
    """点评 by a leader of the level above, one or more per report."""

    report = models.ForeignKey(DutyReport, on_delete=models.CASCADE, related_name="comments")
    commenter_name = models.CharField(_("点评人"), max_length=50)
    text = models.TextField(_("点评意见"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("述职点评")
        verbose_name_plural = _("述职点评")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.commenter_name}: {self.text[:20]}"


class DutyRater(models.Model):
    class Category(models.TextChoices):
        COMMITTEE = "committee", _("党委委员")
        SECRETARY = "secretary", _("支部书记")
        REPRESENTATIVE = "representative", _("党员代表")

    cycle = models.ForeignKey(DutyCycle, on_delete=models.CASCADE, related_name="raters")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=50)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)

    class Meta:
        verbose_name = _("测评人")
        verbose_name_plural = _("测评人")
        ordering = ["category", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "user"],
                condition=Q(user__isnull=False),
                name="duty_rater_user_once",
                violation_error_message=_("该用户已在测评人名单中。"),
            ),
        ]

    def __str__(self):
        return self.name


class DutyBallot(models.Model):
    """A one-use ballot: the personal ballot of a listed rater, or a sheet code for a meeting.

    ``used`` is the "has voted" mark. Deliberately no timestamp: it would let anyone order
    ballots and votes side by side.
    """

    cycle = models.ForeignKey(DutyCycle, on_delete=models.CASCADE, related_name="ballots")
    rater = models.OneToOneField(
        DutyRater, null=True, blank=True, on_delete=models.CASCADE, related_name="ballot"
    )
    code = models.CharField(_("票码"), max_length=16, unique=True)
    used = models.BooleanField(_("已投票"), default=False)

    class Meta:
        verbose_name = _("测评票")
        verbose_name_plural = _("测评票")
        ordering = ["pk"]

    def __str__(self):
        return self.code

    def get_absolute_url(self):
        return reverse("duty_review:ballot", args=[self.code])


class DutyVote(models.Model):
    """One grade for one report. No key, ordering or time that leads back to a ballot."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    report = models.ForeignKey(DutyReport, on_delete=models.CASCADE, related_name="votes")
    grade = models.CharField(max_length=12, choices=Grade.choices)

    class Meta:
        verbose_name = _("测评票结果")
        verbose_name_plural = _("测评票结果")
        indexes = [models.Index(fields=["report", "grade"], name="duty_vote_report_grade")]

    def __str__(self):
        return self.get_grade_display()


class DutyReminder(models.Model):
    """The unique row is the claim: each (report, stage) reminder is sent once."""

    class Stage(models.TextChoices):
        BEFORE = "before", _("截止前提醒")
        DUE = "due", _("截止日提醒")

    report = models.ForeignKey(DutyReport, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("述职提醒")
        verbose_name_plural = _("述职提醒")
        constraints = [models.UniqueConstraint(fields=["report", "stage"], name="duty_reminder_once")]

    def __str__(self):
        return f"{self.report} {self.stage}"
