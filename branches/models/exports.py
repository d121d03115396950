"""Background Excel exports (the machinery is ``branches/exportjobs/``)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    """One large list export written by a Celery worker, downloadable by its requester only
    until ``expires_at`` (then the periodic cleanup deletes the row and the file).

    ``kind`` names a registered export (``branches/exportjobs/registry.py``); ``params`` is what
    it needs to rebuild the same rows (the list's query string, the organization).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("正在生成")
        DONE = "done", _("已生成")
        FAILED = "failed", _("生成失败")

    RUNNING = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(_("导出类型"), max_length=48)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    title = models.CharField(_("名称"), max_length=200)
    filename = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to="exports/%Y/%m/", blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("行数"), default=0)
    done_rows = models.PositiveIntegerField(_("已写行数"), default=0)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("保留至"), db_index=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("exports:job", args=[self.pk])

    @property
    def is_running(self):
        return self.status in self.RUNNING

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.done_rows * 100 // self.total) if self.total else 0
