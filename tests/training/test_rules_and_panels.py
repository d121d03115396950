"""Training feeds the assessment rules (items 4.2 and 5.5) and the home-page headline."""

from datetime import date

import pytest
from django.urls import reverse

from assessments import default_edition, services
from assessments.models import Dimension, Edition, Item, Review
from assessments.models import Tier as ScoreTier
from assessments.rules import Period, evaluate, get_rule
from training.models import Tier

from .conftest import YEAR

pytestmark = pytest.mark.django_db
WHOLE_YEAR = Period(date(YEAR - 1, 1, 1), date(YEAR - 1, 12, 31))


def test_training_keys_are_real_rules():
    assert not get_rule("members.study_hours").pending
    assert not get_rule("training.secretary_trained").pending


def test_study_hours_rule_is_the_share_of_members_with_32_hours(tree, people, make_event, attend):
    event = make_event(tier=Tier.BRANCH, organizer=tree["branch_a"], hours="40", end_on=date(YEAR - 1, 6, 1))
    members = people["branch_a"]["members"]
    attend(event, members[0], 32)
    attend(event, members[1], 31)
    result = evaluate("members.study_hours", [tree["branch_a"]], WHOLE_YEAR)[tree["branch_a"].pk]
    assert result.ratio == 1 / 5
    assert "1/5" in result.detail


def test_study_hours_are_prorated_during_the_year():
    from assessments.rules_training import prorated_minimum

    period = Period(date(2026, 1, 1), date(2026, 12, 31))
    assert prorated_minimum(period, 32, date(2027, 1, 5)) == 32
    assert prorated_minimum(period, 32, date(2026, 7, 1)) == round(32 * 182 / 365, 1)


def test_secretary_trained_rule(tree, people, make_event, attend):
    branches = [tree["branch_a"], tree["branch_b"]]
    attend(
        make_event(tier=Tier.UNIT, end_on=date(YEAR - 1, 5, 1), standard=True),
        people["branch_a"]["secretary"],
    )
    attend(
        make_event(tier=Tier.BRANCH, organizer=tree["branch_b"], end_on=date(YEAR - 1, 5, 1)),
        people["branch_b"]["secretary"],
    )
    result = evaluate("training.secretary_trained", branches, WHOLE_YEAR)
    assert result[tree["branch_a"].pk].ratio == 1.0 and "标准化" in result[tree["branch_a"].pk].detail
    assert result[tree["branch_b"].pk].ratio == 0.0


def test_review_score_changes_when_training_is_recorded(tree, people, personas, make_event, attend):
    default_edition.load(Edition, Dimension, Item, ScoreTier)
    review = services.review_start(
        branch=tree["branch_a"], kind=Review.Kind.UNIT, year=YEAR - 1, user=personas["unit_staff"]
    )
    item = review.scores.get(item__rule_key="training.secretary_trained")
    assert item.auto_score == 0
    attend(make_event(tier=Tier.UNIT, end_on=date(YEAR - 1, 5, 1)), people["branch_a"]["secretary"])
    services.review_refresh_rules(review=review, user=personas["unit_staff"], version=review.version)
    item.refresh_from_db()
    assert item.auto_score == item.item.points


def test_provincial_home_shows_the_headline(client_for, tree, people, personas, make_event, attend):
    attend(make_event(tier=Tier.UNIT, standard=True), people["branch_a"]["secretary"])
    html = client_for(personas["provincial"]).get(reverse("branches:home")).content.decode()
    assert 'id="training-headline">33.3%' in html  # 1 of 3 branches


def test_secretary_home_shows_own_hours_link(client_for, tree, people, personas):
    people["branch_a"]["secretary"].user = personas["secretary"]
    people["branch_a"]["secretary"].save()
    html = client_for(personas["secretary"]).get(reverse("branches:home")).content.decode()
    assert reverse("training:coverage-org", args=[tree["branch_a"].pk]) in html
    assert "training-headline" not in html
