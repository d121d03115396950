"""Questions answered (问题解答 → FAQ) and the experience library (经验做法).

Chinese full-text search without a Chinese parser: ``search_tokens`` holds the text split into
overlapping CJK bigrams plus lower-cased latin words/digits (built by the service on save);
PostgreSQL indexes ``to_tsvector('simple', search_tokens)`` with GIN (migration) and a query is
the AND of its own bigrams (see ``assessments.guidance.search``).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization
from branches.models.activities import validate_attachment


class Faq(models.Model):
    question = models.TextField(_("问题"))
    answer = models.TextField(_("解答"))
    dimension = models.CharField(_("维度"), max_length=40, blank=True)
    asked_count = models.PositiveIntegerField(_("提问次数"), default=1)
    search_tokens = models.TextField(blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("常见问题")
        verbose_name_plural = _("常见问题")
        ordering = ["-asked_count", "-published_at", "-pk"]

    def __str__(self):
        return self.question[:40]

    def get_absolute_url(self):
        return reverse("guidance:faq-detail", args=[self.pk])


class Question(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待解答")
        ANSWERED = "answered", _("已解答")
        MERGED = "merged", _("已合并")

    branch = models.ForeignKey(
        Organization, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="questions"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="questions"
    )
    dimension = models.CharField(_("维度"), max_length=40)
    title = models.CharField(_("问题"), max_length=200)
    body = models.TextField(_("详细说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("解答"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    faq = models.ForeignKey(Faq, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("提问")
        verbose_name_plural = _("提问")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="question_status_created")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("guidance:question", args=[self.pk])


class Experience(models.Model):
    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("做法介绍"))
    dimensions = models.CharField(_("维度"), max_length=300, blank=True)  # ",code,code,"
    branch = models.ForeignKey(
        Organization,
        verbose_name=_("来源支部"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="experiences",
    )
    search_tokens = models.TextField(blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("经验做法")
        verbose_name_plural = _("经验做法")
        ordering = ["-published_at", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("guidance:experience", args=[self.pk])

    @property
    def dimension_codes(self):
        return [code for code in self.dimensions.split(",") if code]


def experience_path(instance, filename):
    return f"experiences/{instance.experience_id}/{filename}"


class ExperienceAttachment(models.Model):
    experience = models.ForeignKey(Experience, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=experience_path, validators=[validate_attachment])
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self):
        return self.original_name
