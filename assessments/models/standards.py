"""Editions of the standard (dimensions → items, tiers) and the reviews scored against them.

An edition is edited while it is a draft and frozen once published; a review is pinned to the
edition it started on, so later editions never change old scores.
"""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Mod
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.models import Organization

POINTS = {"max_digits": 5, "decimal_places": 1}


def half_step(field):
    """Database check that a decimal is a multiple of 0.5 (half points allowed, no finer)."""
    return Exact(Mod(F(field) * 2, 1), 0)


class Edition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    name = models.CharField(_("版本名称"), max_length=80)
    year = models.PositiveSmallIntegerField(_("适用年度"))
    total_points = models.DecimalField(_("总分"), default=100, **POINTS)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("复制自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clones",
    )
    notes = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("标准版本")
        verbose_name_plural = _("标准版本")
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="edition_name_unique"),
            models.CheckConstraint(condition=Q(total_points__gt=0), name="edition_total_positive"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("assessments:edition-detail", args=[self.pk])

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT


class Dimension(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="dimensions")
    code = models.CharField(_("标识"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    max_points = models.DecimalField(_("分值"), **POINTS)

    class Meta:
        verbose_name = _("维度")
        verbose_name_plural = _("维度")
        ordering = ["edition", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="dimension_code_unique"),
            models.CheckConstraint(condition=Q(max_points__gte=0), name="dimension_points_nonnegative"),
        ]

    def __str__(self):
        return self.name


class Item(models.Model):
    class Mode(models.TextChoices):
        AUTO = "auto", _("自动计算")
        SEMI = "semi", _("计算后确认")
        MANUAL = "manual", _("人工评分")

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="items")
    dimension = models.ForeignKey(
        Dimension, verbose_name=_("维度"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField(_("编号"), max_length=20)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    requirement = models.TextField(_("要求"))
    requirement_en = models.TextField(
        _("英文要求"), blank=True, help_text=_("英文界面显示；留空时显示中文要求。")
    )
    points = models.DecimalField(_("分值"), **POINTS)
    evidence = models.CharField(_("佐证材料"), max_length=200, blank=True)
    mode = models.CharField(_("评分方式"), max_length=8, choices=Mode.choices, default=Mode.MANUAL)
    rule_key = models.CharField(_("规则标识"), max_length=60, blank=True)
    # A veto item (一票否决) forces the lowest tier when triggered, whatever the total.
    is_veto = models.BooleanField(_("一票否决项"), default=False)

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["dimension__order", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="item_code_unique"),
            models.CheckConstraint(condition=Q(points__gte=0), name="item_points_nonnegative"),
            models.CheckConstraint(
                condition=Q(mode="manual") | ~Q(rule_key=""), name="item_computed_needs_rule"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.requirement[:30]}"

    @property
    def is_computed(self):
        return self.mode != self.Mode.MANUAL

    @property
    def requirement_text(self):
        """The requirement in the active language (the Chinese text when no English one is set)."""
        if self.requirement_en and (get_language() or "").startswith("en"):
            return self.requirement_en
        return self.requirement


class Tier(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="tiers")
    code = models.CharField(_("标识"), max_length=30)
    name = models.CharField(_("名称"), max_length=30)
    min_score = models.DecimalField(_("最低分"), **POINTS)

    class Meta:
        verbose_name = _("等次")
        verbose_name_plural = _("等次")
        ordering = ["edition", "-min_score"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "code"], name="tier_code_unique"),
            models.UniqueConstraint(fields=["edition", "min_score"], name="tier_cutoff_unique"),
        ]

    def __str__(self):
        return self.name


class Review(models.Model):
    class Kind(models.TextChoices):
        SELF = "self", _("支部自评")
        UNIT = "unit", _("机关党委评审")
        PROVINCIAL = "provincial", _("省直机关工委评审")

    class Status(models.TextChoices):
        DRAFT = "draft", _("评分中")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("已退回")
        FINALIZED = "finalized", _("已定稿")

    class PeriodKind(models.TextChoices):
        YEAR = "year", _("年度")
        HALF = "half", _("半年")
        QUARTER = "quarter", _("季度")

    EDITABLE = (Status.DRAFT, Status.RETURNED)

    branch = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="reviews"
    )
    edition = models.ForeignKey(
        Edition, verbose_name=_("标准版本"), on_delete=models.PROTECT, related_name="reviews"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    period_kind = models.CharField(
        _("周期"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.YEAR
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    period_no = models.PositiveSmallIntegerField(_("期次"), default=1)  # half 1–2, quarter 1–4
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    return_comment = models.TextField(_("退回意见"), blank=True)
    scorers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("评分人"), blank=True)
    # Optimistic lock: every save of scores bumps it; a save with a stale version is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    # The result as finalized (sum of the item scores, any veto triggered), stored by the
    # services so that rankings read it instead of summing every score of the period. Set
    # exactly while the review is finalized; drafts compute theirs from the scores on read.
    final_total = models.DecimalField(_("定稿总分"), null=True, blank=True, max_digits=6, decimal_places=1)
    final_vetoed = models.BooleanField(_("定稿时触发一票否决"), null=True, blank=True)
    # Derived figures, like the version: not audit history of their own.
    history = HistoricalRecords(excluded_fields=["version", "final_total", "final_vetoed"])

    class Meta:
        verbose_name = _("评审记录")
        verbose_name_plural = _("评审记录")
        ordering = ["-year", "branch__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "kind", "period_kind", "year", "period_no"], name="review_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_kind="year", period_no=1)
                | Q(period_kind="half", period_no__gte=1, period_no__lte=2)
                | Q(period_kind="quarter", period_no__gte=1, period_no__lte=4),
                name="review_period_no_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="finalized", final_total__isnull=False, final_vetoed__isnull=False)
                | ~Q(status="finalized") & Q(final_total__isnull=True, final_vetoed__isnull=True),
                name="review_result_stored_iff_finalized",
            ),
        ]
        indexes = [models.Index(fields=["kind", "year", "status"], name="review_kind_year")]

    def __str__(self):
        return f"{self.branch} · {self.period_label} · {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("assessments:review-detail", args=[self.pk])

    @property
    def is_editable(self):
        return self.status in self.EDITABLE

    @property
    def period_label(self):
        return period_label(self.period_kind, self.year, self.period_no)

    @property
    def period_start(self):
        months = {"year": 12, "half": 6, "quarter": 3}[self.period_kind]
        return date(self.year, 1, 1) + relativedelta(months=months * (self.period_no - 1))

    @property
    def period_end(self):
        months = {"year": 12, "half": 6, "quarter": 3}[self.period_kind]
        return self.period_start + relativedelta(months=months, days=-1)


def period_label(kind, year, number):
    if kind == Review.PeriodKind.HALF:
        return _("%(year)d年%(half)s") % {"year": year, "half": _("上半年") if number == 1 else _("下半年")}
    if kind == Review.PeriodKind.QUARTER:
        return _("%(year)d年第%(q)d季度") % {"year": year, "q": number}
    return _("%(year)d年度") % {"year": year}


class ItemScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="scores")
    score = models.DecimalField(_("得分"), null=True, blank=True, **POINTS)  # null = not scored yet
    # What the rule computed (AUTO/SEMI); null with ``rule_detail`` set means "no data yet".
    auto_score = models.DecimalField(_("系统计算分"), null=True, blank=True, **POINTS)
    rule_detail = models.CharField(_("计算说明"), max_length=300, blank=True)
    comment = models.TextField(_("评语"), blank=True)
    override_reason = models.CharField(_("调整理由"), max_length=300, blank=True)
    veto_triggered = models.BooleanField(_("触发一票否决"), default=False)
    auto_veto = models.BooleanField(_("系统判定否决"), default=False)  # the rule's verdict, kept apart
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评分项得分")
        verbose_name_plural = _("评分项得分")
        # "Did any item veto this review?" reads a few rows instead of every score.
        indexes = [
            models.Index(fields=["review"], name="item_score_vetoed", condition=Q(veto_triggered=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["review", "item"], name="item_score_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0) & half_step("score"),
                name="item_score_half_points",
            ),
        ]

    def __str__(self):
        return f"{self.item.code}: {self.score}"


class ScoreChange(models.Model):
    """One change of one item's score: who, when, old → new, why. Never edited."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="changes")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    old_score = models.DecimalField(null=True, **POINTS)
    new_score = models.DecimalField(null=True, **POINTS)
    reason = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("得分变更")
        verbose_name_plural = _("得分变更")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.item.code}: {self.old_score} → {self.new_score}"


def evidence_path(instance, filename):
    return f"evidence/{instance.review.branch_id}/{instance.review_id}/{filename}"


class Evidence(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="evidence")
    item = models.ForeignKey(Item, verbose_name=_("评分项"), on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("文件"), upload_to=evidence_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["item", "pk"]

    def __str__(self):
        return self.original_name
