"""Writes of guidance: questions asked by secretaries, answered/merged by staff, published as
FAQs; experiences published to the library. Access is checked first (README convention)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import permissions
from branches.models import Organization, RoleAssignment
from branches.models.activities import validate_attachment
from notifications.services import notify

from ..models import Experience, ExperienceAttachment, Faq, Question
from . import dimensions
from .search import token_text

Status = Question.Status
Role = RoleAssignment.Role
Action = permissions.Action


def _require_staff(user, branch):
    if not (permissions.is_staff_role(user) and permissions.can(user, Action.REVIEW, branch)):
        raise PermissionDenied


def _check_dimension(code, field="dimension"):
    if code not in dimensions.CODES:
        raise ValidationError({field: _("请选择维度。")})


@transaction.atomic
def question_ask(*, branch, user, dimension, title, body=""):
    permissions.require(user, Action.SUBMIT_REPORT, branch)
    if branch.kind != Organization.Kind.BRANCH:
        raise ValidationError(_("只能以党支部名义提问。"))
    _check_dimension(dimension)
    if not (title or "").strip():
        raise ValidationError({"title": _("请填写问题。")})
    question = Question.objects.create(
        branch=branch,
        asked_by=user,
        dimension=dimension,
        title=title.strip()[:200],
        body=(body or "").strip(),
    )
    notify(
        recipients=permissions.users_with(Action.REVIEW, branch, roles={Role.UNIT_STAFF}),
        kind="question_asked",
        params={"title": question.title, "branch": branch.name},
        link=question.get_absolute_url(),
        organization=branch,
        dedupe_key=f"question:{question.pk}:asked",
    )
    return question


def _notify_answered(questions, answer):
    for question in questions:
        if question.asked_by_id is None:
            continue
        notify(
            recipients=[question.asked_by],
            kind="question_answered",
            params={"title": question.title, "answer": answer[:200]},
            link=question.get_absolute_url(),
            organization=question.branch,
            dedupe_key=f"question:{question.pk}:answered",
        )


@transaction.atomic
def question_answer(*, question, user, answer, version):
    _require_staff(user, question.branch)
    if not (answer or "").strip():
        raise ValidationError({"answer": _("请填写解答。")})
    changed = Question.objects.filter(
        pk=question.pk, status__in=[Status.OPEN, Status.ANSWERED], version=version
    ).update(
        status=Status.ANSWERED,
        answer=answer.strip(),
        answered_by=user,
        answered_at=timezone.now(),
        version=F("version") + 1,
    )
    if not changed:
        raise ValidationError(_("该问题已被他人处理，请刷新页面后再试。"))
    question.refresh_from_db()
    merged = list(question.duplicates.select_related("asked_by", "branch"))
    _notify_answered([question, *merged], question.answer)
    if question.faq_id:
        Faq.objects.filter(pk=question.faq_id).update(
            answer=question.answer, search_tokens=token_text(question.faq.question, question.answer)
        )
    return question


@transaction.atomic
def question_merge(*, question, into, user):
    """Mark ``question`` a duplicate of ``into`` (same topic): it is answered by that answer
    and counts towards the FAQ's "asked by" number."""
    _require_staff(user, question.branch)
    _require_staff(user, into.branch)
    if question.pk == into.pk:
        raise ValidationError({"into": _("不能与自身合并。")})
    if into.status == Status.MERGED:
        raise ValidationError({"into": _("目标问题本身已被合并，请选择原问题。")})
    if question.status == Status.MERGED:
        raise ValidationError(_("该问题已合并。"))
    moved = [question, *question.duplicates.all()]
    Question.objects.filter(pk__in=[q.pk for q in moved]).update(
        status=Status.MERGED, duplicate_of=into, faq=into.faq_id, version=F("version") + 1
    )
    if into.faq_id:
        Faq.objects.filter(pk=into.faq_id).update(asked_count=F("asked_count") + len(moved))
    if into.status == Status.ANSWERED:
        _notify_answered([q for q in moved], into.answer)
    question.refresh_from_db()
    return question


@transaction.atomic
def faq_publish(*, question, user, question_text="", answer_text=""):
    """Publish an answered question (with its merged duplicates) as one FAQ for everyone."""
    _require_staff(user, question.branch)
    if question.status != Status.ANSWERED:
        raise ValidationError(_("请先解答该问题再发布。"))
    if question.faq_id:
        raise ValidationError(_("该问题已发布为常见问题。"))
    text = (question_text or "").strip() or question.title
    answer = (answer_text or "").strip() or question.answer
    duplicates = list(question.duplicates.values_list("pk", flat=True))
    faq = Faq.objects.create(
        question=text,
        answer=answer,
        dimension=question.dimension,
        asked_count=1 + len(duplicates),
        search_tokens=token_text(text, answer),
        published_by=user,
    )
    Question.objects.filter(pk__in=[question.pk, *duplicates]).update(faq=faq)
    question.faq = faq
    return faq


@transaction.atomic
def experience_publish(*, user, title, summary, dimension_codes=(), branch=None, files=()):
    if branch is not None:
        _require_staff(user, branch)
    elif not permissions.is_staff_role(user):
        raise PermissionDenied
    if not (title or "").strip():
        raise ValidationError({"title": _("请填写标题。")})
    if not (summary or "").strip():
        raise ValidationError({"summary": _("请填写做法介绍。")})
    for code in dimension_codes:
        _check_dimension(code, "dimensions")
    for upload in files:
        validate_attachment(upload)
    experience = Experience.objects.create(
        title=title.strip()[:200],
        summary=summary.strip(),
        dimensions=f",{','.join(dimension_codes)}," if dimension_codes else "",
        branch=branch,
        search_tokens=token_text(title, summary, branch.name if branch else ""),
        published_by=user,
    )
    for upload in files:
        attachment = ExperienceAttachment(
            experience=experience, original_name=upload.name[:200], size=upload.size
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
    return experience
