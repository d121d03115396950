"""Spreadsheet import jobs (the engine is ``branches/imports/engine.py``)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One uploaded workbook: parsed into a preview, then confirmed and written, or not.

    ``kind`` names the import spec (``onboarding``, ``training``); ``params`` is what the spec
    needs to know about the upload (the training event); ``preview`` and ``result`` are JSON
    written by the engine (see the engine's module docstring).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        PARSING = "parsing", _("正在校验")
        PREVIEW = "preview", _("待确认")
        APPLYING = "applying", _("正在导入")
        DONE = "done", _("已导入")
        FAILED = "failed", _("无法读取")
        CANCELLED = "cancelled", _("已取消")

    RUNNING = (Status.QUEUED, Status.PARSING, Status.APPLYING)

    kind = models.CharField(_("导入类型"), max_length=32)
    organization = models.ForeignKey(
        "branches.Organization",
        verbose_name=_("导入范围"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="import_jobs",
    )
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    message = models.TextField(_("说明"), blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)  # what the upload is for (spec's own)
    preview = models.JSONField(_("预览"), default=dict, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["uploaded_by", "-created_at"], name="importjob_user_created")]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("imports:job", args=[self.pk])

    @property
    def is_running(self):
        return self.status in self.RUNNING

    @property
    def label(self):
        """How history entries name this import: 表格导入 #12 (file.xlsx)."""
        return f"表格导入 #{self.pk} ({self.original_name})"[:100]
