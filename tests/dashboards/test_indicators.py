"""Each built-in indicator on the hand-built tree of conftest.known_tree, with known answers."""

import pytest

from dashboards import registry, services
from dashboards.models import Snapshot
from dashboards.periods import QUARTER, YEAR, Period

from .conftest import YEAR as Y

pytestmark = pytest.mark.django_db

Y25 = Period(Y, YEAR)
Q2 = Period(Y, QUARTER, 2)


def values(period):
    services.build([period], rebuild=True)
    return {
        (org_id, key): round(value, 2)
        for org_id, key, value in Snapshot.objects.filter(
            period_kind=period.kind, year=period.year, period_no=period.number
        ).values_list("organization_id", "indicator", "value")
    }


def test_scores_and_tiers(known_tree):
    t = known_tree
    v = values(Y25)
    root, ua, ub = t["root"].pk, t["unit_a"].pk, t["unit_b"].pk
    assert v[(root, "score_mean")] == pytest.approx(71.67)
    assert v[(root, "score_median")] == 70
    assert v[(root, "score_p10")] == 54  # 50 + 0.2 × (70 − 50)
    assert v[(ua, "score_mean")] == 82.5
    assert v[(ub, "score_mean")] == 50
    assert v[(t["branch_a"].pk, "score_mean")] == 95
    assert (t["branch_a"].pk, "score_median") not in v  # a branch's median is its score
    for key in ("tier_model", "tier_basically_compliant", "tier_non_compliant"):
        assert v[(root, key)] == pytest.approx(33.33)
    assert v[(root, "tier_compliant")] == 0
    assert v[(ua, "tier_non_compliant")] == 0
    assert v[(root, "advanced_share")] == pytest.approx(33.33)
    # 95 points filled in item order: the first dimensions are full, the last one is not.
    assert v[(t["branch_a"].pk, "dim_basic_duties")] == 100
    assert v[(t["branch_c"].pk, "dim_basic_support")] == 0


def test_veto_forces_lowest_tier(tree, edition):
    from .conftest import finalized_review

    finalized_review(tree["branch_a"], edition, Y, 98, veto=True)
    v = values(Y25)
    assert v[(tree["branch_a"].pk, "tier_non_compliant")] == 100
    assert v[(tree["branch_a"].pk, "score_mean")] == 98


def test_provincial_review_wins_over_unit_review(tree, edition):
    from assessments.models import Review

    from .conftest import finalized_review

    finalized_review(tree["branch_a"], edition, Y, 60)
    finalized_review(tree["branch_a"], edition, Y, 91, kind=Review.Kind.PROVINCIAL)
    assert values(Y25)[(tree["root"].pk, "score_mean")] == 91


def test_reporting_discipline(known_tree):
    t = known_tree
    v = values(Q2)
    assert v[(t["root"].pk, "report_on_time")] == pytest.approx(44.44)  # 4 of 9 branch-months
    assert v[(t["unit_a"].pk, "report_on_time")] == pytest.approx(66.67)  # 4 of 6
    assert v[(t["branch_c"].pk, "report_on_time")] == 0
    assert v[(t["root"].pk, "report_returned")] == 0


def test_life_compliance(known_tree):
    t = known_tree
    v = values(Q2)
    assert v[(t["branch_a"].pk, "life_compliance")] == pytest.approx(62.5)  # 5 of 8
    assert v[(t["branch_b"].pk, "life_compliance")] == 20  # 1 of 5
    assert v[(t["branch_c"].pk, "life_compliance")] == 0
    assert v[(t["root"].pk, "life_compliance")] == pytest.approx(33.33)  # 6 of 18


def test_renewal_health(known_tree):
    t = known_tree
    v = values(Q2)
    root = t["root"].pk
    assert v[(root, "renewal_overdue")] == 1  # a (c is inside its approved postponement)
    assert v[(root, "renewal_overdue_12m")] == 1
    assert v[(root, "renewal_postponed")] == 1  # c
    assert v[(t["unit_b"].pk, "renewal_overdue")] == 0
    assert v[(t["unit_b"].pk, "renewal_postponed")] == 1


def test_no_data_means_no_row_never_a_number(tree, edition):
    v = values(Period(2019, YEAR))
    assert v == {}
    v = values(Y25)
    assert not any(key in ("training_coverage", "reliability_gap") for _org, key in v)


def test_feature_indicators_are_registered_here():
    keys = {i.key: i for i in registry.all_indicators()}
    for key in (
        "training_coverage",
        "lagging_conversion",
        "advanced_increment",
        "reliability_gap",
        "appraisal_good_share",
    ):
        assert keys[key].group == "features"


def test_checks_only_for_the_open_period(known_tree):
    assert "checks_failing" not in {k for _o, k in values(Q2)}
    from django.utils import timezone

    current = Period.year_of(timezone.localdate())
    assert (known_tree["root"].pk, "checks_failing") in values(current)


def test_percentile_matches_linear_interpolation():
    assert services.percentile([1, 2, 3, 4, 5], 0.5) == 3
    assert services.percentile([10, 20], 0.1) == 11


def test_life_compliance_ignores_months_before_the_first_record(known_tree):
    """Records start in April 2025: January–March are not counted as missed in the year."""
    t = known_tree
    year = values(Y25)
    quarter = values(Q2)
    # Q3/Q4 are over and empty, so the year is worse than Q2 — but Q1 does not count.
    # April–December: LIFE-01 and LIFE-04 three quarters each, LIFE-05 nine months, LIFE-06 once.
    assert year[(t["branch_b"].pk, "life_compliance")] == pytest.approx(100 * 1 / 16)
    assert quarter[(t["branch_b"].pk, "life_compliance")] == 20
    assert (t["root"].pk, "life_compliance") not in values(Period(Y, QUARTER, 1))


def test_rectification_closure_from_the_shared_tracker(known_tree):
    from datetime import date, datetime

    from django.utils import timezone

    from branches.models import RectificationItem, SourceKind

    t = known_tree

    def item(branch, deadline, verified=None):
        return RectificationItem.objects.create(
            organization=branch,
            source_kind=SourceKind.REVIEW,
            description="台账不全",
            deadline=deadline,
            status=RectificationItem.Status.VERIFIED if verified else RectificationItem.Status.OPEN,
            verified_at=timezone.make_aware(datetime.combine(verified, datetime.min.time()))
            if verified
            else None,
        )

    item(t["branch_a"], date(Y, 5, 31), verified=date(Y, 5, 20))  # on time
    item(t["branch_a"], date(Y, 6, 15))  # still open
    item(t["branch_b"], date(Y, 4, 30), verified=date(Y, 5, 10))  # late
    item(t["branch_c"], date(Y, 8, 1), verified=date(Y, 7, 1))  # due in Q3, not in Q2
    v = values(Q2)
    assert v[(t["branch_a"].pk, "rectification_closure")] == 50
    assert v[(t["branch_b"].pk, "rectification_closure")] == 0
    assert (t["branch_c"].pk, "rectification_closure") not in v
    assert v[(t["root"].pk, "rectification_closure")] == pytest.approx(33.33)
    assert values(Y25)[(t["root"].pk, "rectification_closure")] == 50  # 2 of 4 in the year
