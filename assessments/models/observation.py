"""Cross-observation rounds (交叉观摩) by 述·看·查·问·评 (domain.md §8).

A round pins an edition; participating units sit in groups, group ``n`` observes group ``n+1``
(the last observes the first), so no unit observes itself or its own group. Visits go to a
random but reproducible sample of each host unit's branches; each team member scores on their
own rows (so two observers saving at once never overwrite each other) and publication stores
the aggregated result per visit.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches.models import Member, Organization, RectificationItem

from .standards import POINTS, Edition, Item, half_step


class ObservationRound(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        GROUPS_FIXED = "groups_fixed", _("分组已确定")
        SCHEDULED = "scheduled", _("观摩已排期")
        IN_PROGRESS = "in_progress", _("观摩进行中")
        PUBLISHED = "published", _("结果已发布")
        CLOSED = "closed", _("已结束")

    ORDER = [s.value for s in Status]

    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=120)
    edition = models.ForeignKey(
        Edition, verbose_name=_("评分标准版本"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    branches_per_unit = models.PositiveSmallIntegerField(_("每单位抽取支部数"), default=2)
    # Bounds of a group's size, copied from policy when the round is created (editable per round).
    group_min_units = models.PositiveSmallIntegerField(_("每组最少单位数"), default=5)
    group_max_units = models.PositiveSmallIntegerField(_("每组最多单位数"), default=8)
    window_start = models.DateField(_("观摩开始日期"))
    window_end = models.DateField(_("观摩结束日期"))
    # Keys of the mandatory-sample sources applied (lagging, failed review, renewal overdue, …).
    mandatory_keys = models.JSONField(_("必查来源"), default=list, blank=True)
    # The seed of the branch sample: stored and shown so anyone can redraw the same sample.
    sample_seed = models.BigIntegerField(_("抽样种子"), null=True, blank=True)
    sampled_at = models.DateTimeField(_("抽样时间"), null=True, blank=True)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("交叉观摩")
        verbose_name_plural = _("交叉观摩")
        ordering = ["-year", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gte=models.F("window_start")), name="obs_round_window"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("observation:round-detail", args=[self.pk])

    @property
    def is_open(self):
        """Team members keep their read grants while the round is not closed."""
        return self.status != self.Status.CLOSED

    @property
    def stage(self):
        return self.ORDER.index(self.status)


class ObservationGroup(models.Model):
    round = models.ForeignKey(ObservationRound, on_delete=models.CASCADE, related_name="groups")
    number = models.PositiveSmallIntegerField(_("组号"))
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组长"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("观摩组")
        verbose_name_plural = _("观摩组")
        ordering = ["round", "number"]
        constraints = [models.UniqueConstraint(fields=["round", "number"], name="obs_group_number_once")]

    def __str__(self):
        return _("第%(n)d组") % {"n": self.number}


class RoundUnit(models.Model):
    """A participating unit (机关党委) and the group it sits in."""

    round = models.ForeignKey(ObservationRound, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(
        ObservationGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    # The unit's observer (an organ-committee officer) sent on its group's visits.
    observer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("观摩员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Snapshot of the size used for balancing (branches, members) at proposal time.
    branch_count = models.PositiveIntegerField(default=0)
    member_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("参加单位")
        verbose_name_plural = _("参加单位")
        ordering = ["round", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="obs_round_unit_once")]

    def __str__(self):
        return str(self.unit)


class ObserverDeclaration(models.Model):
    """Conflict of interest declared by an observer (e.g. recently worked in the host unit)."""

    round = models.ForeignKey(ObservationRound, on_delete=models.CASCADE, related_name="declarations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        Organization, verbose_name=_("相关单位"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("说明"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("利益冲突申报")
        verbose_name_plural = _("利益冲突申报")
        constraints = [models.UniqueConstraint(fields=["round", "user", "unit"], name="obs_declaration_once")]

    def __str__(self):
        return f"{self.user} · {self.unit}"


class SampledBranch(models.Model):
    class Reason(models.TextChoices):
        RANDOM = "random", _("随机抽取")
        MANDATORY = "mandatory", _("必查")

    round = models.ForeignKey(ObservationRound, on_delete=models.CASCADE, related_name="sample")
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("入选方式"), max_length=12, choices=Reason.choices)
    # Why a branch is mandatory (labels of the mandatory sources that named it).
    note = models.CharField(_("说明"), max_length=200, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("抽样支部")
        verbose_name_plural = _("抽样支部")
        ordering = ["round", "unit__path", "order"]
        constraints = [models.UniqueConstraint(fields=["round", "branch"], name="obs_sample_once")]

    def __str__(self):
        return str(self.branch)


class Visit(models.Model):
    class Kind(models.TextChoices):
        REGULAR = "regular", _("观摩")
        REINSPECTION = "reinspection", _("复查")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("已排期")
        SUBMITTED = "submitted", _("已提交")
        CLOSED = "closed", _("已办结")

    class Label(models.TextChoices):
        ADVANCED = "advanced", _("先进")
        MIDDLE = "middle", _("中间")
        LAGGING = "lagging", _("后进")

    round = models.ForeignKey(ObservationRound, on_delete=models.CASCADE, related_name="visits")
    kind = models.CharField(_("类型"), max_length=14, choices=Kind.choices, default=Kind.REGULAR)
    branch = models.ForeignKey(
        Organization, verbose_name=_("被观摩支部"), on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(
        ObservationGroup, verbose_name=_("观摩组"), null=True, on_delete=models.PROTECT, related_name="visits"
    )
    host_group = models.ForeignKey(
        ObservationGroup, null=True, on_delete=models.PROTECT, related_name="hosted_visits"
    )
    date = models.DateField(_("日期"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=120, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    reinspection_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="reinspection"
    )
    due_by = models.DateField(_("最迟完成日期"), null=True, blank=True)
    outcome = models.TextField(_("复查结论"), blank=True)
    # 述: briefing notes and slides uploaded by the host secretary or the team.
    briefing_note = models.TextField(_("汇报要点"), blank=True)
    briefing_file = models.FileField(_("汇报材料"), upload_to="observation/briefings/%Y/", blank=True)
    # 查 and 问: random draws stored once so the pick can be shown and never redrawn quietly.
    sample_months = models.JSONField(_("抽查月份"), default=list, blank=True)
    interviewees = models.JSONField(_("访谈党员"), default=list, blank=True)
    draw_seed = models.BigIntegerField(null=True, blank=True)
    # 评: the leader's comment.
    strengths = models.TextField(_("亮点"), blank=True)
    problems_text = models.TextField(_("问题"), blank=True)
    # Results stored at publication (aggregates only).
    observed_total = models.DecimalField(_("观摩得分"), null=True, blank=True, max_digits=6, decimal_places=2)
    reference_total = models.DecimalField(
        _("自评/系统分"), null=True, blank=True, max_digits=6, decimal_places=2
    )
    committee_total = models.DecimalField(
        _("党委评审分"), null=True, blank=True, max_digits=6, decimal_places=2
    )
    year_round_total = models.DecimalField(
        _("平时数据分"), null=True, blank=True, max_digits=6, decimal_places=2
    )
    annual_score = models.DecimalField(
        _("年度标准化得分"), null=True, blank=True, max_digits=6, decimal_places=2
    )
    tier = models.CharField(_("等次"), max_length=30, blank=True)
    label = models.CharField(_("类别"), max_length=10, choices=Label.choices, blank=True)
    rank_group = models.PositiveIntegerField(_("组内排名"), null=True, blank=True)
    rank_overall = models.PositiveIntegerField(_("总排名"), null=True, blank=True)
    observers_count = models.PositiveSmallIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("观摩走访")
        verbose_name_plural = _("观摩走访")
        ordering = ["round", "date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "branch"], condition=Q(kind="regular"), name="obs_visit_once_per_branch"
            ),
        ]
        indexes = [
            models.Index(fields=["round", "group"], name="obs_visit_group"),
            models.Index(fields=["branch", "kind"], name="obs_visit_branch"),
        ]

    def __str__(self):
        return f"{self.branch} · {self.date or '—'}"

    def get_absolute_url(self):
        return reverse("observation:visit-detail", args=[self.pk])


class VisitMember(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("组长")
        OBSERVER = "observer", _("观摩员")
        SECRETARY = "secretary", _("秘书")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="observation_visits"
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    unit = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("观摩组成员")
        verbose_name_plural = _("观摩组成员")
        ordering = ["visit", "role", "pk"]
        constraints = [models.UniqueConstraint(fields=["visit", "user"], name="obs_team_member_once")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"

    @property
    def scores(self):
        return self.role in (self.Role.LEADER, self.Role.OBSERVER)


class VisitReminder(models.Model):
    """One reminder (days before) sent for a visit: the unique row is the send claim."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    visit_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    claim = models.UUIDField(null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("观摩提醒")
        verbose_name_plural = _("观摩提醒")
        constraints = [
            models.UniqueConstraint(fields=["visit", "visit_date", "days_before"], name="obs_reminder_once")
        ]

    def __str__(self):
        return f"{self.visit} -{self.days_before}d"


class LookCheck(models.Model):
    """看: one MANUAL item checked on site (shared by the team)."""

    class Result(models.TextChoices):
        PASS = "pass", _("符合")
        PARTLY = "partly", _("部分符合")
        FAIL = "fail", _("不符合")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="looks")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("结果"), max_length=8, choices=Result.choices, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="obs_look_once")]

    def __str__(self):
        return f"{self.item.code}: {self.result}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # A plain upload path (no callable), so the migration imports no application code.
    file = models.FileField(_("照片"), upload_to="observation/photos/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.file.name


class RecordCheck(models.Model):
    """查: one sampled month's records checked against the paper originals."""

    class Result(models.TextChoices):
        MATCHES = "matches", _("一致")
        MISMATCH = "mismatch", _("不一致")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="record_checks")
    month = models.CharField(_("月份"), max_length=7)  # YYYY-MM
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices, blank=True)
    comment = models.CharField(_("说明"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "month"], name="obs_record_check_once")]

    def __str__(self):
        return f"{self.month}: {self.result}"


class InterviewQuestion(models.Model):
    """问: the admin-editable question bank."""

    text = models.CharField(_("问题"), max_length=200)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("访谈问题")
        verbose_name_plural = _("访谈问题")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.text


class InterviewAnswer(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="answers")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    question = models.ForeignKey(InterviewQuestion, on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField(_("通过"), null=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visit", "member", "question"], name="obs_answer_once")
        ]

    def __str__(self):
        return f"{self.member} · {self.question}"


class VisitItem(models.Model):
    """An item's computed score for the host branch (AUTO/SEMI) and, after publication, the
    aggregated observed score (trimmed mean of the observers)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    auto_score = models.DecimalField(null=True, blank=True, **POINTS)
    detail = models.CharField(max_length=300, blank=True)
    score = models.DecimalField(_("观摩得分"), null=True, blank=True, max_digits=6, decimal_places=2)
    scored_by = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="obs_visit_item_once")]

    def __str__(self):
        return f"{self.item.code}: {self.score}"


class ObserverScore(models.Model):
    """评: one observer's score of one item. Rows are per observer, so saves never collide."""

    member = models.ForeignKey(VisitMember, on_delete=models.CASCADE, related_name="scores_given")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("得分"), null=True, blank=True, **POINTS)
    reason = models.CharField(_("调整理由"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "item"], name="obs_observer_score_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0) & half_step("score"),
                name="obs_observer_score_half_points",
            ),
        ]

    def __str__(self):
        return f"{self.item.code}: {self.score}"


class Rectification(models.Model):
    """A problem the group leader found on a visit. At publication it becomes an item of the
    shared rectification tracker (source: observation visit), where it is worked and verified."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="rectifications")
    branch = models.ForeignKey(
        Organization, verbose_name=_("责任支部"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("问题"), max_length=300)
    deadline = models.DateField(_("整改期限"))
    tracker_item = models.OneToOneField(
        RectificationItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="observation_problem",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("观摩发现问题")
        verbose_name_plural = _("观摩发现问题")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["branch", "deadline"], name="obs_problem_branch")]

    def __str__(self):
        return self.description
