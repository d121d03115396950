from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assessments import selectors, services
from assessments.models import Review, ScoreChange

from .conftest import finalized_review, full_marks, staff_branch


@pytest.fixture
def review(scored_tree, personas):
    return services.review_start(
        branch=scored_tree["branch_a"], kind=Review.Kind.UNIT, year=2026, user=personas["unit_staff"]
    )


def entry(review, code, **values):
    item = review.scores.get(item__code=code).item
    return {item.pk: {"score": None, "comment": "", "reason": "", "veto": False, **values}}


def test_pure_veto_items_start_at_zero_points_even_without_data(review):
    row = review.scores.get(item__code="2.V")
    assert row.score == Decimal(0) and row.auto_score is None and not row.veto_triggered


def test_start_prefills_computed_items_and_leaves_no_data_items_blank(review):
    term_row = review.scores.get(item__code="5.3")
    assert term_row.auto_score == Decimal(4) and term_row.score == Decimal(4)
    dues_row = review.scores.get(item__code="4.1")  # dues ledger not recorded yet
    assert dues_row.auto_score is None and dues_row.score is None
    assert "暂无数据" in dues_row.rule_detail
    assert review.scores.get(item__code="2.6").score is None  # manual


def test_score_bounds_and_half_points(review, personas):
    user = personas["unit_staff"]
    with pytest.raises(ValidationError) as exc:
        services.review_save_scores(
            review=review, user=user, version=review.version, entries=entry(review, "2.6", score="1.5")
        )
    assert exc.value.messages == ["2.6：得分应在0到1.0分之间。"]
    with pytest.raises(ValidationError) as exc:
        services.review_save_scores(
            review=review, user=user, version=review.version, entries=entry(review, "6.3", score="1.3")
        )
    assert exc.value.messages == ["6.3：得分只能精确到0.5分。"]
    services.review_save_scores(
        review=review, user=user, version=review.version, entries=entry(review, "6.3", score="1.5")
    )
    assert review.scores.get(item__code="6.3").score == Decimal("1.5")


def test_overriding_a_computed_score_needs_a_reason_and_is_logged(review, personas):
    user = personas["unit_staff"]
    with pytest.raises(ValidationError) as exc:
        services.review_save_scores(
            review=review, user=user, version=review.version, entries=entry(review, "5.3", score="2")
        )
    assert exc.value.messages == ["5.3：调整系统计算结果必须填写调整理由。"]
    services.review_save_scores(
        review=review,
        user=user,
        version=review.version,
        entries=entry(review, "5.3", score="2", reason="届次资料不全"),
    )
    change = ScoreChange.objects.get(review=review)
    assert (change.old_score, change.new_score, change.reason, change.changed_by) == (
        Decimal(4),
        Decimal(2),
        "届次资料不全",
        user,
    )


def test_second_save_with_stale_version_is_refused(review, personas):
    first, second = personas["unit_staff"], personas["provincial"]
    stale = review.version
    services.review_save_scores(
        review=review, user=first, version=stale, entries=entry(review, "6.3", score="2")
    )
    with pytest.raises(services.ReviewConflict) as exc:
        services.review_save_scores(
            review=review, user=second, version=stale, entries=entry(review, "6.3", score="0")
        )
    assert "已被他人修改" in exc.value.messages[0]
    assert review.scores.get(item__code="6.3").score == Decimal(2)
    assert ScoreChange.objects.filter(review=review).count() == 1


def test_tier_follows_cutoffs_and_veto_forces_lowest(scored_tree, personas):
    user = personas["unit_staff"]
    full = finalized_review(scored_tree["branch_a"], user)
    assert selectors.review_result(full).total == Decimal(100)
    assert selectors.review_result(full).tier == "示范"

    review = services.review_start(
        branch=scored_tree["branch_b"], kind=Review.Kind.UNIT, year=2026, user=user
    )
    marks = full_marks(review)
    veto_item = review.scores.get(item__code="6.V").item_id
    marks[veto_item]["veto"] = True
    services.review_save_scores(review=review, user=user, version=review.version, entries=marks)
    result = selectors.review_result(review)
    assert result.vetoed and result.total == Decimal(100) and result.tier == "不达标"


@pytest.mark.parametrize(
    ("deduct", "tier"), [(10, "示范"), (10.5, "达标"), (25.5, "基本达标"), (40.5, "不达标")]
)
def test_tier_cutoffs(scored_tree, personas, deduct, tier):
    user = personas["unit_staff"]
    review = services.review_start(
        branch=scored_tree["branch_a"], kind=Review.Kind.UNIT, year=2026, user=user
    )
    marks = full_marks(review)
    remaining = Decimal(str(deduct))
    for score in review.scores.select_related("item").order_by("-item__points"):
        take = min(remaining, score.item.points)
        marks[score.item_id]["score"] = str(score.item.points - take)
        remaining -= take
    services.review_save_scores(review=review, user=user, version=review.version, entries=marks)
    assert selectors.review_result(review).tier == tier


def test_workflow_submit_return_finalize_and_lock(review, personas):
    user = personas["unit_staff"]
    with pytest.raises(ValidationError, match="还有评分项未评分"):
        services.review_submit(review=review, user=user)
    services.review_save_scores(review=review, user=user, version=review.version, entries=full_marks(review))
    services.review_submit(review=review, user=user)
    with pytest.raises(ValidationError, match="退回时必须填写退回意见"):
        services.review_return(review=review, user=user, comment=" ")
    services.review_return(review=review, user=user, comment="3.4 请补充整改材料")
    assert review.status == Review.Status.RETURNED and review.return_comment == "3.4 请补充整改材料"
    services.review_submit(review=review, user=user)
    services.review_finalize(review=review, user=user)
    notice = personas["secretary"].notifications.get()
    assert notice.title == "机关党委评审已定稿：2026年度" and notice.link == review.get_absolute_url()
    with pytest.raises(services.ReviewConflict):
        services.review_save_scores(
            review=review, user=user, version=review.version, entries=entry(review, "6.3", score="0")
        )
    assert review.scores.get(item__code="6.3").score == Decimal(2)


def test_review_stays_pinned_to_its_edition(review, edition):
    clone = services.edition_clone(edition=edition, name="2028 版", year=2026)
    services.edition_publish(edition=clone)
    assert services.current_edition(2026) == clone
    review.refresh_from_db()
    assert review.edition == edition


def test_ranks_within_unit_and_category(scored_tree, personas):
    user = personas["admin"]
    a = finalized_review(scored_tree["branch_a"], user)
    marks = None
    b = services.review_start(branch=scored_tree["branch_b"], kind=Review.Kind.UNIT, year=2026, user=user)
    marks = full_marks(b)
    marks[b.scores.get(item__code="6.3").item_id]["score"] = "0"
    services.review_save_scores(review=b, user=user, version=b.version, entries=marks)
    services.review_submit(review=b, user=user)
    services.review_finalize(review=b, user=user)
    c = finalized_review(scored_tree["branch_c"], user)
    ranks = {
        r.pk: (r.rank_unit, r.rank_category)
        for r in selectors.rankings(user, kind="unit", period_kind="year", year=2026, period_no=1)
    }
    assert ranks == {a.pk: (1, 1), b.pk: (2, 3), c.pk: (1, 1)}
    result = selectors.review_result(b)
    assert (result.rank_unit, result.peers_unit, result.rank_category, result.peers_category) == (2, 2, 3, 3)


def test_unit_staff_ranking_lists_only_their_scope_but_ranks_province_wide(scored_tree, personas):
    admin = personas["admin"]
    finalized_review(scored_tree["branch_a"], admin)
    finalized_review(scored_tree["branch_c"], admin)
    rows = list(
        selectors.rankings(personas["unit_staff"], kind="unit", period_kind="year", year=2026, period_no=1)
    )
    assert [r.branch for r in rows] == [scored_tree["branch_a"]]
    assert rows[0].peers_category == 2


def test_term_overdue_review_triggers_veto_automatically(tree, edition, personas):
    staff_branch(tree["branch_a"], elected_on=date(2021, 1, 1))
    review = services.review_start(
        branch=tree["branch_a"], kind=Review.Kind.UNIT, year=2026, user=personas["unit_staff"]
    )
    assert review.scores.get(item__code="5.V").veto_triggered
    assert selectors.review_result(review).vetoed


def test_refresh_recomputes_from_new_data_but_keeps_overrides(scored_tree, personas):
    user = personas["unit_staff"]
    branch = scored_tree["branch_a"]
    review = services.review_start(branch=branch, kind=Review.Kind.UNIT, year=2026, user=user)
    services.review_save_scores(
        review=review,
        user=user,
        version=review.version,
        entries=entry(review, "5.1", score="1", reason="名册待核实"),
    )
    # the secretary post falls vacant after the review started
    term = branch.terms.get(status="active")
    secretary_post = term.posts.get(role="secretary")
    secretary_post.ended_on = date(2026, 1, 5)
    secretary_post.save()
    # committee incomplete (5.2) and a vacancy open beyond 60 days (5.4)
    assert services.review_refresh_rules(review=review, user=user, version=review.version) == 2
    assert review.scores.get(item__code="5.4").score == Decimal(0)
    committee = review.scores.get(item__code="5.2")
    assert committee.score < Decimal(3) and "书记空缺" in committee.rule_detail
    assert review.scores.get(item__code="5.1").score == Decimal(1)  # override kept
    change = ScoreChange.objects.filter(review=review, item__code="5.2").get()
    assert change.reason == "按最新数据重新计算" and change.old_score == Decimal(3)
    with pytest.raises(services.ReviewConflict):
        services.review_refresh_rules(review=review, user=user, version=review.version - 1)


def test_database_refuses_scores_finer_than_half_points(review):
    with pytest.raises(IntegrityError, match="item_score_half_points"), transaction.atomic():
        review.scores.filter(item__code="6.3").update(score=Decimal("1.3"))
    with pytest.raises(IntegrityError, match="item_score_half_points"), transaction.atomic():
        review.scores.filter(item__code="6.3").update(score=Decimal("-1"))


def test_lifting_an_automatic_veto_needs_a_reason_which_stays_on_later_saves(tree, edition, personas):
    staff_branch(tree["branch_a"], elected_on=date(2021, 1, 1))  # term expired in 2024: veto
    user = personas["unit_staff"]
    review = services.review_start(branch=tree["branch_a"], kind=Review.Kind.UNIT, year=2026, user=user)
    with pytest.raises(ValidationError, match="5.V：调整系统计算结果必须填写调整理由"):
        services.review_save_scores(
            review=review, user=user, version=review.version, entries=entry(review, "5.V", veto=False)
        )
    services.review_save_scores(
        review=review,
        user=user,
        version=review.version,
        entries=entry(review, "5.V", veto=False, reason="已批准延期换届"),
    )
    change = ScoreChange.objects.get(review=review)
    assert change.reason == "解除一票否决：已批准延期换届"
    row = review.scores.get(item__code="5.V")
    assert not row.veto_triggered and row.auto_veto and row.override_reason == "已批准延期换届"
    # saving the same values again keeps the override and its reason
    services.review_save_scores(
        review=review,
        user=user,
        version=review.version,
        entries=entry(review, "5.V", veto=False, reason="已批准延期换届"),
    )
    assert review.scores.get(item__code="5.V").override_reason == "已批准延期换届"
    assert not selectors.review_result(review).vetoed
