"""Renewal demo data on top of the base demo province.

Terms that expire within 6 months or are already overdue get renewals at believable steps
(the closer the deadline, the further along), some overdue branches an approved or pending
postponement, a few a completed renewal with the new term, and the ladder's reminders as a
sweep a week ago would have sent them. Deterministic (one Random per term, seeded by its id)
and idempotent: terms that already have a renewal or a postponement are left alone, and the
sweep never sends a (term, stage) twice.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.test.utils import override_settings

from branches.models import (
    ElectionResult,
    Member,
    Post,
    Postponement,
    Renewal,
    RenewalStep,
    Term,
)
from branches.models.renewals import refresh_postponed_until

from . import ladder, services

SEED = 2027
Status = Renewal.Status
Step = RenewalStep.Step
PROGRESS = list(Status.values)
STEPS = list(Step.values)
REASONS = [
    "单位机构改革尚未完成，领导班子调整期间暂缓换届。",
    "支部书记岗位调整，待新任处室负责人到岗后换届。",
    "处室合并，支部设置需先行调整。",
    "多名党员外出参加专项工作，达不到到会人数要求。",
]


def _target_status(rng, days_left):
    """How far a renewal has got, given days until its deadline (negative: overdue)."""
    roll = rng.random()
    if days_left > 90:
        return Status.REQUEST_SUBMITTED if roll < 0.25 else None
    if days_left > 30:
        return rng.choice(PROGRESS[1:4]) if roll < 0.55 else None
    if days_left > 0:
        return rng.choice(PROGRESS[1:7]) if roll < 0.7 else None
    return rng.choice(PROGRESS[1:7]) if roll < 0.35 else None


def _steps_for(renewal, status, rng, today):
    count = PROGRESS.index(status)
    day = today - timedelta(days=rng.randint(4 * count + 3, 6 * count + 10))
    steps = []
    for step in STEPS[:count]:
        steps.append(RenewalStep(renewal=renewal, step=step, done_on=day, note=""))
        day += timedelta(days=rng.randint(2, 6))
    return steps


def _election(renewal, full, rng, held_on, has_committee):
    seats = min(5, len(full) // 2) if has_committee else 1
    seats = max(seats, 1)
    expected = len(full)
    present = expected - rng.randint(0, expected // 6)
    candidates = rng.sample(full, min(len(full), seats + max(1, -(-seats // 5)) if has_committee else 1))
    votes = {m.pk: rng.randint(expected // 2 + 1, present) for m in candidates[:seats]}
    votes.update({m.pk: rng.randint(0, expected // 2) for m in candidates[seats:]})
    elected = sorted(votes, key=lambda pk: -votes[pk])[:seats]
    names = {m.pk: m.name for m in candidates}
    return ElectionResult(
        renewal=renewal,
        held_on=held_on,
        expected_voters=expected,
        present_voters=present,
        ballots_issued=present,
        ballots_returned=present - rng.randint(0, 1),
        seats=seats,
        candidates=[
            {"member": pk, "name": names[pk], "votes": v}
            for pk, v in sorted(votes.items(), key=lambda item: -item[1])
        ],
        elected=elected,
        posts={
            Post.Role.SECRETARY: elected[0],
            **({Post.Role.DEPUTY_SECRETARY: elected[1]} if seats > 2 else {}),
        },
    )


def seed(*, scale, today):
    """Add renewal demo data for the terms of the base province (``scale`` is not needed:
    the amount follows the number of terms near their deadline)."""
    offsets = ladder.Offsets()
    window_end = ladder.months(today, offsets.first)
    busy = set(Renewal.objects.values_list("term_id", flat=True)) | set(
        Postponement.objects.values_list("term_id", flat=True)
    )
    terms = [
        t
        for t in Term.objects.filter(status=Term.Status.ACTIVE, ends_on__lte=window_end)
        .select_related("branch")
        .order_by("pk")
        if t.pk not in busy
    ]
    full_by_branch = {}
    for member in Member.objects.filter(
        branch__terms__in=terms, state=Member.State.ACTIVE, status=Member.Status.FULL
    ).order_by("pk"):
        full_by_branch.setdefault(member.branch_id, []).append(member)

    plans, postponements, to_complete = [], [], []
    for term in terms:
        # Seeded by what the term is, not by its id, so the demo is the same whatever the sequences.
        rng = random.Random(f"{SEED}-{term.branch.name}-{term.elected_on}")
        days_left = (term.ends_on - today).days
        full = full_by_branch.get(term.branch_id, [])
        if days_left < 0 and rng.random() < 0.3:
            approved = rng.random() < 0.75
            until = min(term.ends_on + timedelta(days=rng.randint(90, 300)), ladder.months(term.ends_on, 12))
            postponements.append(
                Postponement(
                    term=term,
                    until=until,
                    reason=rng.choice(REASONS),
                    status=Postponement.Status.APPROVED if approved else Postponement.Status.PENDING,
                    decided_on=term.ends_on - timedelta(days=rng.randint(5, 30)) if approved else None,
                    decision_note="同意延期，请抓紧做好换届准备。" if approved else "",
                )
            )
            continue
        if -60 <= days_left <= 30 and len(full) >= 3 and rng.random() < 0.05:
            to_complete.append((term, full, rng))
            continue
        status = _target_status(rng, days_left)
        if status is not None and (
            PROGRESS.index(status) < PROGRESS.index(Status.ELECTION_HELD) or len(full) >= 3
        ):
            plans.append((term, status, full, rng))

    with transaction.atomic():
        Postponement.objects.bulk_create(postponements)
        refresh_postponed_until(p.term_id for p in postponements)  # bulk_create sends no signal
        renewals = Renewal.objects.bulk_create(
            [
                Renewal(term=term, status=status, version=PROGRESS.index(status))
                for term, status, _f, _r in plans
            ]
        )
        steps, results = [], []
        for renewal, (term, status, full, rng) in zip(renewals, plans, strict=True):
            steps += _steps_for(renewal, status, rng, today)
            if PROGRESS.index(status) >= PROGRESS.index(Status.ELECTION_HELD):
                held_on = next(s.done_on for s in steps if s.renewal is renewal and s.step == Step.ELECTION)
                results.append(_election(renewal, full, rng, held_on, term.has_committee))
        RenewalStep.objects.bulk_create(steps, batch_size=2000)
        ElectionResult.objects.bulk_create(results)
    for term, full, rng in to_complete:
        _complete(term, full, rng, today)
    # The reminders a daily sweep would have sent up to a week ago (in-app only for the demo).
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        services.renewal_sweep(today=today - timedelta(days=7))
    return {"renewals": len(plans), "postponements": len(postponements), "completed": len(to_complete)}


@transaction.atomic
def _complete(term, full, rng, today):
    """A renewal run through every step with the real services, ending in a new term."""
    renewal = Renewal.objects.create(term=term)
    held_on = today - timedelta(days=rng.randint(10, 40))
    day = held_on - timedelta(days=40)
    for step in services.SIMPLE_STEPS:
        RenewalStep.objects.create(renewal=renewal, step=step, done_on=day)
        day += timedelta(days=8)
    result = _election(renewal, full, rng, held_on, term.has_committee)
    result.save()
    RenewalStep.objects.create(renewal=renewal, step=Step.ELECTION, done_on=held_on)
    RenewalStep.objects.create(renewal=renewal, step=Step.RESULTS_REPORT, done_on=held_on + timedelta(days=2))
    Renewal.objects.filter(pk=renewal.pk).update(status=Status.RESULTS_REPORTED, version=6)
    renewal.refresh_from_db()
    services.renewal_complete_by_system(
        renewal=renewal,
        version=renewal.version,
        approved_on=min(today, held_on + timedelta(days=9)),
    )
