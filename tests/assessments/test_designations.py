"""Designations (criteria at the boundaries, approval, revocation, expiry), classification
(thresholds, overrides with reasons, history), follow-ups (plan items, closure, reminders)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments import services as review_services
from assessments.designations import criteria, selectors, services
from assessments.models import Classification, Designation, FollowUp, FollowUpReminder, Review
from branches.models import RectificationItem, SourceKind, Term
from branches.policy import policy_set
from notifications.models import Notification
from tests.assessments.conftest import full_marks

Grade = Classification.Grade


def review_with_total(branch, user, *, total, year=2026, veto=False):
    review = review_services.review_start(branch=branch, kind=Review.Kind.UNIT, year=year, user=user)
    marks = full_marks(review)
    remaining = Decimal(100) - Decimal(str(total))
    for score in review.scores.select_related("item").order_by("-item__points"):
        take = min(remaining, score.item.points)
        marks[score.item_id]["score"] = str(score.item.points - take)
        remaining -= take
        if score.item.is_veto and veto:
            marks[score.item_id]["veto"] = True
    review_services.review_save_scores(review=review, user=user, version=review.version, entries=marks)
    review_services.review_submit(review=review, user=user)
    return review_services.review_finalize(review=review, user=user)


def checks(branch, today):
    return {r.key: r for r in criteria.criteria_check(branch, today=today)}


@pytest.mark.parametrize(("total", "passed"), [(90, True), (89.5, False)])
def test_tier_criterion_at_the_cutoff(scored_tree, personas, total, passed):
    review_with_total(scored_tree["branch_a"], personas["unit_staff"], total=total)
    result = checks(scored_tree["branch_a"], date(2026, 11, 30))["latest_tier_model"]
    assert result.passed is passed


def test_veto_fails_no_veto_criterion_and_tier(scored_tree, personas):
    review_with_total(scored_tree["branch_a"], personas["unit_staff"], total=100, veto=True)
    found = checks(scored_tree["branch_a"], date(2026, 11, 30))
    assert found["no_veto"].passed is False
    assert found["latest_tier_model"].passed is False


def test_renewal_criterion_on_and_after_the_deadline(scored_tree, personas):
    term = Term.objects.get(branch=scored_tree["branch_a"], status=Term.Status.ACTIVE)
    assert checks(scored_tree["branch_a"], term.ends_on)["renewal_not_overdue"].passed is True
    after = term.ends_on + timedelta(days=1)
    assert checks(scored_tree["branch_a"], after)["renewal_not_overdue"].passed is False


def test_missing_data_is_shown_as_no_data(scored_tree):
    found = checks(scored_tree["branch_a"], date(2026, 11, 30))
    assert found["latest_tier_model"].passed is None
    assert found["duty_review_grade"].passed is None
    assert found["duty_review_grade"].detail == "暂无数据"


def test_duty_grade_source_hook(scored_tree, personas, monkeypatch):
    monkeypatch.setattr(criteria, "DUTY_GRADE_SOURCES", [lambda ids, year: {i: "average" for i in ids}])
    assert checks(scored_tree["branch_a"], date(2026, 11, 30))["duty_review_grade"].passed is False
    monkeypatch.setattr(criteria, "DUTY_GRADE_SOURCES", [lambda ids, year: {i: "fairly_good" for i in ids}])
    assert checks(scored_tree["branch_a"], date(2026, 11, 30))["duty_review_grade"].passed is True


def nominate(tree, personas, **kw):
    return services.designation_nominate(
        branch=tree["branch_a"],
        kind=Designation.Kind.DEMONSTRATION,
        reason="三会一课规范",
        user=personas["unit_staff"],
        dimensions=["organizational_life"],
        **kw,
    )


def test_only_unit_staff_nominate_and_only_provincial_staff_decide(scored_tree, personas):
    with pytest.raises(PermissionDenied):
        services.designation_nominate(
            branch=scored_tree["branch_a"], kind="demonstration", reason="x", user=personas["secretary"]
        )
    designation = nominate(scored_tree, personas)
    assert Notification.objects.filter(
        recipient=personas["provincial"], kind="designation_nominated"
    ).exists()
    with pytest.raises(PermissionDenied):
        services.designation_approve(designation=designation, user=personas["unit_staff"], version=1)


def test_approval_refused_when_a_criterion_fails_then_granted(scored_tree, personas):
    review_with_total(scored_tree["branch_a"], personas["unit_staff"], total=89.5)
    designation = nominate(scored_tree, personas)
    with pytest.raises(ValidationError, match="不符合认定条件"):
        services.designation_approve(designation=designation, user=personas["provincial"], version=1)
    review_with_total(scored_tree["branch_a"], personas["unit_staff"], total=95, year=2027)
    designation = services.designation_approve(
        designation=designation, user=personas["provincial"], version=1, today=date(2027, 1, 10)
    )
    assert designation.status == Designation.Status.APPROVED
    assert designation.valid_until == date(2030, 1, 9)  # 3 years by default
    assert {c["key"] for c in designation.criteria_snapshot} >= {"latest_tier_model", "no_veto"}
    assert list(selectors.demonstration_branches(dimension="organizational_life", today=date(2027, 2, 1)))
    assert not list(selectors.demonstration_branches(dimension="basic_support", today=date(2027, 2, 1)))


def test_revocation_needs_a_reason(scored_tree, personas):
    designation = nominate(scored_tree, personas)
    with pytest.raises(ValidationError):
        services.designation_revoke(
            designation=designation, user=personas["provincial"], version=1, reason=" "
        )
    services.designation_revoke(
        designation=designation, user=personas["provincial"], version=1, reason="发现台账造假"
    )
    designation.refresh_from_db()
    assert designation.status == Designation.Status.REVOKED and designation.revoked_reason == "发现台账造假"


def test_expiry_sweep_notifies_once_and_expires(scored_tree, personas):
    designation = nominate(scored_tree, personas)
    Designation.objects.filter(pk=designation.pk).update(
        status=Designation.Status.APPROVED, valid_until=date(2026, 12, 31)
    )
    assert services.designation_sweep(today=date(2026, 12, 1)) == 1
    assert services.designation_sweep(today=date(2026, 12, 2)) == 0
    assert services.designation_sweep(today=date(2027, 1, 1)) == 1  # the "expired" stage
    designation.refresh_from_db()
    assert designation.status == Designation.Status.EXPIRED
    assert (
        Notification.objects.filter(recipient=personas["provincial"], kind="designation_expiring").count()
        == 2
    )


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (Decimal(75), Grade.ADVANCED),
        (Decimal("74.5"), Grade.MIDDLE),
        (Decimal(60), Grade.MIDDLE),
        (Decimal("59.5"), Grade.LAGGING),
    ],
)
def test_grade_thresholds(db, score, grade):
    assert services.grade_for(score) == grade


def test_thresholds_are_policy(db):
    policy_set(key="classification.advanced_min", value=80.0)
    assert services.grade_for(Decimal(79)) == Grade.MIDDLE


def test_classify_year_overrides_keep_reason_and_history(scored_tree, personas):
    staff = personas["provincial"]
    review_with_total(scored_tree["branch_a"], personas["unit_staff"], total=95)
    review_with_total(scored_tree["branch_b"], personas["unit_staff"], total=50)
    review_with_total(scored_tree["branch_c"], personas["admin"], total=100, veto=True)
    result = services.classify_year(year=2026, user=staff)
    assert result["created"] == 3
    grades = dict(Classification.objects.values_list("branch__name", "grade"))
    assert grades == {"甲厅第一党支部": "advanced", "甲厅第二党支部": "lagging", "乙厅第一党支部": "lagging"}
    row = Classification.objects.get(branch=scored_tree["branch_b"])
    with pytest.raises(ValidationError):
        services.classification_override(classification=row, user=staff, grade="middle", reason="")
    with pytest.raises(PermissionDenied):
        services.classification_override(
            classification=row, user=personas["secretary"], grade="middle", reason="x"
        )
    services.classification_override(
        classification=row, user=staff, grade="middle", reason="书记新任，工作已起步"
    )
    services.classify_year(year=2026, user=staff)  # a re-run keeps the override
    row.refresh_from_db()
    assert row.grade == "middle" and row.computed_grade == "lagging"
    history = selectors.branch_history(scored_tree["branch_b"])
    assert [h.year for h in history] == [2026]
    assert history[0].changes.get().reason == "书记新任，工作已起步"


def test_unit_staff_classify_only_their_unit(scored_tree, personas):
    review_with_total(scored_tree["branch_a"], personas["unit_staff"], total=95)
    review_with_total(scored_tree["branch_c"], personas["admin"], total=95)
    services.classify_year(year=2026, user=personas["unit_staff"])
    assert list(Classification.objects.values_list("branch__name", flat=True)) == ["甲厅第一党支部"]


def lagging(tree, personas, year=2026):
    return Classification.objects.create(
        branch=tree["branch_b"], year=year, score=Decimal(50), computed_grade="lagging", grade="lagging"
    )


def test_follow_up_plan_check_in_and_closure_by_reassessment(scored_tree, personas):
    staff = personas["unit_staff"]
    today = timezone.localdate()
    follow_up = services.follow_up_open(
        classification=lagging(scored_tree, personas), user=staff, contact_leader_name="张副厅长", today=today
    )
    assert follow_up.reassess_due > today
    item = services.follow_up_add_plan_item(
        follow_up=follow_up, user=staff, description="补齐三会一课记录", deadline=today + timedelta(days=30)
    )
    assert item.source_kind == SourceKind.GUIDANCE_FOLLOW_UP and item.source_id == follow_up.pk
    services.follow_up_check_in(follow_up=follow_up, user=staff, held_on=today, note="到支部督导")
    still = services.follow_up_reassess(
        follow_up=follow_up, user=staff, version=follow_up.version, score=Decimal(55)
    )
    assert still.status == FollowUp.Status.OPEN and still.reassessed_grade == "lagging"
    closed = services.follow_up_reassess(
        follow_up=still, user=staff, version=still.version, score=Decimal(60)
    )
    assert closed.status == FollowUp.Status.CLOSED and closed.reassessed_grade == "middle"
    with pytest.raises(ValidationError):
        services.follow_up_check_in(follow_up=closed, user=staff, held_on=today, note="x")


def test_follow_up_only_for_lagging_and_one_open_per_branch(scored_tree, personas):
    staff = personas["unit_staff"]
    row = lagging(scored_tree, personas)
    services.follow_up_open(classification=row, user=staff, contact_leader_name="张")
    with pytest.raises(ValidationError):
        services.follow_up_open(classification=row, user=staff, contact_leader_name="李")
    middle = Classification.objects.create(
        branch=scored_tree["branch_a"], year=2026, score=Decimal(70), computed_grade="middle", grade="middle"
    )
    with pytest.raises(ValidationError):
        services.follow_up_open(classification=middle, user=staff, contact_leader_name="李")


def test_next_years_class_closes_the_follow_up_and_counts_as_conversion(scored_tree, personas):
    staff = personas["provincial"]
    follow_up = services.follow_up_open(
        classification=lagging(scored_tree, personas, year=2025), user=staff, contact_leader_name="张"
    )
    rows, total = selectors.lagging_conversion(staff, year=2025)
    assert total == {"lagging": 1, "converted": 0, "rate": 0.0}
    review_with_total(scored_tree["branch_b"], personas["unit_staff"], total=70)
    services.classify_year(year=2026, user=staff)
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.CLOSED
    rows, total = selectors.lagging_conversion(staff, year=2025)
    assert total["rate"] == 1.0 and rows[0]["branch__unit__name"] == "甲厅机关党委"


def test_follow_up_sweep_reminds_once_per_stage(scored_tree, personas):
    staff = personas["unit_staff"]
    today = timezone.localdate()
    follow_up = services.follow_up_open(
        classification=lagging(scored_tree, personas),
        user=staff,
        contact_leader_name="张",
        contact_leader=personas["provincial"],
    )
    item = services.follow_up_add_plan_item(
        follow_up=follow_up, user=staff, description="补齐记录", deadline=today + timedelta(days=1)
    )
    RectificationItem.objects.filter(pk=item.pk).update(deadline=today - timedelta(days=1))
    assert services.follow_up_sweep(today=today) == 1  # plan item overdue
    assert services.follow_up_sweep(today=today) == 0
    soon = follow_up.reassess_due - timedelta(days=3)
    assert services.follow_up_sweep(today=soon) == 1
    assert services.follow_up_sweep(today=follow_up.reassess_due + timedelta(days=1)) == 1
    assert services.follow_up_sweep(today=follow_up.reassess_due + timedelta(days=2)) == 0
    stages = set(FollowUpReminder.objects.values_list("stage", flat=True))
    assert stages == {f"plan_overdue:{item.pk}", "reassess_soon", "reassess_overdue"}
    assert (
        Notification.objects.filter(recipient=personas["provincial"], kind="follow_up_reminder").count() == 3
    )


def test_demonstration_secretaries_can_be_invited(scored_tree, personas):
    designation = nominate(scored_tree, personas)
    Designation.objects.filter(pk=designation.pk).update(
        status=Designation.Status.APPROVED, valid_until=timezone.localdate() + timedelta(days=10)
    )
    invited = selectors.demonstration_secretaries()
    assert {branch.name: [u.username for u in users] for branch, users in invited.items()} == {
        "甲厅第一党支部": ["secretary"]
    }


def test_published_duty_review_grade_feeds_the_designation_criterion(scored_tree, personas):
    from assessments.models import DutyCycle, DutyReport
    from assessments.models import Grade as DutyGrade

    cycle = DutyCycle.objects.create(
        year=2025,
        level=DutyCycle.Level.BRANCH,
        organization=scored_tree["unit_a"],
        outline="一、履职情况",
        due_on=date(2025, 12, 1),
        meeting_on=date(2025, 12, 20),
        status=DutyCycle.Status.OPEN,
    )
    DutyReport.objects.create(
        cycle=cycle, organization=scored_tree["branch_a"], computed_grade=DutyGrade.AVERAGE
    )
    assert checks(scored_tree["branch_a"], date(2026, 11, 30))["duty_review_grade"].passed is None
    DutyCycle.objects.filter(pk=cycle.pk).update(status=DutyCycle.Status.PUBLISHED)
    assert checks(scored_tree["branch_a"], date(2026, 11, 30))["duty_review_grade"].passed is False
