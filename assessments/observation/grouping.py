"""Pure computation of observation groups and the crossing rule (domain.md §8.3).

No database access: the services pass plain values, so the rule can be checked as a property
over random unit sets.

Crossing rule: groups are numbered 1..G; group g observes group g+1 and the last observes the
first. With G >= 2 the observed group is never the observer's own group, hence no unit observes
itself or a unit of its own group.
"""

from collections import Counter
from dataclasses import dataclass
from math import ceil

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class UnitFacts:
    id: int
    branches: int = 0
    members: int = 0
    category: int | None = None
    name: str = ""

    @property
    def size(self):
        return self.branches * 20 + self.members


def group_count(n, low, high):
    """The fewest groups (at least 2) whose sizes can all lie within [low, high]."""
    if low < 1 or high < low:
        raise ValidationError(_("每组单位数的范围设置无效。"))
    for count in range(max(2, ceil(n / high)), n // low + 1):
        if count * low <= n <= count * high:
            return count
    raise ValidationError(
        _("参加单位共%(n)d个，无法分成至少2个每组%(low)d至%(high)d个单位的观摩组。")
        % {"n": n, "low": low, "high": high}
    )


def propose(units, low, high):
    """Split ``units`` (UnitFacts) into groups balanced by size and category.

    Returns a list of lists of unit ids; group sizes differ by at most one. Units are dealt
    largest first, each to the group with the fewest units, then the fewest of its category,
    then the smallest total size, so both size and category spread evenly.
    """
    units = list(units)
    count = group_count(len(units), low, high)
    groups = [[] for _ in range(count)]
    sizes = [0] * count
    categories = [Counter() for _ in range(count)]
    for unit in sorted(units, key=lambda u: (-u.size, u.id)):
        target = min(range(count), key=lambda g: (len(groups[g]), categories[g][unit.category], sizes[g], g))
        groups[target].append(unit.id)
        sizes[target] += unit.size
        categories[target][unit.category] += 1
    return groups


def observed_index(index, count):
    """Index of the group observed by group ``index`` (A→B, B→C, …, last→A)."""
    return (index + 1) % count


def validate_groups(groups, low, high):
    """Raise a Chinese ValidationError unless ``groups`` (lists of unit ids) obey the bounds."""
    if len(groups) < 2:
        raise ValidationError(_("至少需要2个观摩组，才能交叉观摩而不观摩本组单位。"))
    seen = Counter(unit for group in groups for unit in group)
    repeated = [unit for unit, times in seen.items() if times > 1]
    if repeated:
        raise ValidationError(_("同一单位只能属于一个观摩组。"))
    for number, group in enumerate(groups, start=1):
        if not low <= len(group) <= high:
            raise ValidationError(
                _("第%(g)d组有%(n)d个单位，每组应为%(low)d至%(high)d个单位。")
                % {"g": number, "n": len(group), "low": low, "high": high}
            )


def move(groups, unit, target, low, high):
    """New groups with ``unit`` moved to group index ``target``; refused unless valid."""
    moved = [[u for u in group if u != unit] for group in groups]
    if not any(unit in group for group in groups):
        raise ValidationError(_("该单位未参加本轮观摩。"))
    if not 0 <= target < len(moved):
        raise ValidationError(_("观摩组不存在。"))
    moved[target].append(unit)
    validate_groups(moved, low, high)
    return moved


def crossing_violation(*, observer_unit, host_unit, unit_group):
    """The reason an observer from ``observer_unit`` may not visit ``host_unit``, or None.

    ``unit_group`` maps unit id → group index.
    """
    if observer_unit == host_unit:
        return _("观摩员不能观摩本单位的支部。")
    if unit_group.get(observer_unit) is not None and unit_group.get(observer_unit) == unit_group.get(
        host_unit
    ):
        return _("观摩员不能观摩本组单位的支部（交叉观摩规则）。")
    return None
