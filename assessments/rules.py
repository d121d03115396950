"""Registry of rule functions that pre-score AUTO/SEMI items from data in the portal.

A rule is a function ``(branches, period) -> {branch_id: RuleResult}`` evaluated for many
branches at once (a constant number of queries, whatever the number of branches). A new rule is
one function plus its key::

    @rule("org.setup_compliant", _("支部设置符合规定"))
    def setup_compliant(branches, period): ...

Keys whose data the portal does not hold yet are registered with ``pending_rule``: they answer
"no data yet" (ratio None) instead of a made-up number, and a real ``rule`` with the same key
replaces the placeholder whatever the import order.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive


@dataclass(frozen=True)
class RuleResult:
    ratio: float | None  # share of the item's points earned, 0..1; None means no data yet
    detail: str  # plain explanation in the user's language

    @property
    def has_data(self):
        return self.ratio is not None


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    func: object
    pending: bool = False


_REGISTRY: dict[str, Rule] = {}


def rule(key, label):
    def register(func):
        existing = _REGISTRY.get(key)
        if existing is not None and not existing.pending:
            raise ValueError(f"Rule {key!r} is registered twice")
        _REGISTRY[key] = Rule(key=key, label=label, func=func)
        return func

    return register


def pending_rule(key, label):
    """Register a "no data yet" placeholder unless a real rule already holds the key."""
    if key in _REGISTRY:
        return

    def no_data(branches, period):
        result = RuleResult(ratio=None, detail=str(_("暂无数据：相关台账功能尚未启用。")))
        return {branch.pk: result for branch in branches}

    _REGISTRY[key] = Rule(key=key, label=label, func=no_data, pending=True)


def known_rule_keys():
    return set(_REGISTRY)


def get_rule(key):
    return _REGISTRY[key]


def evaluate(key, branches, period):
    """Results for every branch; branches a rule says nothing about get "no data"."""
    results = _REGISTRY[key].func(branches, period)
    missing = RuleResult(ratio=None, detail=str(_("暂无数据。")))
    return {branch.pk: results.get(branch.pk, missing) for branch in branches}


def evaluate_stored(key, branches, period):
    """``evaluate`` with explanations in the default language, for saving on a score row.

    Stored texts are then translated on display (the ``hint`` template filter), so a review
    computed while someone used the English UI still reads in Chinese for everyone else.
    """
    with translation.override(settings.LANGUAGE_CODE):
        results = evaluate(key, branches, period)
        return {pk: RuleResult(ratio=r.ratio, detail=str(r.detail)) for pk, r in results.items()}
