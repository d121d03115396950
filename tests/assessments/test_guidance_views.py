"""Pages of designations, classification, follow-ups and guidance: scope (404 outside, 403
without the action, forbidden POSTs change nothing), flows through the forms, and constant
query counts at two data sizes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.designations import services as designation_services
from assessments.guidance import services as guidance_services
from assessments.guidance.search import token_text
from assessments.models import Classification, Designation, Faq, FollowUp, Question
from branches.models import Organization
from tests.conftest import count_queries, database_unchanged
from tests.factories import make_org


@pytest.fixture
def world(tree, personas):
    designation = designation_services.designation_nominate(
        branch=tree["branch_a"], kind="demonstration", reason="示范引领", user=personas["unit_staff"]
    )
    lagging = Classification.objects.create(
        branch=tree["branch_a"], year=2025, score=Decimal(50), computed_grade="lagging", grade="lagging"
    )
    follow_up = designation_services.follow_up_open(
        classification=lagging, user=personas["unit_staff"], contact_leader_name="张副厅长"
    )
    question = guidance_services.question_ask(
        branch=tree["branch_a"],
        user=personas["secretary"],
        dimension="organizational_life",
        title="组织生活会怎么开？",
    )
    experience = guidance_services.experience_publish(
        user=personas["unit_staff"], title="三会一课清单", summary="按月列清单", branch=tree["branch_a"]
    )
    return {
        "designation": designation,
        "lagging": lagging,
        "follow_up": follow_up,
        "question": question,
        "experience": experience,
    }


def pages(world, tree):
    return [
        reverse("designations:public"),
        reverse("designations:list"),
        reverse("designations:nominate"),
        reverse("designations:detail", args=[world["designation"].pk]),
        reverse("designations:overview") + "?year=2025",
        reverse("designations:override", args=[world["lagging"].pk]),
        reverse("designations:history", args=[tree["branch_a"].pk]),
        reverse("designations:follow-ups"),
        reverse("designations:follow-up", args=[world["follow_up"].pk]),
        reverse("guidance:faq") + "?q=组织",
        reverse("guidance:questions"),
        reverse("guidance:unanswered"),
        reverse("guidance:question", args=[world["question"].pk]),
        reverse("guidance:experiences") + "?q=清单",
        reverse("guidance:experience-new"),
        reverse("guidance:experience", args=[world["experience"].pk]),
    ]


def test_every_page_renders_for_unit_staff(client_for, world, tree, personas):
    client = client_for(personas["unit_staff"])
    for url in pages(world, tree):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "name",
    ["designations:detail", "designations:follow-up", "designations:override", "guidance:question"],
)
def test_objects_of_another_unit_answer_404(client_for, world, personas, name):
    key = {
        "designations:detail": "designation",
        "designations:follow-up": "follow_up",
        "designations:override": "lagging",
        "guidance:question": "question",
    }[name]
    client = client_for(personas["outsider"])
    assert client.get(reverse(name, args=[world[key].pk])).status_code == 404
    with database_unchanged():
        assert (
            client.post(reverse(name, args=[world[key].pk]), {"action": "answer", "answer": "x"}).status_code
            == 404
        )


def test_history_outside_scope_is_404(client_for, world, tree, personas):
    client = client_for(personas["unit_staff"])
    assert client.get(reverse("designations:history", args=[tree["branch_c"].pk])).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "designations:list",
        "designations:overview",
        "designations:follow-ups",
        "guidance:unanswered",
        "guidance:experience-new",
    ],
)
def test_staff_pages_refuse_secretaries(client_for, world, personas, name):
    assert client_for(personas["secretary"]).get(reverse(name)).status_code == 403


def test_secretary_sees_public_pages_and_own_question(client_for, world, personas):
    client = client_for(personas["secretary"])
    for name in ("designations:public", "guidance:faq", "guidance:experiences", "guidance:questions"):
        assert client.get(reverse(name)).status_code == 200
    assert client.get(reverse("guidance:question", args=[world["question"].pk])).status_code == 200
    assert client.get(reverse("guidance:ask")).status_code == 200


def test_forbidden_posts_change_nothing(client_for, world, personas):
    designation, follow_up, question = world["designation"], world["follow_up"], world["question"]
    unit_staff = client_for(personas["unit_staff"])
    with database_unchanged():  # unit staff may nominate but not approve
        response = unit_staff.post(
            reverse("designations:act", args=[designation.pk, "approve"]), {"version": designation.version}
        )
        assert response.status_code == 403
    secretary = client_for(personas["secretary"])
    with database_unchanged():
        assert (
            secretary.post(
                reverse("guidance:question", args=[question.pk]),
                {"action": "answer", "answer": "x", "version": 1},
            ).status_code
            == 403
        )
        assert (
            secretary.post(
                reverse("designations:follow-up", args=[follow_up.pk]),
                {"action": "check_in", "held_on": "2026-01-05", "note": "x"},
            ).status_code
            == 403
        )
        assert secretary.post(reverse("designations:classify"), {"year": 2025}).status_code == 403
        assert (
            secretary.post(
                reverse("designations:override", args=[world["lagging"].pk]),
                {"grade": "middle", "reason": "x"},
            ).status_code
            == 403
        )
        assert secretary.post(reverse("designations:nominate"), {"reason": "x"}).status_code == 403


def test_gets_do_not_write(client_for, world, tree, personas):
    client = client_for(personas["unit_staff"])
    for url in pages(world, tree):
        client.get(url)
    with database_unchanged():
        for url in pages(world, tree):
            client.get(url)


def test_override_form_needs_a_reason(client_for, world, personas):
    client = client_for(personas["unit_staff"])
    url = reverse("designations:override", args=[world["lagging"].pk])
    response = client.post(url, {"grade": "middle", "reason": ""})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    response = client.post(url, {"grade": "middle", "reason": "换届后班子健全"})
    assert response.status_code == 302
    world["lagging"].refresh_from_db()
    assert world["lagging"].grade == "middle"


def test_follow_up_page_flow(client_for, world, personas):
    client = client_for(personas["unit_staff"])
    url = reverse("designations:follow-up", args=[world["follow_up"].pk])
    deadline = (timezone.localdate() + timedelta(days=20)).isoformat()
    assert (
        client.post(url, {"action": "plan", "description": "补齐会议记录", "deadline": deadline}).status_code
        == 302
    )
    assert client.post(url, {"action": "reassess", "score": "150", "version": 1}).status_code == 200
    assert client.post(url, {"action": "reassess", "score": "72", "version": 1}).status_code == 302
    world["follow_up"].refresh_from_db()
    assert world["follow_up"].status == FollowUp.Status.CLOSED


def test_bad_input_is_a_message_not_a_500(client_for, world, personas):
    client = client_for(personas["provincial"])
    designation = world["designation"]
    response = client.post(reverse("designations:act", args=[designation.pk, "approve"]), {"version": "x"})
    assert response.status_code == 302
    response = client.get(reverse("designations:overview") + "?year=abc&grade=zzz")
    assert response.status_code == 200
    response = client.post(reverse("designations:classify"), {"year": "abc"})
    assert response.status_code == 302


def grow(unit, asker, n, *, prefix):
    """n more branches under ``unit`` with classes, follow-ups, designations, FAQs, questions."""
    for i in range(n):
        branch = make_org(f"{prefix}党支部{i}", Organization.Kind.BRANCH, unit)
        grade = ["advanced", "middle", "lagging"][i % 3]
        row = Classification.objects.create(
            branch=branch, year=2025, score=Decimal(50 + i), computed_grade=grade, grade=grade
        )
        Classification.objects.create(
            branch=branch, year=2024, score=Decimal(40), computed_grade="lagging", grade="lagging"
        )
        if grade == "lagging":
            FollowUp.objects.create(
                branch=branch,
                classification=row,
                contact_leader_name="领导",
                reassess_due=timezone.localdate(),
            )
        Designation.objects.create(
            branch=branch,
            kind=["demonstration", "pilot"][i % 2],
            reason="x",
            status="approved",
            valid_until=timezone.localdate() + timedelta(days=300),
            dimensions=",organizational_life,",
        )
        question = f"{prefix}组织生活会问题{i}"
        Faq.objects.create(
            question=question,
            answer="解答",
            dimension="organizational_life",
            search_tokens=token_text(question, "解答"),
        )
        Question.objects.create(
            branch=branch, asked_by=asker, dimension="organizational_life", title=question
        )


@pytest.mark.parametrize(
    "url",
    [
        "/designations/classification/?year=2025",
        "/designations/follow-ups/",
        "/guidance/?q=组织生活",
        "/designations/",
        "/designations/manage/",
        "/guidance/questions/",
        "/guidance/experiences/?q=清单",
    ],
)
def test_query_count_does_not_grow(client_for, world, tree, personas, url):
    client = client_for(personas["provincial"])
    grow(tree["unit_a"], personas["secretary"], 3, prefix="扩展")
    small = count_queries(client, url)
    grow(tree["unit_b"], personas["outsider"], 12, prefix="再扩展")
    assert count_queries(client, url) == small


HOSTILE = ["NaN", "-inf", "9" * 40, "0001-01-01", "9999-12-31", "x" * 5000, "\u202e", ""]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_input_never_answers_500(client_for, world, personas, value):
    client = client_for(personas["provincial"])
    follow_up = reverse("designations:follow-up", args=[world["follow_up"].pk])
    question = reverse("guidance:question", args=[world["question"].pk])
    posts = [
        (follow_up, {"action": "plan", "description": value, "deadline": value}),
        (follow_up, {"action": "check_in", "held_on": value, "note": value}),
        (follow_up, {"action": "reassess", "score": value, "remark": value, "version": value}),
        (question, {"action": "answer", "answer": value, "version": value}),
        (question, {"action": "merge", "into": value}),
        (question, {"action": "publish", "question_text": value}),
        (reverse("designations:override", args=[world["lagging"].pk]), {"grade": value, "reason": value}),
        (reverse("designations:classify"), {"year": value}),
        (reverse("designations:act", args=[world["designation"].pk, "approve"]), {"version": value}),
        (
            reverse("designations:act", args=[world["designation"].pk, "revoke"]),
            {"version": value, "reason": value},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code < 500, (url, data)
    for url in (
        f"{reverse('designations:overview')}?year={value}&grade={value}&unit={value}&page={value}",
        f"{reverse('designations:follow-ups')}?status={value}&unit={value}",
        f"{reverse('guidance:faq')}?q={value[:200]}&dimension={value}",
        f"{reverse('guidance:experiences')}?q={value[:200]}",
        f"{reverse('designations:public')}?kind={value}&dimension={value}",
    ):
        assert client.get(url).status_code < 500, url


def test_evidence_and_library_attachments_download_within_scope(
    client_for, tree, personas, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    designation = designation_services.designation_nominate(
        branch=tree["branch_b"],
        kind="pilot",
        reason="试点",
        user=personas["unit_staff"],
        files=[SimpleUploadedFile("推荐材料.pdf", b"%PDF-1.4 evidence")],
    )
    experience = guidance_services.experience_publish(
        user=personas["unit_staff"],
        title="台账模板",
        summary="样表",
        files=[SimpleUploadedFile("样表.pdf", b"%PDF-1.4 sample")],
    )
    doc, attachment = designation.evidence.get(), experience.attachments.get()
    evidence_url = reverse("designations:evidence", args=[designation.pk, doc.pk])
    library_url = reverse("guidance:experience-attachment", args=[experience.pk, attachment.pk])
    response = client_for(personas["unit_staff"]).get(evidence_url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 evidence"
    assert response["Content-Disposition"].startswith("attachment")
    assert client_for(personas["outsider"]).get(evidence_url).status_code == 404
    response = client_for(personas["outsider"]).get(library_url)  # the library is open to all
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    other = reverse("guidance:experience-attachment", args=[experience.pk, attachment.pk + 999])
    assert client_for(personas["secretary"]).get(other).status_code == 404
