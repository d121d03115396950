"""Building indicator snapshots: compute per branch, roll up to units and the province, upsert.

``build(periods)`` is idempotent: the same data gives the same rows. Closed periods are only
touched when ``rebuild=True`` (the management command), and every value a rebuild changes in a
closed period is logged in SnapshotChange (old → new).
"""

import logging
import math
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import permissions
from branches.models import Organization, User

from . import registry
from .indicators import run_cache
from .models import Snapshot, SnapshotChange, Target

logger = logging.getLogger(__name__)
Kind = Organization.Kind
BATCH = 5000


def percentile(values, fraction):
    """Linear-interpolated percentile of a non-empty list (same method as numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def aggregate(indicator, values):
    """(value, numerator, denominator, sample) of a group of branch values; None when empty."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    kind = indicator.aggregation
    if kind == registry.RATIO:
        # fsum: exact, so the result never depends on the order the rows arrived in.
        num = math.fsum(n for n, _d in values)
        den = math.fsum(d for _n, d in values)
        return (100.0 * num / den, num, den, len(values)) if den else None
    numbers = [float(v) for v in values]
    if kind == registry.SUM:
        return (math.fsum(numbers), None, None, len(numbers))
    if kind == registry.MEAN:
        return (math.fsum(numbers) / len(numbers), None, None, len(numbers))
    if kind == registry.MEDIAN:
        return (percentile(numbers, 0.5), None, None, len(numbers))
    if kind == registry.P10:
        return (percentile(numbers, 0.1), None, None, len(numbers))
    raise ValueError(kind)


def organization_frame():
    """(root id, {group id: [branch ids]}, [branch ids]) of the active tree (one query).

    The groups are the units and the general branches (党总支): a unit's group holds all its
    branches (also those under its general branches), a general branch's group the branches
    directly under it. Each group gets snapshot rows rolled up from its branches.
    """
    root_id, groups, branch_ids = None, defaultdict(list), []
    generals = set()
    rows = list(Organization.objects.filter(is_active=True).values_list("pk", "kind", "unit_id", "parent_id"))
    for pk, kind, _unit_id, _parent_id in rows:
        if kind == Kind.GENERAL_BRANCH:
            generals.add(pk)
    for pk, kind, unit_id, parent_id in rows:
        if kind == Kind.WORK_COMMITTEE:
            root_id = pk
        elif kind == Kind.BRANCH:
            branch_ids.append(pk)
            if unit_id:
                groups[unit_id].append(pk)
            if parent_id in generals:
                groups[parent_id].append(pk)
    return root_id, groups, branch_ids


def compute_rows(period, *, frame=None):
    """{(org id, indicator key): (value, num, den, sample)} for one period, all organizations."""
    root_id, groups, branch_ids = frame or organization_frame()
    rows = {}
    for indicator in registry.all_indicators():
        if period.kind not in indicator.periods or not indicator.has_source:
            continue
        by_branch = indicator.compute(period, branch_ids)
        if by_branch is None:
            continue
        if indicator.branch_level:
            for branch_id, value in by_branch.items():
                result = aggregate(indicator, [value])
                if result is not None:
                    rows[(branch_id, indicator.key)] = result
        for group_id, members in groups.items():
            result = aggregate(indicator, [by_branch.get(b) for b in members])
            if result is not None:
                rows[(group_id, indicator.key)] = result
        if root_id is not None:
            result = aggregate(indicator, list(by_branch.values()))
            if result is not None:
                rows[(root_id, indicator.key)] = result
    return rows


def _filter(period):
    return {"period_kind": period.kind, "year": period.year, "period_no": period.number}


@transaction.atomic
def write_period(period, rows, *, log_changes=False, reason=""):
    """Replace the period's snapshots with ``rows``; returns (written, changed, removed)."""
    now = timezone.now()
    where = _filter(period)
    old = {
        (org_id, key): value
        for org_id, key, value in Snapshot.objects.filter(**where).values_list(
            "organization_id", "indicator", "value"
        )
    }
    changes = []
    for key in set(old) | set(rows):
        before = old.get(key)
        after = rows[key][0] if key in rows else None
        if before is None:
            continue  # a first value is not a change (the first build of a period logs nothing)
        if before is None or after is None or not math.isclose(before, after, rel_tol=1e-9, abs_tol=1e-9):
            changes.append((key, before, after))
    gone = [key for key in old if key not in rows]
    if gone:
        by_indicator = defaultdict(list)
        for org_id, key in gone:
            by_indicator[key].append(org_id)
        for key, org_ids in by_indicator.items():
            Snapshot.objects.filter(**where, indicator=key, organization_id__in=org_ids).delete()
    Snapshot.objects.bulk_create(
        [
            Snapshot(
                organization_id=org_id,
                indicator=key,
                value=value,
                numerator=num,
                denominator=den,
                sample=sample,
                computed_at=now,
                **where,
            )
            for (org_id, key), (value, num, den, sample) in rows.items()
        ],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["organization", "period_kind", "year", "period_no", "indicator"],
        update_fields=["value", "numerator", "denominator", "sample", "computed_at"],
    )
    if log_changes and changes:
        SnapshotChange.objects.bulk_create(
            [
                SnapshotChange(
                    organization_id=org_id,
                    indicator=key,
                    old_value=before,
                    new_value=after,
                    reason=reason[:200],
                    **where,
                )
                for (org_id, key), before, after in changes
            ],
            batch_size=BATCH,
        )
        for (org_id, key), before, after in changes[:50]:
            logger.info("snapshot %s %s org %s: %s → %s", period.key, key, org_id, before, after)
    return len(rows), len(changes), len(gone)


def build(periods, *, today=None, rebuild=False, reason=""):
    """Compute and store the given periods. Closed periods are skipped unless ``rebuild``.

    Returns {period key: (written, changed, removed)}; skipped periods are absent.
    """
    from .periods import close_after_days

    today = today or timezone.localdate()
    grace = close_after_days()
    frame = organization_frame()
    done = {}
    with run_cache():
        for period in periods:
            closed = period.is_closed(today, grace)
            if closed and not rebuild:
                logger.info("snapshot %s is closed; left unchanged", period.key)
                continue
            rows = compute_rows(period, frame=frame)
            done[period.key] = write_period(period, rows, log_changes=closed, reason=reason or "rebuild")
    return done


# --- yearly targets (admins) ------------------------------------------------------------------


def _check_target(indicator: str, year: int, kind: str, value: float | None) -> None:
    errors = {}
    if indicator not in {i.key for i in registry.all_indicators()}:
        errors["indicator"] = _("没有这个指标。")
    if not 2000 <= year <= 2100:
        errors["year"] = _("年度不正确。")
    if kind not in Target.Kind.values:
        errors["kind"] = _("目标类型不正确。")
    elif kind == Target.Kind.VALUE and value is None:
        errors["value"] = _("“达到目标值”类型必须填写目标值。")
    if value is not None and not math.isfinite(value):
        errors["value"] = _("目标值不正确。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def target_save(
    *, user: User, indicator: str, year: int, kind: str, value: float | None = None, note: str = ""
) -> Target:
    """Set (create or change) the target of one indicator for one year; the change is kept in the
    target's history with the user who made it."""
    permissions.require_admin(user)
    _check_target(indicator, year, kind, value)
    target = Target.objects.select_for_update().filter(indicator=indicator, year=year).first() or Target(
        indicator=indicator, year=year
    )
    target.kind = kind
    target.value = value if kind == Target.Kind.VALUE else None
    target.note = note.strip()[:200]
    target.updated_by = user
    setattr(target, "_history_user", user)  # noqa: B010 (simple-history reads it)
    target.save()
    return target


@transaction.atomic
def target_delete(*, user: User, target: Target) -> None:
    """Remove a year's target (the indicator then shows 未设目标); the history keeps it."""
    permissions.require_admin(user)
    setattr(target, "_history_user", user)  # noqa: B010 (simple-history reads it)
    target.delete()
