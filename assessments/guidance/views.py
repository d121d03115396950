"""Pages: FAQ search (everyone), questions (secretaries ask; staff answer, merge, publish),
unanswered questions for staff, and the experience library."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from branches import permissions, uploads
from branches import selectors as branch_selectors
from branches.flow import NOT_DONE, run_form
from branches.http import version_from
from branches.models import Organization
from branches.permissions import Action, get_object_for_user, staff_required

from ..models import Experience, Faq, Question
from . import dimensions, forms, selectors, services


def faq_list(request):
    form = forms.SearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.faq_search(query=data.get("q", ""), dimension=data.get("dimension", ""))
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.dimension_label = dimensions.label(row.dimension)
    return render(
        request,
        "assessments/guidance/faq_list.html",
        {"form": form, "page_obj": page, "query": data.get("q", "")},
    )


def faq_detail(request, pk):
    faq = get_object_or_404(Faq, pk=pk)
    return render(
        request,
        "assessments/guidance/faq_detail.html",
        {"faq": faq, "dimension": dimensions.label(faq.dimension)},
    )


def _askable(user):
    """Branches the user may ask for (secretaries: their own branches)."""
    return Organization.objects.filter(
        permissions.scope_q(user, Action.SUBMIT_REPORT), kind=Organization.Kind.BRANCH, is_active=True
    ).order_by("path")


def question_list(request):
    rows = selectors.question_list(request.user, status=request.GET.get("status", ""))
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.dimension_label = dimensions.label(row.dimension)
    return render(
        request,
        "assessments/guidance/question_list.html",
        {
            "page_obj": page,
            "statuses": Question.Status.choices,
            "status": request.GET.get("status", ""),
            "can_ask": bool(branch_selectors.secretary_branches(request.user)),
        },
    )


def ask(request):
    branches = _askable(request.user)
    if not branches.exists():
        raise PermissionDenied
    form = forms.AskForm(request.POST or None, branches=branches)
    question = run_form(
        request,
        form,
        lambda data: services.question_ask(
            branch=data["branch"],
            user=request.user,
            dimension=data["dimension"],
            title=data["title"],
            body=data["body"],
        ),
    )
    if question is not NOT_DONE:
        messages.success(request, _("问题已提交，解答后会通知您。"))
        return redirect(question)
    return render(request, "assessments/guidance/ask.html", {"form": form})


def _question(request, pk, action=Action.VIEW):
    return get_object_for_user(
        Question.objects.select_related(
            "branch__unit", "asked_by", "answered_by", "duplicate_of__branch", "faq"
        ),
        user=request.user,
        action=action,
        org_field="branch",
        pk=pk,
    )


def question_detail(request, pk):
    question = _question(request, pk)
    duplicates, other_duplicates = selectors.duplicates(request.user, question)
    can_answer = permissions.is_staff_role(request.user) and permissions.can(
        request.user, Action.REVIEW, question.branch
    )
    action = request.POST.get("action") if request.method == "POST" else ""
    answer_form = forms.AnswerForm(
        request.POST if action == "answer" else None, initial={"answer": question.answer}
    )
    merge_form = forms.MergeForm(request.POST if action == "merge" else None)
    publish_form = forms.PublishForm(
        request.POST if action == "publish" else None, initial={"question_text": question.title}
    )
    if request.method == "POST":
        _question(request, pk, Action.REVIEW)
        if not can_answer:
            raise PermissionDenied
        if action == "answer":
            done = run_form(
                request,
                answer_form,
                lambda data: services.question_answer(
                    question=question,
                    user=request.user,
                    answer=data["answer"],
                    version=version_from(request),
                ),
            )
        elif action == "merge":
            done = run_form(
                request,
                merge_form,
                lambda data: services.question_merge(
                    question=question,
                    into=_question(request, data["into"], Action.REVIEW),
                    user=request.user,
                ),
            )
        elif action == "publish":
            done = run_form(
                request,
                publish_form,
                lambda data: services.faq_publish(
                    question=question, user=request.user, question_text=data["question_text"]
                ),
            )
        else:
            done = NOT_DONE
        if done is not NOT_DONE:
            messages.success(request, _("已保存。"))
            return redirect(question)
    return render(
        request,
        "assessments/guidance/question_detail.html",
        {
            "question": question,
            "dimension": dimensions.label(question.dimension),
            "can_answer": can_answer,
            "similar": selectors.similar_questions(request.user, question)
            if can_answer and question.status == Question.Status.OPEN
            else [],
            "can_open_target": question.duplicate_of is not None
            and permissions.can(request.user, Action.VIEW, question.duplicate_of.branch),
            "duplicates": duplicates,
            "other_duplicates": other_duplicates,
            "answer_form": answer_form,
            "merge_form": merge_form,
            "publish_form": publish_form,
        },
    )


@staff_required
def unanswered(request):
    rows = selectors.unanswered(request.user)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.dimension_label = dimensions.label(row.dimension)
    return render(
        request,
        "assessments/guidance/unanswered.html",
        {"page_obj": page, "days": selectors.policy_get("guidance.unanswered_days")},
    )


def experience_list(request):
    form = forms.SearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.experience_search(query=data.get("q", ""), dimension=data.get("dimension", ""))
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.tags = dimensions.labels(row.dimension_codes)
    return render(
        request,
        "assessments/guidance/experience_list.html",
        {"form": form, "page_obj": page, "can_publish": permissions.is_staff_role(request.user)},
    )


def experience_detail(request, pk):
    experience = get_object_or_404(Experience.objects.select_related("branch__unit", "published_by"), pk=pk)
    return render(
        request,
        "assessments/guidance/experience_detail.html",
        {
            "experience": experience,
            "tags": dimensions.labels(experience.dimension_codes),
            "attachments": list(experience.attachments.all()),
        },
    )


def experience_attachment(request, pk, attachment_pk):
    """An attachment of a published experience (the library is open to every signed-in user)."""
    experience = get_object_or_404(Experience, pk=pk)
    attachment = get_object_or_404(experience.attachments, pk=attachment_pk)
    return uploads.serve(attachment.file, filename=attachment.original_name)


@staff_required
def experience_new(request):
    branches = Organization.objects.filter(
        permissions.scope_q(request.user, Action.REVIEW), kind=Organization.Kind.BRANCH, is_active=True
    ).order_by("path")
    form = forms.ExperienceForm(request.POST or None, request.FILES or None, branches=branches)
    experience = run_form(
        request,
        form,
        lambda data: services.experience_publish(
            user=request.user,
            title=data["title"],
            summary=data["summary"],
            dimension_codes=data["dimensions"],
            branch=data["branch"],
            files=request.FILES.getlist("files"),
        ),
    )
    if experience is not NOT_DONE:
        messages.success(request, _("经验做法已发布。"))
        return redirect(experience)
    return render(request, "assessments/guidance/experience_form.html", {"form": form})
