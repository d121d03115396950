"""Questions, answers, duplicate merge, FAQ publication and the bigram search."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.guidance import search, selectors, services
from assessments.models import Faq, Question
from branches.policy import policy_set
from notifications.models import Notification


def test_tokens_are_cjk_bigrams_plus_latin_words():
    assert search.tokens("组织生活会 PPT 2024年") == ["组织", "织生", "生活", "活会", "ppt", "2024", "年"]
    assert search.tsquery("生活会") == "生活 & 活会"
    assert search.tsquery("!!!") == ""


def ask(tree, personas, title, *, who="secretary", branch="branch_a", dimension="organizational_life"):
    return services.question_ask(
        branch=tree[branch], user=personas[who], dimension=dimension, title=title, body=""
    )


def test_secretary_asks_staff_answer_and_publish(tree, personas):
    question = ask(tree, personas, "组织生活会每年要开几次？")
    assert Notification.objects.filter(recipient=personas["unit_staff"], kind="question_asked").exists()
    with pytest.raises(PermissionDenied):
        services.question_answer(question=question, user=personas["secretary"], answer="x", version=1)
    with pytest.raises(PermissionDenied):  # unit staff of another unit cannot see it
        services.question_answer(question=question, user=personas["outsider"], answer="x", version=1)
    services.question_answer(
        question=question, user=personas["unit_staff"], answer="每年至少一次。", version=1
    )
    assert Notification.objects.filter(recipient=personas["secretary"], kind="question_answered").exists()
    faq = services.faq_publish(question=question, user=personas["unit_staff"])
    assert faq.asked_count == 1 and faq.dimension == "organizational_life"
    with pytest.raises(ValidationError):
        services.faq_publish(question=question, user=personas["unit_staff"])


def test_publish_requires_an_answer(tree, personas):
    question = ask(tree, personas, "党费怎么交？")
    with pytest.raises(ValidationError):
        services.faq_publish(question=question, user=personas["provincial"])


def test_merge_duplicates_answered_once_and_counted(tree, personas):
    first = ask(tree, personas, "组织生活会每年开几次？")
    second = ask(tree, personas, "组织生活会一年开几次", who="outsider", branch="branch_c")
    assert first in selectors.similar_questions(personas["provincial"], second)
    # merge candidates are scoped: 甲厅's staff is not offered 乙厅's question
    assert second not in selectors.similar_questions(personas["unit_staff"], first)
    with pytest.raises(PermissionDenied):  # unit staff of 甲厅 cannot touch 乙厅's question
        services.question_merge(question=second, into=first, user=personas["unit_staff"])
    services.question_merge(question=second, into=first, user=personas["provincial"])
    second.refresh_from_db()
    assert second.status == Question.Status.MERGED and second.duplicate_of_id == first.pk
    with pytest.raises(ValidationError):
        services.question_merge(question=first, into=first, user=personas["provincial"])
    services.question_answer(question=first, user=personas["provincial"], answer="至少每年一次。", version=1)
    # both askers are told
    assert Notification.objects.filter(kind="question_answered").count() == 2
    faq = services.faq_publish(question=first, user=personas["provincial"])
    assert faq.asked_count == 2
    assert set(Question.objects.filter(faq=faq).values_list("pk", flat=True)) == {first.pk, second.pk}


def test_search_finds_a_two_character_word(tree, personas):
    question = ask(tree, personas, "发展对象的培养考察怎么记录？")
    services.question_answer(
        question=question, user=personas["provincial"], answer="填写培养考察登记表，按季度记录。", version=1
    )
    services.faq_publish(question=question, user=personas["provincial"])
    other = ask(tree, personas, "党费收缴标准是什么？", dimension="member_education_management")
    services.question_answer(
        question=other, user=personas["provincial"], answer="按月收入比例缴纳。", version=1
    )
    services.faq_publish(question=other, user=personas["provincial"])
    found = [faq.question for faq in selectors.faq_search(query="考察")]
    assert found == ["发展对象的培养考察怎么记录？"]
    assert [f.question for f in selectors.faq_search(query="党费")] == ["党费收缴标准是什么？"]
    assert list(selectors.faq_search(query="季度")) != []  # found in the answer
    assert list(selectors.faq_search(query="选举")) == []
    assert len(selectors.faq_search(query="")) == 2


def test_search_uses_the_gin_index_expression_on_postgres(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'faq_search_gin'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "to_tsvector('simple'::regconfig, search_tokens)" in definition


def test_unanswered_older_than_policy_days(tree, personas):
    old = ask(tree, personas, "老问题")
    Question.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    ask(tree, personas, "新问题")
    assert [q.title for q in selectors.unanswered(personas["unit_staff"])] == ["老问题"]
    assert list(selectors.unanswered(personas["outsider"])) == []
    policy_set(key="guidance.unanswered_days", value=10)
    assert list(selectors.unanswered(personas["unit_staff"])) == []


def test_experience_publish_and_search(tree, personas):
    with pytest.raises(PermissionDenied):
        services.experience_publish(user=personas["secretary"], title="x", summary="y")
    services.experience_publish(
        user=personas["unit_staff"],
        title="“主题党日+”活动法",
        summary="把主题党日和志愿服务结合。",
        dimension_codes=["organizational_life"],
        branch=tree["branch_a"],
    )
    assert [e.title for e in selectors.experience_search(query="志愿")] == ["“主题党日+”活动法"]
    assert list(selectors.experience_search(dimension="basic_support")) == []
    assert Faq.objects.count() == 0


def test_a_question_merged_into_another_branchs_shows_its_answer_but_no_link_or_names(
    tree, personas, client_for
):
    """The asker of a merged question reads the answer it was merged into; the other branch's
    question is neither linked (it would 404) nor named on the canonical question's page."""
    first = ask(tree, personas, "组织生活会每年开几次？")
    second = ask(tree, personas, "组织生活会一年开几次", who="outsider", branch="branch_c")
    services.question_merge(question=second, into=first, user=personas["provincial"])
    services.question_answer(question=first, user=personas["provincial"], answer="至少每年一次。", version=1)
    page = client_for(personas["outsider"]).get(second.get_absolute_url()).content.decode()
    assert "至少每年一次。" in page and "组织生活会每年开几次？" in page
    assert first.get_absolute_url() not in page
    assert client_for(personas["outsider"]).get(first.get_absolute_url()).status_code == 404
    own = client_for(personas["secretary"]).get(first.get_absolute_url()).content.decode()
    assert tree["branch_c"].name not in own and "另有 1 个其他党支部提出的相同问题" in own
    staff = client_for(personas["provincial"]).get(first.get_absolute_url()).content.decode()
    assert tree["branch_c"].name in staff
