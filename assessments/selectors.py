"""Reads for the standards and scoring pages, scoped to the viewer.

Ranks are computed by PostgreSQL (window functions) over totals and veto flags that finalized
reviews store (``Review.final_total`` / ``final_vetoed``) and other reviews compute from their
scores (subqueries), so every list costs the same number of queries whatever its length.
"""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Rank
from django.utils.translation import gettext as _

from branches import permissions
from branches.models import Organization
from branches.permissions import Action

from . import results, rules
from .models import Dimension, Edition, Evidence, Item, ItemScore, Review, ScoreChange, Tier

POINTS = results.POINTS


def _tier_name(edition_ref, total_ref, vetoed_ref):
    """Tier for a total; a triggered veto forces the lowest tier of the edition."""
    tiers = Tier.objects.filter(edition=OuterRef(edition_ref))
    reached = tiers.filter(min_score__lte=OuterRef(total_ref)).order_by("-min_score").values("name")[:1]
    lowest = tiers.order_by("min_score").values("name")[:1]
    return Case(When(**{vetoed_ref: True}, then=Subquery(lowest)), default=Subquery(reached))


def tier_of(tiers, total, vetoed):
    """The rule of ``_tier_name`` over an edition's tiers, highest cut-off first."""
    if vetoed:
        return tiers[-1].name if tiers else None
    return next((tier.name for tier in tiers if tier.min_score <= total), None)


def with_tiers(reviews, tiers=None):
    """The rows (annotated with total and vetoed) as a list, each with its ``tier`` picked in
    Python from its edition's few tiers: one query for the rows shown (none when the caller
    passes the ``tiers`` of the rows' one edition), instead of two subqueries per ranked row."""
    rows = list(reviews)
    by_edition: defaultdict[int, list[Tier]] = defaultdict(list)
    if tiers is not None:
        by_edition.update({row.edition_id: list(tiers) for row in rows})
    elif rows:
        for tier in Tier.objects.filter(edition_id__in={row.edition_id for row in rows}):
            by_edition[tier.edition_id].append(tier)
    for edition_tiers in by_edition.values():
        edition_tiers.sort(key=lambda tier: tier.min_score, reverse=True)
    for row in rows:
        row.tier = tier_of(by_edition[row.edition_id], row.total, row.vetoed)
    return rows


def with_figures(reviews):
    """Annotate total and vetoed on a Review queryset: read from the review when finalized,
    computed from its item scores otherwise. A finalized review always has them and any other
    never (constraint ``review_result_stored_iff_finalized``), and PostgreSQL's COALESCE stops
    at the first non-null argument, so the subqueries run only for reviews not finalized."""
    return reviews.annotate(
        total=Coalesce(F("final_total"), results.sum_scores(review=OuterRef("pk")), output_field=POINTS),
        vetoed=Coalesce(
            F("final_vetoed"), results.any_veto(review=OuterRef("pk")), output_field=BooleanField()
        ),
    )


def with_results(reviews):
    """Annotate total, vetoed and tier on a Review queryset."""
    return with_figures(reviews).annotate(tier=_tier_name("edition", "total", "vetoed"))


def ranked(reviews):
    """Finalized reviews with their stored total and vetoed, ranked within the unit and within
    the category (window functions). No tier: ``with_tiers`` adds it to the rows shown.

    Only finalized reviews are ranked, and they all store their result: plain columns here,
    not ``with_figures``' COALESCE, whose subqueries never run for them but which the planner
    still costs per row and per window sort (enough to trigger PostgreSQL's JIT compilation,
    about 80 ms on a province's period)."""
    order = [F("vetoed").asc(), F("total").desc()]
    return (
        reviews.filter(status=Review.Status.FINALIZED)
        .annotate(total=F("final_total"), vetoed=F("final_vetoed"))
        .annotate(
            rank_unit=Window(Rank(), partition_by=[F("branch__unit_id")], order_by=order),
            rank_category=Window(Rank(), partition_by=[F("branch__category")], order_by=order),
            peers_unit=Window(Count("pk"), partition_by=[F("branch__unit_id")]),
            peers_category=Window(Count("pk"), partition_by=[F("branch__category")]),
        )
    )


def comparable(review):
    """Finalized reviews of the same kind and period (the group a review is ranked in)."""
    return Review.objects.filter(
        kind=review.kind,
        period_kind=review.period_kind,
        year=review.year,
        period_no=review.period_no,
        edition=review.edition_id,
        status=Review.Status.FINALIZED,
    )


def review_result(review, tiers=None):
    """Total, vetoed, tier and ranks of one review; ranks only once it is finalized.
    ``tiers``: the review's edition's tiers when the caller has them already."""
    if review.status != Review.Status.FINALIZED:
        row = with_figures(Review.objects.filter(pk=review.pk)).get()
    else:
        # A filter on a window annotation is applied after the window is computed (QUALIFY), so
        # this picks one row without shrinking the ranking partitions to that row.
        row = (
            ranked(comparable(review))
            .only("edition_id")  # narrow rows for the window sorts over the whole period
            .annotate(row_pk=Window(Max("pk"), partition_by=[F("pk")]))
            .filter(row_pk=review.pk)
            .get()
        )
    return with_tiers([row], tiers)[0]


def visible_reviews(user):
    """Reviews the user may open: all in their REVIEW scope; in their VIEW scope only the
    branch's own self-assessments and finalized reviews (secretaries never see drafts of
    the committee's scoring)."""
    if permissions.scope_paths(user, Action.REVIEW) is None:
        # Everywhere (admins). Not via scope_q: an empty Q() drops out of "Q() | (...)", which
        # would leave admins with only self-assessments and finalized reviews.
        return Review.objects.all()
    return Review.objects.filter(
        permissions.scope_q(user, Action.REVIEW, "branch__")
        | permissions.scope_q(user, Action.VIEW, "branch__")
        & (Q(kind=Review.Kind.SELF) | Q(status=Review.Status.FINALIZED))
    )


def worklist(user, *, kind, period_kind, year, period_no, unit_id=None, status=None, search=""):
    """Branches the user may score, with this period's review and self-assessment."""
    period = {"period_kind": period_kind, "year": year, "period_no": period_no}
    reviews = Review.objects.filter(branch=OuterRef("pk"), kind=kind, **period)
    self_reviews = Review.objects.filter(branch=OuterRef("pk"), kind=Review.Kind.SELF, **period)
    branches = (
        Organization.objects.filter(
            permissions.scope_q(user, Action.REVIEW), kind=Organization.Kind.BRANCH, is_active=True
        )
        .select_related("unit")
        .annotate(
            review_id=Subquery(reviews.values("pk")[:1]),
            review_status=Subquery(reviews.values("status")[:1]),
            review_edition=Subquery(reviews.values("edition_id")[:1]),
            self_id=Subquery(self_reviews.values("pk")[:1]),
            self_status=Subquery(self_reviews.values("status")[:1]),
        )
        # Scores are looked up by review id (an index lookup), not by joining reviews again.
        .annotate(
            self_total=results.sum_scores(review=OuterRef("self_id")),
            review_total=results.sum_scores(review=OuterRef("review_id")),
            review_vetoed=results.any_veto(review=OuterRef("review_id")),
        )
        .annotate(review_tier=_tier_name("review_edition", "review_total", "review_vetoed"))
        .order_by("unit_id", "pk")  # paths sort as text (/10/ before /2/); ids follow creation
    )
    if unit_id:
        branches = branches.filter(unit_id=unit_id)
    if status == "none":
        branches = branches.filter(review_id__isnull=True)
    elif status:
        branches = branches.filter(review_status=status)
    if search:
        branches = branches.filter(Q(name__icontains=search) | Q(unit__name__icontains=search))
    return branches


def visible_branches(user, action=Action.VIEW):
    return Organization.objects.filter(
        permissions.scope_q(user, action), kind=Organization.Kind.BRANCH
    ).order_by("path")


def units_for(user):
    return Organization.objects.filter(
        permissions.scope_q(user, Action.REVIEW), kind=Organization.Kind.UNIT_COMMITTEE
    ).order_by("path")


def review_for_page(review):
    """Everything the scoring page shows, in a fixed number of queries."""
    scores = list(
        review.scores.select_related("item__dimension", "updated_by").order_by(
            "item__dimension__order", "item__order", "item__pk"
        )
    )
    self_review = None
    self_scores = {}
    if review.kind != Review.Kind.SELF:
        self_review = Review.objects.filter(
            branch=review.branch_id,
            kind=Review.Kind.SELF,
            period_kind=review.period_kind,
            year=review.year,
            period_no=review.period_no,
        ).first()
        if self_review is not None:
            self_scores = {
                row["item__code"]: row
                for row in ItemScore.objects.filter(review=self_review).values(
                    "item__code", "score", "comment", "veto_triggered"
                )
            }
    tiers = list(review.edition.tiers.all())
    evidence = defaultdict(list)
    ids = [review.pk] + ([self_review.pk] if self_review else [])
    for doc in Evidence.objects.filter(review_id__in=ids).select_related("item"):
        evidence[doc.item.code].append(doc)
    dimension_totals = dict(
        ItemScore.objects.filter(review=review)
        .values("item__dimension_id")
        .annotate(s=Coalesce(Sum("score"), Value(Decimal(0)), output_field=POINTS))
        .values_list("item__dimension_id", "s")
    )
    dimensions: list[dict[str, Any]] = []
    for row in scores:
        item = row.item
        row.self_score = self_scores.get(item.code)
        row.evidence_files = evidence.get(item.code, [])
        if not dimensions or dimensions[-1]["dimension"].pk != item.dimension_id:
            dimensions.append(
                {
                    "dimension": item.dimension,
                    "rows": [],
                    "total": dimension_totals.get(item.dimension_id, Decimal(0)),
                    "self_total": Decimal(0),
                }
            )
        dimensions[-1]["rows"].append(row)
        if row.self_score and row.self_score["score"] is not None:
            dimensions[-1]["self_total"] += row.self_score["score"]
    return {
        "dimensions": dimensions,
        "self_review": self_review,
        "result": review_result(review, tiers),
        "tiers": tiers,
        "scorers": list(review.scorers.all()),
    }


def score_changes(review):
    return ScoreChange.objects.filter(review=review).select_related("item", "changed_by")


def branch_results(user, branches):
    """Reviews of these branches the user may see, newest first, with totals and tiers."""
    return with_results(visible_reviews(user).filter(branch__in=branches).select_related("edition")).order_by(
        "-year", "-period_no", "kind"
    )


def rankings(user, *, kind, period_kind, year, period_no):
    """Finalized reviews of a period in the user's scope, ranked across the whole period.
    Rows carry total and vetoed, not the tier: pass the rows shown through ``with_tiers``."""
    base = Review.objects.filter(
        kind=kind, period_kind=period_kind, year=year, period_no=period_no, status=Review.Status.FINALIZED
    )
    rows = (
        ranked(base)
        .select_related("branch__unit")
        # What the list shows: narrow rows keep the window functions' sorts of a whole
        # province's period small (half the query's time with every column of three tables).
        .only("edition_id", "branch__name", "branch__category", "branch__unit__name")
        .order_by("vetoed", "-total", "branch__path")
    )
    if permissions.scope_paths(user, Action.VIEW) is None:
        return rows
    # Ranks count every branch of the period; the list shows only the viewer's scope. The
    # scope test is a window annotation so that it filters after ranking (QUALIFY).
    in_scope = permissions.scope_q(user, Action.VIEW, "branch__")
    return rows.annotate(
        visible=Window(Max(Case(When(in_scope, then=1), default=0)), partition_by=[F("pk")])
    ).filter(visible=1)


def progress(user, *, kind, year):
    """Counts of branches in scope by review status for a year (home panel)."""
    branches = Organization.objects.filter(
        permissions.scope_q(user, Action.REVIEW), kind=Organization.Kind.BRANCH, is_active=True
    )
    counts = dict(
        Review.objects.filter(branch__in=branches, kind=kind, year=year, period_kind=Review.PeriodKind.YEAR)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    total = branches.count()
    return {"total": total, "not_started": total - sum(counts.values()), **counts}


def latest_finalized(branch):
    return (
        with_results(
            Review.objects.filter(branch=branch, status=Review.Status.FINALIZED).exclude(
                kind=Review.Kind.SELF
            )
        )
        .select_related("edition")
        .order_by("-year", "-period_no", "-finalized_at")
        .first()
    )


def edition_list():
    return Edition.objects.annotate(
        dimension_count=Count("dimensions", distinct=True), review_count=Count("reviews", distinct=True)
    ).order_by("-year", "-pk")


def edition_structure(edition):
    dimensions = list(edition.dimensions.all())
    items = defaultdict(list)
    known = rules.known_rule_keys()
    for item in edition.items.all():
        item.rule_pending = (
            bool(item.rule_key) and item.rule_key in known and rules.get_rule(item.rule_key).pending
        )
        items[item.dimension_id].append(item)
    for dim in dimensions:
        dim.item_list = items.get(dim.pk, [])
        dim.item_total = sum((i.points for i in dim.item_list), Decimal(0))
    return dimensions


def _field_label(model, field):
    if field == "dimension__code":
        return _("所属维度")
    return model._meta.get_field(field).verbose_name


def _display(value):
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if value in Item.Mode.values:
        return Item.Mode(value).label
    return value


def edition_diff(old, new):
    """What changed from ``old`` to ``new``: dimensions, items (by code) and tiers."""

    def index(queryset, fields):
        return {row["code"]: row for row in queryset.values("code", *fields)}

    parts = [
        (
            "dimension",
            Dimension.objects.filter(edition=old),
            Dimension.objects.filter(edition=new),
            ["name", "name_en", "order", "max_points"],
        ),
        (
            "item",
            Item.objects.filter(edition=old),
            Item.objects.filter(edition=new),
            [
                "dimension__code",
                "requirement",
                "requirement_en",
                "points",
                "evidence",
                "mode",
                "rule_key",
                "is_veto",
            ],
        ),
        ("tier", Tier.objects.filter(edition=old), Tier.objects.filter(edition=new), ["name", "min_score"]),
    ]
    changes = []
    for part, old_qs, new_qs, fields in parts:
        before, after = index(old_qs, fields), index(new_qs, fields)
        for code in sorted(before.keys() | after.keys()):
            if code not in after:
                changes.append({"part": part, "code": code, "change": "removed", "fields": []})
            elif code not in before:
                changes.append({"part": part, "code": code, "change": "added", "fields": []})
            else:
                fields_changed = [
                    {
                        "field": f,
                        "label": _field_label(old_qs.model, f),
                        "old": _display(before[code][f]),
                        "new": _display(after[code][f]),
                    }
                    for f in fields
                    if before[code][f] != after[code][f]
                ]
                if fields_changed:
                    changes.append(
                        {"part": part, "code": code, "change": "changed", "fields": fields_changed}
                    )
    return changes
