"""Pure aggregation of observers' scores (domain.md §8.4)."""

from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")


def trimmed_mean(values, *, trim_from=5):
    """Mean of ``values``, dropping one highest and one lowest when there are ``trim_from`` or more."""
    values = sorted(Decimal(v) for v in values if v is not None)
    if not values:
        return None
    if trim_from and len(values) >= max(trim_from, 3):
        values = values[1:-1]
    return (sum(values) / len(values)).quantize(TWO, rounding=ROUND_HALF_UP)


def observer_value(*, item_is_auto, auto_score, given):
    """What an observer's score of an item counts as: AUTO items keep the computed score unless
    the observer adjusted it (with a reason)."""
    if given is not None:
        return given
    if item_is_auto:
        return auto_score if auto_score is not None else Decimal(0)
    return None


def label_for(total, *, advanced_min, lagging_below):
    if total is None:
        return ""
    if total >= Decimal(str(advanced_min)):
        return "advanced"
    if total < Decimal(str(lagging_below)):
        return "lagging"
    return "middle"


def tier_for(total, tiers):
    """Name of the highest tier (``[(min_score, name)]``) the total reaches; lowest otherwise."""
    if total is None or not tiers:
        return ""
    ordered = sorted(tiers, key=lambda t: t[0], reverse=True)
    for minimum, name in ordered:
        if total >= minimum:
            return name
    return ordered[-1][1]


def weighted(parts):
    """Weighted score over the parts that exist: ``[(value or None, weight)]``; missing parts
    hand their weight to the others in proportion."""
    present = [(Decimal(v), Decimal(str(w))) for v, w in parts if v is not None and w]
    weight = sum(w for _v, w in present)
    if not weight:
        return None
    return (sum(v * w for v, w in present) / weight).quantize(TWO, rounding=ROUND_HALF_UP)


def competition_ranks(rows, key):
    """{row id: rank} with ties sharing a rank (1, 2, 2, 4) for rows sorted by ``key`` descending."""
    ordered = sorted(rows, key=lambda r: (-(key(r) or 0), r.pk))
    ranks, previous, rank = {}, object(), 0
    for position, row in enumerate(ordered, start=1):
        value = key(row) or 0
        if value != previous:
            rank, previous = position, value
        ranks[row.pk] = rank
    return ranks
