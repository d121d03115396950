"""Indicator snapshots (what the dashboards read), their change log, and the yearly targets."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.models import Organization


class Snapshot(models.Model):
    """One indicator's value for one organization and period.

    ``value`` null is never stored: an indicator without data for a period simply has no row,
    which the pages show as 暂无数据.
    """

    class PeriodKind(models.TextChoices):
        QUARTER = "quarter", _("季度")
        YEAR = "year", _("年度")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="indicator_snapshots"
    )
    period_kind = models.CharField(_("周期"), max_length=8, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    period_no = models.PositiveSmallIntegerField(_("期次"), default=1)
    indicator = models.CharField(_("指标"), max_length=60)
    value = models.FloatField(_("值"))
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    sample = models.PositiveIntegerField(_("样本数"), default=0)  # branches behind the value
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("指标快照")
        verbose_name_plural = _("指标快照")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "period_kind", "year", "period_no", "indicator"],
                name="snapshot_once_per_org_period_indicator",
            ),
            models.CheckConstraint(
                condition=Q(period_kind="year", period_no=1)
                | Q(period_kind="quarter", period_no__gte=1, period_no__lte=4),
                name="snapshot_period_no_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["period_kind", "year", "period_no", "indicator"], name="snapshot_period"),
        ]

    def __str__(self):
        return f"{self.organization_id} {self.year}/{self.period_kind}{self.period_no} {self.indicator}"


class SnapshotChange(models.Model):
    """A closed period's value changed by a deliberate rebuild (old → new)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    period_kind = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    period_no = models.PositiveSmallIntegerField()
    indicator = models.CharField(max_length=60)
    old_value = models.FloatField(null=True)
    new_value = models.FloatField(null=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("快照变更记录")
        verbose_name_plural = _("快照变更记录")
        ordering = ["-changed_at", "pk"]

    def __str__(self):
        return f"{self.indicator} {self.year}: {self.old_value} → {self.new_value}"


class Target(models.Model):
    """An admin-set target for one indicator and year, judged on each organization's value."""

    class Kind(models.TextChoices):
        VALUE = "value", _("达到目标值")
        IMPROVE = "improve", _("好于上年")

    indicator = models.CharField(_("指标"), max_length=60)
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("目标类型"), max_length=10, choices=Kind.choices, default=Kind.VALUE)
    value = models.FloatField(_("目标值"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # Who set or changed which target when (the in-portal targets page shows it).
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        ordering = ["-year", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="target_once_per_indicator_year"),
            models.CheckConstraint(
                condition=Q(kind="improve") | Q(value__isnull=False),
                name="target_value_required",
                violation_error_message=_("“达到目标值”类型必须填写目标值。"),
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.year}"
