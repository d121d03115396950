"""The five feature indicators (training, classification, observation, duty review) on the
hand-built tree of conftest.tree, with known answers; a year without their data has no row."""

from datetime import date
from decimal import Decimal

import pytest

from assessments.models.designations import Classification, FollowUp
from assessments.models.duty_review import DutyCycle, DutyReport, Grade
from assessments.models.observation import ObservationRound, Visit
from branches.models import Post, Term
from dashboards import registry
from dashboards.periods import YEAR, Period
from tests.factories import MemberFactory
from training import services as training_services
from training.models import Attendance, Tier, TrainingEvent

from .conftest import YEAR as Y
from .test_indicators import values

pytestmark = pytest.mark.django_db

Y25 = Period(Y, YEAR)
FEATURE_KEYS = (
    "training_coverage",
    "lagging_conversion",
    "advanced_increment",
    "reliability_gap",
    "appraisal_good_share",
)


def keys_of(v):
    return {key for _org, key in v}


def test_feature_indicators_are_provided_by_their_apps():
    found = {i.key: i for i in registry.all_indicators()}
    for key in FEATURE_KEYS:
        assert found[key].has_source, key
    assert found["training_coverage"].compute.__module__ == "training.indicators"
    assert found["reliability_gap"].compute.__module__ == "assessments.observation.indicators"
    assert found["appraisal_good_share"].compute.__module__ == "assessments.duty_review.indicators"
    assert found["lagging_conversion"].compute.__module__ == "assessments.designations.indicators"


# ---------------------------------------------------------------- training coverage


def secretary(branch):
    member = MemberFactory(branch=branch, name=f"{branch.name}书记")
    term = Term.objects.create(branch=branch, elected_on=date(Y - 1, 1, 10), ends_on=date(Y + 2, 1, 10))
    Post.objects.create(term=term, member=member, role=Post.Role.SECRETARY, started_on=date(Y - 1, 1, 10))
    return member


def attended(member, tier, organizer, day):
    event = TrainingEvent.objects.create(
        tier=tier,
        organizer=organizer,
        title=f"{tier}培训",
        start_on=day,
        end_on=day,
        hours=Decimal("8"),
        audience=TrainingEvent.Audience.ALL_MEMBERS,
    )
    Attendance.objects.create(
        event=event, member=member, status=Attendance.Status.ATTENDED, hours_credited=event.hours
    )
    training_services.refresh_member_years([member.pk])


def test_training_coverage(tree):
    """a's secretary went to a unit rotation class (concentrated) in 2025; b's only to branch
    study (not concentrated); c's to nothing that year (only in 2023) → 1 of 3."""
    t = tree
    sa, sb, sc = (secretary(t[k]) for k in ("branch_a", "branch_b", "branch_c"))
    attended(sa, Tier.UNIT, t["unit_a"], date(Y, 3, 2))
    attended(sb, Tier.BRANCH, t["branch_b"], date(Y, 4, 2))
    attended(sc, Tier.PROVINCIAL, t["root"], date(Y - 2, 4, 2))
    v = values(Y25)
    assert v[(t["branch_a"].pk, "training_coverage")] == 100
    assert v[(t["branch_b"].pk, "training_coverage")] == 0
    assert v[(t["unit_a"].pk, "training_coverage")] == 50
    assert v[(t["unit_b"].pk, "training_coverage")] == 0
    assert v[(t["root"].pk, "training_coverage")] == pytest.approx(33.33)
    # 2019 has no training record at all: 暂无数据, not 0 %.
    assert "training_coverage" not in keys_of(values(Period(2019, YEAR)))


# ---------------------------------------------------------------- classification (先进/中间/后进)


def classify(branch, year, grade, computed=None):
    Classification.objects.create(
        branch=branch,
        year=year,
        computed_grade=computed or grade,
        grade=grade,
        override_reason="复核调整" if computed and computed != grade else "",
    )


@pytest.fixture
def classes(tree):
    """2024: a 后进, b 后进, c 中间. 2025: a 先进, b 后进 (computed 中间, kept 后进 by an
    override), c 先进."""
    G = Classification.Grade
    a, b, c = tree["branch_a"], tree["branch_b"], tree["branch_c"]
    classify(a, Y - 1, G.LAGGING)
    classify(b, Y - 1, G.LAGGING)
    classify(c, Y - 1, G.MIDDLE)
    classify(a, Y, G.ADVANCED)
    classify(b, Y, G.LAGGING, computed=G.MIDDLE)
    classify(c, Y, G.ADVANCED)
    return tree


def test_lagging_conversion(classes):
    t = classes
    v = values(Y25)
    assert v[(t["branch_a"].pk, "lagging_conversion")] == 100
    assert v[(t["branch_b"].pk, "lagging_conversion")] == 0  # the override is the class in force
    assert (t["branch_c"].pk, "lagging_conversion") not in v  # was not 后进 last year
    assert v[(t["unit_a"].pk, "lagging_conversion")] == 50
    assert v[(t["root"].pk, "lagging_conversion")] == 50


def test_lagging_conversion_by_reassessment_before_the_year_is_classified(tree):
    """2026 is not classified yet: a 后进 branch of 2025 whose follow-up was closed by a
    re-assessment at 中间 counts as converted (as on the designations page); b's is still open."""
    G = Classification.Grade
    a, b = tree["branch_a"], tree["branch_b"]
    for branch in (a, b):
        classify(branch, Y, G.LAGGING)
    for branch, status in ((a, FollowUp.Status.CLOSED), (b, FollowUp.Status.OPEN)):
        FollowUp.objects.create(
            branch=branch,
            classification=Classification.objects.get(branch=branch, year=Y),
            contact_leader_name="王局长",
            reassess_due=date(Y + 1, 6, 30),
            status=status,
            reassessed_grade=G.MIDDLE if status == FollowUp.Status.CLOSED else "",
        )
    v = values(Period(Y + 1, YEAR))
    assert v[(a.pk, "lagging_conversion")] == 100
    assert v[(b.pk, "lagging_conversion")] == 0
    assert v[(tree["root"].pk, "lagging_conversion")] == 50
    FollowUp.objects.update(status=FollowUp.Status.OPEN, reassessed_grade="")
    assert "lagging_conversion" not in keys_of(values(Period(Y + 1, YEAR)))


def test_advanced_increment(classes):
    t = classes
    v = values(Y25)
    assert v[(t["root"].pk, "advanced_increment")] == 2  # 0 先进 in 2024, 2 in 2025
    assert v[(t["unit_a"].pk, "advanced_increment")] == 1
    assert v[(t["unit_b"].pk, "advanced_increment")] == 1
    assert v[(t["branch_b"].pk, "advanced_increment")] == 0
    # 2026 is not classified yet, 2024 has no previous year: 暂无数据 for both.
    for period in (Period(Y + 1, YEAR), Period(Y - 1, YEAR)):
        assert not {"lagging_conversion", "advanced_increment"} & keys_of(values(period))


# ---------------------------------------------------------------- reliability gap (交叉观摩)


def test_reliability_gap(tree, edition):
    """a: observed 80 vs reference 90 → 10; b: 70 vs 64 → 6; c's round is still in progress and
    a re-inspection never counts → province mean 8."""
    t = tree

    def round_(year, status):
        return ObservationRound.objects.create(
            year=year,
            title=f"{year}年交叉观摩",
            edition=edition,
            status=status,
            window_start=date(year, 5, 4),
            window_end=date(year, 5, 29),
        )

    published = round_(Y, ObservationRound.Status.PUBLISHED)
    running = round_(Y, ObservationRound.Status.IN_PROGRESS)
    Visit.objects.create(round=published, branch=t["branch_a"], observed_total=80, reference_total=90)
    Visit.objects.create(round=published, branch=t["branch_b"], observed_total=70, reference_total=64)
    Visit.objects.create(
        round=published,
        branch=t["branch_a"],
        kind=Visit.Kind.REINSPECTION,
        observed_total=20,
        reference_total=90,
    )
    Visit.objects.create(round=running, branch=t["branch_c"], observed_total=50, reference_total=90)
    v = values(Y25)
    assert v[(t["branch_a"].pk, "reliability_gap")] == 10
    assert v[(t["branch_b"].pk, "reliability_gap")] == 6
    assert v[(t["unit_a"].pk, "reliability_gap")] == 8
    assert v[(t["root"].pk, "reliability_gap")] == 8
    assert (t["unit_b"].pk, "reliability_gap") not in v
    assert "reliability_gap" not in keys_of(values(Period(Y - 1, YEAR)))


# ---------------------------------------------------------------- 述职评议


def test_appraisal_good_share(tree):
    """Published 2025: a 好; b computed 一般, overridden to 较好; c computed 好, overridden to 差;
    a vacant report without a grade is not counted. 2024's cycle is not published."""
    t = tree

    def cycle(org, year, status):
        return DutyCycle.objects.create(
            year=year,
            level=DutyCycle.Level.BRANCH,
            organization=org,
            outline="一、履职情况",
            due_on=date(year, 12, 1),
            meeting_on=date(year, 12, 20),
            status=status,
        )

    def report(cycle_, branch, computed, override=""):
        DutyReport.objects.create(
            cycle=cycle_,
            organization=branch,
            status=DutyReport.Status.SUBMITTED,
            computed_grade=computed,
            override_grade=override,
            override_reason="评议组复核" if override else "",
        )

    ua = cycle(t["unit_a"], Y, DutyCycle.Status.PUBLISHED)
    ub = cycle(t["unit_b"], Y, DutyCycle.Status.PUBLISHED)
    report(ua, t["branch_a"], Grade.GOOD)
    report(ua, t["branch_b"], Grade.AVERAGE, Grade.FAIRLY_GOOD)
    report(ub, t["branch_c"], Grade.GOOD, Grade.POOR)
    cycle_2024 = cycle(t["unit_a"], Y - 1, DutyCycle.Status.CLOSED)
    report(cycle_2024, t["branch_a"], Grade.GOOD)
    vacant = cycle(t["root"], Y, DutyCycle.Status.PUBLISHED)
    DutyReport.objects.create(cycle=vacant, organization=t["branch_c"], status=DutyReport.Status.VACANT)
    v = values(Y25)
    assert v[(t["branch_a"].pk, "appraisal_good_share")] == 100
    assert v[(t["branch_b"].pk, "appraisal_good_share")] == 100  # the override comes first
    assert v[(t["branch_c"].pk, "appraisal_good_share")] == 0
    assert v[(t["unit_a"].pk, "appraisal_good_share")] == 100
    assert v[(t["root"].pk, "appraisal_good_share")] == pytest.approx(66.67)
    assert "appraisal_good_share" not in keys_of(values(Period(Y - 1, YEAR)))


def test_no_feature_data_means_no_feature_rows(tree, edition):
    assert not set(FEATURE_KEYS) & keys_of(values(Y25))


def test_each_feature_compute_is_a_constant_few_queries(tree, edition):
    """Same number of queries (at most two) with data on one branch and on all three."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    G = Classification.Grade
    branches = [tree[k] for k in ("branch_a", "branch_b", "branch_c")]
    ids = [b.pk for b in branches]

    def counts():
        found = {}
        for key in FEATURE_KEYS:
            with CaptureQueriesContext(connection) as ctx:
                registry.get(key).compute(Y25, ids)
            found[key] = len(ctx)
        return found

    def add(branch):
        attended(secretary(branch), Tier.UNIT, tree["unit_a"], date(Y, 3, 2))
        classify(branch, Y - 1, G.LAGGING)
        classify(branch, Y, G.MIDDLE)

    add(branches[0])
    registry.get("training_coverage")  # discovery outside the count
    small = counts()
    for branch in branches[1:]:
        add(branch)
    assert counts() == small
    assert max(small.values()) <= 2
