"""Scoped reads of guidance: questions (the asker's branch scope), the staff's unanswered
list, FAQ and experience search (visible to every signed-in user)."""

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from branches import permissions
from branches.policy import policy_get

from ..models import Experience, Faq, Question
from . import search

Action = permissions.Action
Status = Question.Status


def question_list(user, *, status="", dimension=""):
    rows = Question.objects.filter(permissions.scope_q(user, Action.VIEW, "branch__"))
    if status in Status.values:
        rows = rows.filter(status=status)
    if dimension:
        rows = rows.filter(dimension=dimension)
    return rows.select_related("branch__unit", "asked_by", "duplicate_of").order_by("-created_at", "-pk")


def unanswered(user, *, now=None):
    """Open questions in the viewer's scope older than ``guidance.unanswered_days``."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=policy_get("guidance.unanswered_days"))
    return question_list(user, status=Status.OPEN).filter(created_at__lt=cutoff).order_by("created_at", "pk")


def similar_questions(user, question, *, limit=10):
    """Other questions in the viewer's scope with the same dimension that share search tokens
    with this one (merge candidates), most recent first."""
    words = set(search.tokens(question.title))
    candidates = (
        question_list(user, dimension=question.dimension)
        .exclude(pk=question.pk)
        .exclude(status=Status.MERGED)
        .order_by("-created_at")[:200]
    )
    scored = []
    for other in candidates:
        shared = len(words & set(search.tokens(other.title)))
        if shared:
            scored.append((shared, other))
    scored.sort(key=lambda pair: -pair[0])
    return [other for _shared, other in scored[:limit]]


def duplicates(user, question):
    """The questions merged into ``question``: those in the viewer's scope, and how many others
    (other branches' questions are counted, never shown)."""
    merged = question.duplicates.all()
    visible = list(merged.filter(permissions.scope_q(user, Action.VIEW, "branch__")).select_related("branch"))
    return visible, merged.count() - len(visible)


def faq_search(*, query="", dimension=""):
    rows = Faq.objects.all()
    if dimension:
        rows = rows.filter(dimension=dimension)
    return search.search(rows, query, fallback_fields=("question", "answer"))


def experience_search(*, query="", dimension=""):
    rows = Experience.objects.all()
    if dimension:
        rows = rows.filter(dimensions__contains=f",{dimension},")
    rows = search.search(rows, query, fallback_fields=("title", "summary"))
    return (
        rows.select_related("branch__unit")
        .annotate(attachment_count=Count("attachments"))
        .order_by("-published_at", "-pk")
    )
