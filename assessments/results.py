"""A review's result — its total and whether a veto item was triggered — from its item scores.

A finalized review stores its result (``Review.final_total`` / ``final_vetoed``, written by the
services that finalize it); any other review computes it when read. Both go through this module,
so the stored and the computed figures follow one definition: the sum of the scores given (0
when none is), and "vetoed" when any item score has its veto triggered.
"""

from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import ItemScore

POINTS: "DecimalField[Decimal, Decimal]" = DecimalField(max_digits=6, decimal_places=1)


def sum_scores(**filters):
    """Sum of the scores of the item scores matching ``filters`` (e.g. ``review=OuterRef("pk")``)."""
    return Coalesce(
        Subquery(
            ItemScore.objects.filter(**filters).values("review_id").annotate(s=Sum("score")).values("s")[:1],
            output_field=POINTS,
        ),
        Value(Decimal(0)),
        output_field=POINTS,
    )


def any_veto(**filters):
    """Whether an item score matching ``filters`` has its veto triggered."""
    return Exists(ItemScore.objects.filter(veto_triggered=True, **filters))


def stored_fields():
    """``Review`` fields for an UPDATE that stores each row's result from its current scores."""
    return {
        "final_total": sum_scores(review=OuterRef("pk")),
        "final_vetoed": any_veto(review=OuterRef("pk")),
    }


def of_rows(scores):
    """(total, vetoed) of unsaved ItemScore objects, by the same definition (bulk seeders)."""
    total = sum((row.score for row in scores if row.score is not None), Decimal(0))
    return total, any(row.veto_triggered for row in scores)
