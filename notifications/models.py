"""Notices shown in the notification centre and the email outbox that delivers them.

The notice table is the one ``branches`` created (``branches_notification``); the model moved
here with state-only migrations, so rows and constraints are unchanged.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """In-app notice. ``dedupe_key`` makes each notice land once per recipient.

    ``kind`` + ``params`` are rendered at display time from the registered notice type (so an
    English UI shows English text); ``title``/``body`` hold the Chinese text rendered at send
    time and are the fallback for old rows and unknown kinds.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类别"), max_length=40)
    params = models.JSONField(_("参数"), null=True, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    organization = models.ForeignKey(
        "branches.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    dedupe_key = models.CharField(max_length=120)
    requires_ack = models.BooleanField(_("需确认"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "branches_notification"
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notification_once"),
        ]

    def __str__(self):
        return self.title

    def _rendered(self):
        from .registry import render

        return render(self.kind, self.params, fallback=(self.title, self.body))

    @property
    def display_title(self):
        return self._rendered()[0]

    @property
    def display_body(self):
        return self._rendered()[1]


class OutboxEmail(models.Model):
    """One email to send, written in the same transaction as its notice.

    A notice's email stores no text of its own: it points at its ``notification`` (whose stored
    Chinese title and body are the mail's text) and is rendered when it is sent, a batch at a
    time. ``subject``/``body_text``/``body_html`` hold the text of rows written before that
    (sent as stored).

    ``deliver_outbox`` claims rows with a conditional UPDATE (pending -> sending), sends, then
    marks them sent; a failed send goes back to pending with ``next_attempt_at`` pushed back.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outbox_emails"
    )
    to = models.EmailField(_("收件人"))
    dedupe_key = models.CharField(max_length=120)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    subject = models.CharField(_("主题"), max_length=250)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claim = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("待发邮件")
        verbose_name_plural = _("待发邮件")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="outbox_once"),
        ]

    def __str__(self):
        return f"{self.to} · {self.subject}"
