"""Pure computation of a term's place on the reminder-and-supervision ladder (domain.md §5.4).

No database access: callers pass the dates and flags, so the rules are easy to test at every
boundary and the daily sweep can evaluate thousands of terms from one query.

Catch-up choice: the ladder answers with the *latest* stage a term has reached on a day.
A sweep that did not run for a while therefore sends that one stage, never a burst of stale
ones (a secretary reached at T-2m gets the second reminder, not the first and the second
on the same morning); the earlier rungs stay unsent and the timeline shows them as skipped.
"""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_lazy as _

from branches.models import Renewal, TermReminder

Stage = TermReminder.Stage

# Ladder order, earliest first; also the order of escalation.
ORDER = [
    Stage.FIRST,
    Stage.SECOND,
    Stage.URGENT,
    Stage.OVERDUE,
    Stage.POSTPONEMENT_EXPIRED,
    Stage.SUPERVISION,
    Stage.VIOLATION,
]
RANK: dict[str, int] = {stage: index for index, stage in enumerate(ORDER)}

SECRETARY, UNIT_STAFF, PROVINCIAL_STAFF = "secretary", "unit_staff", "provincial_staff"
# Who hears of each stage: the branch secretary, the unit committee's staff and, from the
# urgent reminder on, the working committee's (provincial) staff.
RECIPIENTS: dict[str, tuple[str, ...]] = {
    Stage.FIRST: (SECRETARY, UNIT_STAFF),
    Stage.SECOND: (SECRETARY, UNIT_STAFF),
    Stage.URGENT: (SECRETARY, UNIT_STAFF, PROVINCIAL_STAFF),
    Stage.OVERDUE: (SECRETARY, UNIT_STAFF, PROVINCIAL_STAFF),
    Stage.POSTPONEMENT_EXPIRED: (SECRETARY, UNIT_STAFF, PROVINCIAL_STAFF),
    Stage.SUPERVISION: (SECRETARY, UNIT_STAFF, PROVINCIAL_STAFF),
    Stage.VIOLATION: (SECRETARY, UNIT_STAFF, PROVINCIAL_STAFF),
}
# Stages the secretary must acknowledge (签收) in the notification centre.
SECRETARY_ACK = frozenset({Stage.FIRST, Stage.SECOND, Stage.URGENT, Stage.SUPERVISION})


@dataclass(frozen=True)
class Offsets:
    first: int = 6
    second: int = 3
    urgent: int = 1
    supervision: int = 1
    violation: int = 12

    @classmethod
    def from_policy(cls, values):
        return cls(
            first=values["renewal.first_reminder_months"],
            second=values["renewal.second_reminder_months"],
            urgent=values["renewal.urgent_reminder_months"],
            supervision=values["renewal.supervision_after_months"],
            violation=values["renewal.violation_after_months"],
        )


@dataclass(frozen=True)
class TermFacts:
    """What the ladder needs to know about one active term."""

    ends_on: date  # T, the term's own expiry
    deadline: date  # T moved by an approved postponement (== ends_on without one)
    request_filed: bool = False  # 请示 submitted
    request_approved: bool = False  # 批复 received
    completed: bool = False  # new secretary approved: the renewal is done

    @property
    def postponed(self):
        return self.deadline > self.ends_on

    @property
    def advanced(self):
        """An early renewal (提前换届) was approved: the procedure may start now."""
        return self.deadline < self.ends_on


_PROGRESS = list(Renewal.Status.values)


def facts_from(ends_on, deadline, renewal_status):
    """TermFacts from a term's dates and its renewal's status (None: no renewal started)."""
    reached = _PROGRESS.index(renewal_status) if renewal_status else 0
    return TermFacts(
        ends_on=ends_on,
        deadline=deadline,
        request_filed=reached >= _PROGRESS.index(Renewal.Status.REQUEST_SUBMITTED),
        request_approved=reached >= _PROGRESS.index(Renewal.Status.REQUEST_APPROVED),
        completed=renewal_status == Renewal.Status.COMPLETED,
    )


def months(day, n):
    return day + relativedelta(months=n)


def due_dates(facts, offsets):
    """The day each stage becomes due for this term (stages that cannot apply are omitted)."""
    return dict(_due_dates(facts, offsets))


@lru_cache(maxsize=65536)
def _due_dates(facts, offsets):
    # Cached: the sweep asks twice per term, and terms sharing their dates share the answer.
    deadline = facts.deadline
    dates = {
        Stage.FIRST: months(deadline, -offsets.first),
        Stage.SECOND: months(deadline, -offsets.second),
        Stage.URGENT: months(deadline, -offsets.urgent),
        Stage.SUPERVISION: months(deadline, offsets.supervision),
        Stage.VIOLATION: months(facts.ends_on, offsets.violation),
    }
    if facts.postponed:
        dates[Stage.POSTPONEMENT_EXPIRED] = deadline
    else:
        dates[Stage.OVERDUE] = deadline
    return dates


def stage_on(facts, today, offsets):
    """The latest stage ``facts`` has reached on ``today``, or None (not due / renewed).

    Conditions of §5.4: the second reminder only if no request is on file, the urgent one
    only if no request is approved; after the (possibly postponed) deadline the term is
    overdue, then under supervision; 12 months after the original expiry it is a violation
    of the one-year cap whatever was postponed.
    """
    if facts.completed:
        return None
    due = due_dates(facts, offsets)
    if today >= due[Stage.VIOLATION]:
        return Stage.VIOLATION
    if today >= due[Stage.SUPERVISION]:
        return Stage.SUPERVISION
    if today >= facts.deadline:
        return Stage.POSTPONEMENT_EXPIRED if facts.postponed else Stage.OVERDUE
    if today >= due[Stage.URGENT] and not facts.request_approved:
        return Stage.URGENT
    if today >= due[Stage.SECOND] and not facts.request_filed:
        return Stage.SECOND
    if today >= due[Stage.FIRST]:
        return Stage.FIRST
    return None


def earliest_window_start(today, offsets):
    """Terms whose deadline is after this day cannot have reached any stage yet."""
    return months(today, offsets.first)


class State:
    """Dashboard colour of a term (§5.4: yellow from the second reminder on)."""

    IN_TERM = "in_term"
    DUE = "due"  # first reminder period
    WARNING = "warning"  # second reminder: yellow
    URGENT = "urgent"
    OVERDUE = "overdue"
    SUPERVISED = "supervised"
    VIOLATION = "violation"
    RENEWED = "renewed"


STAGE_STATE = {
    None: State.IN_TERM,
    Stage.FIRST: State.DUE,
    Stage.SECOND: State.WARNING,
    Stage.URGENT: State.URGENT,
    Stage.OVERDUE: State.OVERDUE,
    Stage.POSTPONEMENT_EXPIRED: State.OVERDUE,
    Stage.SUPERVISION: State.SUPERVISED,
    Stage.VIOLATION: State.VIOLATION,
}


STATE_LABELS = {
    State.IN_TERM: _("任期内"),
    State.DUE: _("半年内届满"),
    State.WARNING: _("未报请示"),
    State.URGENT: _("即将届满"),
    State.OVERDUE: _("已超期"),
    State.SUPERVISED: _("督办中"),
    State.VIOLATION: _("超期一年"),
}
