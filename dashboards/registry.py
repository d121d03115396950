"""The indicator registry (domain.md §11): what each indicator is and how it is computed.

An indicator is a key, a label, a unit, a direction, how branch values roll up to a unit and
to the province, the period kinds it exists for, and a compute function. The compute function
is called ONCE per period with all branch ids (it must use a few grouped queries, never one
per branch) and returns ``{branch_id: value}`` — or ``None`` when its source has no data for
the period, which the pages show as 暂无数据 (never a made-up number).

Value shapes by aggregation:
    RATIO   (numerator, denominator) per branch; unit/province = Σnum / Σden, in percent
    SUM     a number per branch; unit/province = the sum
    MEAN / MEDIAN / P10   a number per branch; unit/province = that statistic over branches

Features that are not in this app provide compute functions WITHOUT importing dashboards
(nothing imports this top layer): any module named ``indicators`` in an installed app or in a
package one level below an app (``training/indicators.py``,
``assessments/observation/indicators.py`` …) that defines

    PROVIDES = {"training_coverage": compute_function, ...}

is discovered; each key must be one registered here (placeholders included). The function's
signature is ``compute(period, branch_ids)`` where ``period`` has ``kind`` ("quarter"/"year"),
``year``, ``number``, ``start``, ``end`` (dates, inclusive) and ``as_of(today)``.
"""

import importlib
import logging
import pkgutil
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

RATIO, SUM, MEAN, MEDIAN, P10 = "ratio", "sum", "mean", "median", "p10"
HIGHER, LOWER = "higher", "lower"
QUARTER, YEAR = "quarter", "year"


@dataclass
class Indicator:
    key: str
    label: object
    unit: str  # "%", "分", "个"
    direction: str  # HIGHER or LOWER is better
    aggregation: str
    compute: object = None  # None: registered placeholder until its feature provides one
    periods: tuple = (QUARTER, YEAR)
    source: object = ""  # the feature the data comes from, shown when there is no data
    group: str = ""
    description: object = ""
    branch_level: bool = True  # stored per branch too (median/P10 of one branch are not)
    meta: dict = field(default_factory=dict)

    @property
    def has_source(self):
        return self.compute is not None


_REGISTRY: dict[str, Indicator] = {}
_discovered = False


def register(indicator):
    if indicator.key in _REGISTRY:
        raise ValueError(f"indicator {indicator.key} registered twice")
    _REGISTRY[indicator.key] = indicator
    return indicator


def provide(key, compute):
    """Attach a compute function to a registered (placeholder) indicator."""
    if key not in _REGISTRY:
        raise KeyError(f"unknown indicator {key}; register it in dashboards/indicators.py first")
    _REGISTRY[key].compute = compute


def _provider_modules():
    for config in apps.get_app_configs():
        if config.name.startswith("django") or "." in config.name:
            continue
        yield f"{config.name}.indicators"
        package = importlib.import_module(config.name)
        for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
            if info.ispkg:
                yield f"{config.name}.{info.name}.indicators"


def discover():
    """Import the built-ins, then every feature's ``indicators`` module (once per process)."""
    global _discovered
    if _discovered:
        return
    from . import indicators  # noqa: F401  (registers the built-ins and placeholders)

    for name in _provider_modules():
        if name == "dashboards.indicators":
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        for key, compute in getattr(module, "PROVIDES", {}).items():
            provide(key, compute)
            logger.info("indicator %s provided by %s", key, name)
    _discovered = True


def all_indicators():
    discover()
    return list(_REGISTRY.values())


def get(key):
    discover()
    return _REGISTRY[key]


def labels():
    return {ind.key: ind.label for ind in all_indicators()}


PLACEHOLDER_NOTE = _("该功能的数据尚未接入")
