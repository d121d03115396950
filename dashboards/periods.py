"""Reporting periods of the indicator snapshots: calendar quarters and years."""

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

QUARTER, YEAR = "quarter", "year"
# Default of the policy key dashboards.close_after_days: a period is closed (frozen against the
# nightly run) this many days after its last day.
CLOSE_AFTER_DAYS = 15


def close_after_days():
    from branches.policy import policy_get

    return policy_get("dashboards.close_after_days")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: str  # "quarter" or "year"
    number: int = 1  # quarter 1–4; 1 for a year

    def __post_init__(self):
        if self.kind not in (QUARTER, YEAR):
            raise ValueError(self.kind)
        if self.kind == YEAR and self.number != 1 or self.kind == QUARTER and not 1 <= self.number <= 4:
            raise ValueError(self.number)

    @classmethod
    def quarter_of(cls, day):
        return cls(day.year, QUARTER, (day.month - 1) // 3 + 1)

    @classmethod
    def year_of(cls, day):
        return cls(day.year, YEAR, 1)

    @property
    def start(self):
        if self.kind == YEAR:
            return date(self.year, 1, 1)
        return date(self.year, 3 * (self.number - 1) + 1, 1)

    @property
    def end(self):
        months = 12 if self.kind == YEAR else 3
        return self.start + relativedelta(months=months, days=-1)

    @property
    def key(self):
        return str(self.year) if self.kind == YEAR else f"{self.year}Q{self.number}"

    @property
    def label(self):
        if self.kind == YEAR:
            return _("%(year)d年") % {"year": self.year}
        return _("%(year)d年Q%(q)d") % {"year": self.year, "q": self.number}

    @property
    def previous_year(self):
        """The same period one year earlier (for year-on-year change)."""
        return Period(self.year - 1, self.kind, self.number)

    def as_of(self, today):
        """The day the period's state is measured on: its last day, or today while it runs."""
        return min(self.end, today)

    def contains(self, day):
        return self.start <= day <= self.end

    def is_closed(self, today, grace=None):
        grace = CLOSE_AFTER_DAYS if grace is None else grace
        return today > self.end + timedelta(days=grace)

    def quarters(self):
        if self.kind == QUARTER:
            return [self]
        return [Period(self.year, QUARTER, q) for q in range(1, 5)]


def open_periods(today, grace=None):
    """Periods the nightly job recomputes: every period that has started and is not closed."""
    grace = close_after_days() if grace is None else grace
    found = set()
    for day in (today, today - timedelta(days=grace + 1)):
        for period in (Period.quarter_of(day), Period.year_of(day)):
            if period.start <= today and not period.is_closed(today, grace):
                found.add(period)
    # today - grace may fall in the current quarter; every not-yet-closed period is covered.
    return sorted(found)


def periods_of_year(year, today=None):
    """The year and its quarters that have started by ``today``."""
    periods = [Period(year, YEAR)] + Period(year, YEAR).quarters()
    return [p for p in periods if today is None or p.start <= today]


def parse(key):
    """'2025' or '2025Q3' → Period; ValueError on anything else."""
    key = (key or "").strip().upper()
    if "Q" in key:
        year, quarter = key.split("Q", 1)
        return Period(int(year), QUARTER, int(quarter))
    return Period(int(key), YEAR)
