"""Branch sampling: random but reproducible, plus mandatory branches from registered sources.

A mandatory source is a function ``(round, unit_ids, today) -> set of branch ids`` registered
with a key and a label. Other features plug in their own (述职评议 registers the branches its
evaluation flagged)::

    from assessments.observation.sampling import mandatory_source

    @mandatory_source("duty_review", _("述职评议较差"))
    def flagged_by_duty_review(round, unit_ids, today): ...

The random part depends only on the stored seed and the sorted branch ids of each unit, so
anyone can redraw the sample from the seed shown on the round page.
"""

import random
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, Postponement, Term


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    func: object


_SOURCES: dict[str, Source] = {}


def mandatory_source(key, label):
    def register(func):
        _SOURCES[key] = Source(key=key, label=label, func=func)
        return func

    return register


def mandatory_sources():
    return list(_SOURCES.values())


def source_keys():
    return list(_SOURCES)


def mandatory_branches(round_, unit_ids, today):
    """{branch id: [labels of the sources naming it]} for the round's chosen sources."""
    named = {}
    for source in _SOURCES.values():
        if source.key not in round_.mandatory_keys:
            continue
        for branch_id in source.func(round_, unit_ids, today):
            named.setdefault(branch_id, []).append(str(source.label))
    return named


def draw(branches_by_unit, *, seed, per_unit, mandatory):
    """[(unit id, branch id, is_mandatory)] for every unit, in unit order.

    ``branches_by_unit`` maps unit id → branch ids; mandatory branches are always in and the
    random draw picks ``per_unit`` others from the rest (sorted, so the draw depends only on the
    seed and the branch ids).
    """
    rng = random.Random(seed)
    picked = []
    for unit_id in sorted(branches_by_unit):
        ids = sorted(branches_by_unit[unit_id])
        must = [b for b in ids if b in mandatory]
        rest = [b for b in ids if b not in mandatory]
        chosen = sorted(rng.sample(rest, min(per_unit, len(rest))))
        picked += [(unit_id, b, True) for b in must] + [(unit_id, b, False) for b in chosen]
    return picked


def branches_of_units(unit_ids):
    by_unit = {unit_id: [] for unit_id in unit_ids}
    rows = Organization.objects.filter(
        kind=Organization.Kind.BRANCH, is_active=True, unit_id__in=list(unit_ids)
    ).values_list("unit_id", "pk")
    for unit_id, pk in rows:
        by_unit[unit_id].append(pk)
    return by_unit


@mandatory_source("lagging", _("上次观摩为后进"))
def lagging_last_round(round_, unit_ids, today):
    from assessments.models import Visit

    return set(
        Visit.objects.filter(
            kind=Visit.Kind.REGULAR,
            label=Visit.Label.LAGGING,
            branch__unit_id__in=unit_ids,
            round__year__lt=round_.year,
        ).values_list("branch_id", flat=True)
    )


@mandatory_source("failed_review", _("上次评审不达标"))
def failed_last_review(round_, unit_ids, today):
    from assessments import selectors
    from assessments.models import Review, Tier

    lowest = {}
    for edition_id, name in Tier.objects.order_by("edition_id", "-min_score").values_list(
        "edition_id", "name"
    ):
        lowest[edition_id] = name  # the last one per edition is its lowest tier
    latest = {}
    reviews = selectors.with_results(
        Review.objects.filter(
            branch__unit_id__in=unit_ids, status=Review.Status.FINALIZED, year__lt=round_.year + 1
        ).exclude(kind=Review.Kind.SELF)
    ).order_by("branch_id", "year", "finalized_at", "pk")
    for branch_id, edition_id, tier in reviews.values_list("branch_id", "edition_id", "tier"):
        latest[branch_id] = tier == lowest.get(edition_id)
    return {branch_id for branch_id, failed in latest.items() if failed}


@mandatory_source("renewal_overdue", _("换届超期"))
def renewal_overdue(round_, unit_ids, today):
    approved = Postponement.objects.filter(
        term=OuterRef("pk"), status=Postponement.Status.APPROVED, until__gte=today
    )
    return set(
        Term.objects.filter(Q(branch__unit_id__in=unit_ids), status=Term.Status.ACTIVE, ends_on__lt=today)
        .filter(~Exists(approved))
        .values_list("branch_id", flat=True)
    )


@mandatory_source("duty_review", _("述职评议为一般或差"))
def flagged_by_duty_review(round_, unit_ids, today):
    """Branches whose secretary was graded 一般/差 in the 述职评议 cycle before the round."""
    from assessments.duty_review.selectors import branches_flagged_for_observation

    return set(
        branches_flagged_for_observation(round_.year - 1)
        .filter(kind=Organization.Kind.BRANCH, unit_id__in=unit_ids)
        .values_list("pk", flat=True)
    )
