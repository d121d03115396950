"""The guidance demo seeder: deterministic, idempotent, and it shows every state."""

from datetime import date

from assessments import demo as review_demo
from assessments.designations import demo
from assessments.models import Classification, Designation, Experience, Faq, FollowUp, Question
from branches.demo import seed_province
from branches.models import RectificationItem, SourceKind

TODAY = date(2026, 11, 1)


def snapshot():
    return (
        sorted(Classification.objects.values_list("branch__name", "year", "grade", "score")),
        sorted(FollowUp.objects.values_list("branch__name", "status", "contact_leader_name")),
        sorted(Designation.objects.values_list("branch__name", "kind", "status")),
    )


def test_seed_is_idempotent_and_covers_every_state(db):
    seed_province(scale_name="small", today=TODAY, log=lambda _msg: None)
    review_demo.seed(scale="small", today=TODAY)
    assert demo.seed(scale="small", today=TODAY) > 0
    first = snapshot()
    assert demo.seed(scale="small", today=TODAY) == 0
    assert snapshot() == first
    assert set(Classification.objects.values_list("year", flat=True)) == {2023, 2024, 2025}
    assert Classification.objects.filter(grade="lagging").exists()
    assert (
        FollowUp.objects.filter(status="open").exists() and FollowUp.objects.filter(status="closed").exists()
    )
    assert RectificationItem.objects.filter(source_kind=SourceKind.GUIDANCE_FOLLOW_UP).exists()
    assert Faq.objects.count() >= 10 and Experience.objects.exists()
    assert (
        Question.objects.filter(status="merged").exists() and Question.objects.filter(status="open").exists()
    )
    # deterministic: wiped and seeded again, the same classes, follow-ups and designations
    RectificationItem.objects.filter(source_kind=SourceKind.GUIDANCE_FOLLOW_UP).delete()
    for model in (FollowUp, Designation, Classification, Question, Faq, Experience):
        model.objects.all().delete()
    demo.seed(scale="small", today=TODAY)
    assert snapshot() == first
