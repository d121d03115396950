"""Demo reviews for the demo province: last year finalized, this year in progress.

Deterministic (one seeded random.Random per branch and year) and idempotent (only missing
reviews are created). Rules are evaluated once per key for all branches and rows are written
with bulk_create, so the ``province`` scale (thousands of branches) stays fast.
"""

import random
from datetime import datetime, time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from branches.models import Organization, RoleAssignment

from . import default_edition, rules
from . import results as review_results
from .models import Dimension, Edition, Item, ItemScore, Review, Tier
from .services import round_half

Kind = Review.Kind
Status = Review.Status
BATCH = 5000
COMMENTS = ["台账齐全", "记录规范", "个别记录缺少签到表", "需加强材料归档", "落实较好", "会议记录较简略"]


def _plan(rng, year, today):
    """Which reviews a branch has for ``year`` and in what state."""
    if year < today.year:
        return [(Kind.SELF, Status.FINALIZED), (Kind.UNIT, Status.FINALIZED)]
    roll = rng.random()
    if roll < 0.25:
        return []
    if roll < 0.5:
        return [(Kind.SELF, rng.choice([Status.DRAFT, Status.SUBMITTED]))]
    if roll < 0.8:
        return [(Kind.SELF, Status.FINALIZED), (Kind.UNIT, rng.choice([Status.DRAFT, Status.SUBMITTED]))]
    return [(Kind.SELF, Status.FINALIZED), (Kind.UNIT, rng.choice([Status.FINALIZED, Status.RETURNED]))]


def _score(rng, item, quality, result, kind):
    """A believable score: computed items follow their rule; the rest track the branch's quality."""
    if item.is_veto and not item.points:
        return Decimal(0), result is not None and result.ratio == 0, None
    auto = None
    if item.is_computed and result is not None and result.has_data:
        auto = round_half(item.points * Decimal(str(result.ratio)))
        return auto, False, auto
    share = min(1.0, max(0.0, rng.gauss(quality + (0.06 if kind == Kind.SELF else 0), 0.12)))
    return round_half(item.points * Decimal(str(share))), False, auto


def seed(*, scale, today):
    """Create demo reviews (``scale`` only changes how much exists already: every branch gets some)."""
    edition = default_edition.load(Edition, Dimension, Item, Tier)
    items = list(edition.items.select_related("dimension"))
    branches = list(Organization.objects.filter(kind=Organization.Kind.BRANCH, is_active=True).order_by("pk"))
    staff = dict(
        RoleAssignment.objects.filter(role=RoleAssignment.Role.UNIT_STAFF).values_list(
            "organization_id", "user_id"
        )
    )
    existing = set(Review.objects.values_list("branch_id", "kind", "year"))
    created = 0
    for year in (today.year - 1, today.year):
        period = rules.Period(start=datetime(year, 1, 1).date(), end=datetime(year, 12, 31).date())
        results = {
            key: rules.evaluate_stored(key, branches, period)
            for key in {i.rule_key for i in items if i.rule_key}
        }
        created += _seed_year(edition, items, branches, staff, existing, results, year, today)
    return created


@transaction.atomic
def _seed_year(edition, items, branches, staff, existing, results, year, today):
    reviews, plans = [], []
    stamp = timezone.make_aware(datetime.combine(min(today, datetime(year, 12, 20).date()), time(10)))
    for branch in branches:
        rng = random.Random(f"assessments-demo-{branch.pk}-{year}")
        quality = rng.uniform(0.62, 0.97)
        for kind, status in _plan(rng, year, today):
            if (branch.pk, kind, year) in existing:
                continue
            review = Review(
                branch=branch,
                edition=edition,
                kind=kind,
                year=year,
                status=status,
                submitted_at=stamp if status != Status.DRAFT else None,
                finalized_at=stamp if status == Status.FINALIZED else None,
                return_comment="请补充3.4组织生活会整改材料。" if status == Status.RETURNED else "",
            )
            reviews.append(review)
            plans.append((review, random.Random(f"assessments-demo-{branch.pk}-{year}-{kind}"), quality))
    scores = []
    for review, rng, quality in plans:
        rows = []
        for item in items:
            result = results[item.rule_key][review.branch_id] if item.rule_key else None
            score, veto, auto = _score(rng, item, quality, result, review.kind)
            unscored = review.status == Status.DRAFT and rng.random() < 0.3
            rows.append(
                ItemScore(
                    review=review,
                    item=item,
                    score=None if unscored else score,
                    auto_score=auto,
                    veto_triggered=veto,
                    auto_veto=veto,
                    rule_detail=(result.detail[:300] if result else ""),
                    comment=rng.choice(COMMENTS) if rng.random() < 0.15 and item.points else "",
                )
            )
        if review.status == Status.FINALIZED:
            review.final_total, review.final_vetoed = review_results.of_rows(rows)
        scores.extend(rows)
    Review.objects.bulk_create(reviews, batch_size=BATCH)
    scorers = []
    through = Review.scorers.through
    for review, _rng, _quality in plans:
        user_id = staff.get(review.branch.unit_id) if review.kind == Kind.UNIT else None
        if user_id:
            scorers.append(through(review_id=review.pk, user_id=user_id))
    ItemScore.objects.bulk_create(scores, batch_size=BATCH)
    through.objects.bulk_create(scorers, batch_size=BATCH, ignore_conflicts=True)
    return len(reviews)
