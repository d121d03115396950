"""Reads of the renewal engine, scoped to the viewer through branches.permissions."""

from dataclasses import dataclass

from django.db.models import Count, DateField, F, Q
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from branches import permissions
from branches.models import (
    Organization,
    Postponement,
    Renewal,
    RenewalStep,
    Term,
    TermReminder,
)
from branches.permissions import Action
from branches.policy import policy_all
from notifications.models import Notification

from . import ladder


def deadline_expression(prefix=""):
    """SQL for a term's renewal deadline: its expiry, moved by the latest approved decision —
    later by a postponement (延期), earlier by an early renewal (提前换届). The decision's date
    is stored on the term (``Term.postponed_until``), so this is a plain column expression."""
    return Coalesce(F(f"{prefix}postponed_until"), F(f"{prefix}ends_on"), output_field=DateField())


def _active_terms():
    # Temporary branches hold no renewals (their secretary is appointed).
    return Term.objects.filter(
        status=Term.Status.ACTIVE, branch__is_active=True, branch__is_temporary=False
    ).annotate(deadline=deadline_expression(), renewal_status=F("renewal__status"))


def terms_for_sweep(*, today, offsets):
    """Active terms that may have reached a ladder stage, as dicts (one query)."""
    window = ladder.earliest_window_start(today, offsets)
    return list(
        _active_terms()
        .filter(Q(ends_on__lte=window) | Q(deadline__lte=window))
        .values("id", "branch_id", "ends_on", "deadline", "renewal_status")
    )


def reminders_of_active_terms(*, today, offsets):
    """(term_id, stage) of reminders already recorded for the terms the sweep looks at."""
    window = ladder.earliest_window_start(today, offsets)
    terms = _active_terms().filter(Q(ends_on__lte=window) | Q(deadline__lte=window)).values("pk")
    return TermReminder.objects.filter(term__in=terms).values_list("term_id", "stage")


@dataclass
class TermView:
    """A term with its computed ladder stage, for pages."""

    term: Term
    stage: object
    state: str
    facts: ladder.TermFacts

    @property
    def days_left(self):
        return (self.facts.deadline - timezone.localdate()).days

    @property
    def overdue_days(self):
        return -self.days_left

    @property
    def state_label(self):
        return ladder.STATE_LABELS[self.state]


def with_stages(terms, *, today=None, values=None):
    """Wrap annotated terms (``deadline``, ``renewal_status``) with their stage and state."""
    today = today or timezone.localdate()
    offsets = ladder.Offsets.from_policy(values or policy_all())
    views = []
    for term in terms:
        facts = ladder.facts_from(term.ends_on, term.deadline, term.renewal_status)
        stage = ladder.stage_on(facts, today, offsets)
        views.append(TermView(term=term, stage=stage, state=ladder.STAGE_STATE[stage], facts=facts))
    return views


def scoped_active_terms(user, action=Action.VIEW):
    return (
        _active_terms()
        .filter(permissions.scope_q(user, action, "branch__"))
        .select_related("branch", "branch__unit", "renewal")
    )


SUPERVISION_FILTERS = ("urgent", "overdue", "supervision", "violation", "postponed")


def supervision_list(user, *, today, state="", q="", values=None):
    """Terms in the viewer's SUPERVISE scope that are urgent, overdue or worse, most overdue first.

    ``state`` narrows to one of SUPERVISION_FILTERS; ``q`` searches branch and unit names.
    """
    offsets = ladder.Offsets.from_policy(values or policy_all())
    terms = scoped_active_terms(user, Action.SUPERVISE).exclude(renewal__status=Renewal.Status.COMPLETED)
    terms = terms.filter(deadline__lte=ladder.months(today, offsets.urgent))
    if state == "urgent":
        terms = terms.filter(deadline__gt=today)
    elif state == "overdue":
        terms = terms.filter(deadline__lte=today)
    elif state == "supervision":
        terms = terms.filter(deadline__lte=ladder.months(today, -offsets.supervision))
    elif state == "violation":
        terms = terms.filter(ends_on__lte=ladder.months(today, -offsets.violation))
    elif state == "postponed":
        terms = terms.filter(deadline__gt=F("ends_on"))
    if q:
        terms = terms.filter(Q(branch__name__icontains=q) | Q(branch__unit__name__icontains=q))
    return terms.order_by("deadline", "branch__path")


def supervision_counts(user, *, today, values=None):
    """Counts for the staff home panel (one query)."""
    offsets = ladder.Offsets.from_policy(values or policy_all())
    terms = scoped_active_terms(user, Action.SUPERVISE).exclude(renewal__status=Renewal.Status.COMPLETED)
    return terms.aggregate(
        due_6m=Count("pk", filter=Q(deadline__gt=today, deadline__lte=ladder.months(today, offsets.first))),
        urgent=Count("pk", filter=Q(deadline__gt=today, deadline__lte=ladder.months(today, offsets.urgent))),
        overdue=Count("pk", filter=Q(deadline__lte=today)),
        supervision=Count("pk", filter=Q(deadline__lte=ladder.months(today, -offsets.supervision))),
        violation=Count("pk", filter=Q(ends_on__lte=ladder.months(today, -offsets.violation))),
    )


def pending_approvals(user):
    """Counts of requests waiting for the viewer's decision (one query each)."""
    postponements = Postponement.objects.filter(
        permissions.scope_q(user, Action.SUPERVISE, "term__branch__"), status=Postponement.Status.PENDING
    ).count()
    steps = Renewal.objects.filter(
        permissions.scope_q(user, Action.SUPERVISE, "term__branch__"),
        status__in=AWAITING_APPROVAL,
    ).count()
    return {"postponements": postponements, "steps": steps}


def calendar_months(user, *, today, months=12):
    """[(month start, count)] of renewal deadlines in the next ``months`` months (one query)."""
    end = ladder.months(today.replace(day=1), months)
    rows = (
        scoped_active_terms(user, Action.SUPERVISE)
        .exclude(renewal__status=Renewal.Status.COMPLETED)
        .filter(deadline__gte=today.replace(day=1), deadline__lt=end)
        .annotate(month=TruncMonth("deadline", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    counts = dict(rows)
    starts = [ladder.months(today.replace(day=1), i) for i in range(months)]
    return [(start, counts.get(start, 0)) for start in starts]


def calendar_terms(user, *, month_start):
    """Terms whose renewal deadline falls in the month starting ``month_start``."""
    return (
        scoped_active_terms(user, Action.SUPERVISE)
        .exclude(renewal__status=Renewal.Status.COMPLETED)
        .filter(deadline__gte=month_start, deadline__lt=ladder.months(month_start, 1))
        .order_by("deadline", "branch__path")
    )


def branch_terms(branch):
    """All terms of a branch, newest first, with deadline and renewal progress."""
    return list(
        Term.objects.filter(branch=branch)
        .annotate(
            deadline=deadline_expression(),
            renewal_status=F("renewal__status"),
            renewed_on=F("renewal__completed_on"),
        )
        .order_by("-elected_on")
    )


def timeline(branch, term):
    """Everything the branch timeline page shows about ``term`` (a handful of queries)."""
    renewal = Renewal.objects.filter(term=term).select_related("election").first()
    steps = {}
    if renewal is not None:
        steps = {s.step: s for s in RenewalStep.objects.filter(renewal=renewal).select_related("recorded_by")}
    reminders = list(TermReminder.objects.filter(term=term))
    acks = dict(
        Notification.objects.filter(
            organization=branch, requires_ack=True, dedupe_key__startswith=f"term-reminder:{term.pk}:"
        ).values_list("dedupe_key", "acknowledged_at")
    )
    for reminder in reminders:
        key = f"term-reminder:{term.pk}:{reminder.stage}"
        # Read by the timeline template; set on the instance like an annotation.
        reminder.needs_ack = key in acks  # type: ignore[attr-defined]
        reminder.acknowledged_at = acks.get(key)  # type: ignore[attr-defined]
    postponements = list(Postponement.objects.filter(term=term).select_related("requested_by", "decided_by"))
    return {"renewal": renewal, "steps": steps, "reminders": reminders, "postponements": postponements}


AWAITING_APPROVAL = (
    Renewal.Status.REQUEST_SUBMITTED,
    Renewal.Status.CANDIDATES_SUBMITTED,
    Renewal.Status.RESULTS_REPORTED,
)


def pending_renewal_steps(user, *, limit=100):
    """Renewals waiting for a decision of the higher organization, in the viewer's scope."""
    return list(
        Renewal.objects.filter(
            permissions.scope_q(user, Action.SUPERVISE, "term__branch__"), status__in=AWAITING_APPROVAL
        )
        .select_related("term__branch")
        .order_by("term__ends_on")[:limit]
    )


def pending_postponements(user):
    return (
        Postponement.objects.filter(
            permissions.scope_q(user, Action.SUPERVISE, "term__branch__"),
            status=Postponement.Status.PENDING,
        )
        .select_related("term__branch", "requested_by")
        .order_by("requested_at")
    )


def secretary_terms(user):
    """Active terms of the branches where ``user`` is the secretary."""
    paths = permissions.role_paths(user, permissions.Role.SECRETARY)
    return list(
        _active_terms()
        .filter(branch__path__in=paths, branch__kind=Organization.Kind.BRANCH)
        .select_related("branch", "renewal")
        .order_by("branch__path")
    )


def unacknowledged_reminders(user):
    return Notification.objects.filter(
        recipient=user, kind="term_reminder", requires_ack=True, acknowledged_at__isnull=True
    ).order_by("-created_at")


def feed_terms(user, *, today, months=12):
    """Terms for the user's calendar feed: in VIEW scope, deadline within the next ``months``
    months or already passed (still to renew)."""
    return (
        scoped_active_terms(user)
        .exclude(renewal__status=Renewal.Status.COMPLETED)
        .filter(deadline__lte=ladder.months(today, months))
        .order_by("deadline")
    )


def supervision_deadlines(terms):
    """{term_id: deadline} of supervision notices of the given terms (one query)."""
    return dict(
        TermReminder.objects.filter(term__in=terms, stage=TermReminder.Stage.SUPERVISION).values_list(
            "term_id", "deadline"
        )
    )


def latest_reminders(terms):
    """{term_id: (stage, acknowledged)} of the highest rung sent to each term (two queries).

    ``acknowledged`` is None when that rung needs no acknowledgement from the secretary.
    """
    latest: dict[int, str] = {}
    for term_id, stage in TermReminder.objects.filter(
        term__in=terms, status=TermReminder.Status.SENT
    ).values_list("term_id", "stage"):
        if term_id not in latest or ladder.RANK[stage] > ladder.RANK[latest[term_id]]:
            latest[term_id] = stage
    keys = {f"term-reminder:{term_id}:{stage}": term_id for term_id, stage in latest.items()}
    acks: dict[int, bool] = {}
    for key, at in Notification.objects.filter(requires_ack=True, dedupe_key__in=list(keys)).values_list(
        "dedupe_key", "acknowledged_at"
    ):
        acks[keys[key]] = acks.get(keys[key], False) or at is not None
    return {term_id: (stage, acks.get(term_id)) for term_id, stage in latest.items()}
