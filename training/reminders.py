"""New secretaries not trained: reminder to the unit's staff after 4 months, supervision notice
(督办) after 6 (policy keys), exactly once per (person, stage).

Like the renewal ladder, the sweep sends the latest stage a secretary has reached: a claim
row unique per (member, stage) is inserted with ON CONFLICT DO NOTHING, and only rows this
sweep inserted are delivered. The notice's dedupe key stops a second notice if delivery is
retried.
"""

import uuid

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from branches import permissions
from branches.models import RoleAssignment, Term
from branches.permissions import Action
from branches.policy import policy_all

from .models import CONCENTRATED_TIERS, Attendance, SecretaryTrainingReminder
from .selectors import first_secretary_posts

Stage = SecretaryTrainingReminder.Stage
Role = RoleAssignment.Role
LOOKBACK_MONTHS = 12  # older appointments are out of the induction question altogether


def stage_on(started_on, today, *, reminder_months, supervision_months):
    if today >= started_on + relativedelta(months=supervision_months):
        return Stage.SUPERVISION
    if today >= started_on + relativedelta(months=reminder_months):
        return Stage.REMINDER
    return None


def sweep(*, today=None):
    """Claim the due (member, stage) rows; returns the claimed ids (delivered after commit)."""
    today = today or timezone.localdate()
    policy = policy_all()
    trained = Attendance.objects.filter(
        member_id=OuterRef("member_id"),
        status=Attendance.Status.ATTENDED,
        event__tier__in=CONCENTRATED_TIERS,
        event__end_on__gte=OuterRef("started_on"),
    )
    candidates = (
        first_secretary_posts()
        .filter(
            ended_on__isnull=True,
            term__status=Term.Status.ACTIVE,
            started_on__gte=today - relativedelta(months=LOOKBACK_MONTHS),
        )
        .exclude(Exists(trained))
        .values_list("pk", "member_id", "started_on")
    )
    claim = uuid.uuid4()
    rows = []
    for post_id, member_id, started_on in candidates:
        stage = stage_on(
            started_on,
            today,
            reminder_months=policy["training.new_secretary_reminder_months"],
            supervision_months=policy["training.new_secretary_supervision_months"],
        )
        if stage:
            rows.append(
                SecretaryTrainingReminder(member_id=member_id, post_id=post_id, stage=stage, claim=claim)
            )
    with transaction.atomic():
        SecretaryTrainingReminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
        claimed = list(SecretaryTrainingReminder.objects.filter(claim=claim).values_list("pk", flat=True))
        from .tasks import send_secretary_reminder

        for reminder_id in claimed:
            transaction.on_commit(lambda rid=reminder_id: send_secretary_reminder.delay(rid))
    return claimed


def deliver(reminder_id):
    """Notify the unit's staff (and, for supervision, the provincial staff) of one claimed row."""
    from notifications.services import notify

    reminder = (
        SecretaryTrainingReminder.objects.select_related("member", "post__term__branch__unit")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None:
        return 0
    branch = reminder.post.term.branch
    unit = branch.unit or branch
    roles = [Role.UNIT_STAFF]
    if reminder.stage == Stage.SUPERVISION:
        roles.append(Role.PROVINCIAL_STAFF)
    sent = notify(
        recipients=permissions.users_with(Action.SUPERVISE, unit, roles=roles),
        kind="training_new_secretary",
        params={
            "name": reminder.member.name,
            "branch": branch.name,
            "started": reminder.post.started_on.isoformat(),
            "stage": reminder.stage,
        },
        link=reverse("training:coverage-org", args=[unit.pk]),
        organization=branch,
        dedupe_key=f"training:new-secretary:{reminder.member_id}:{reminder.stage}",
        requires_ack=reminder.stage == Stage.SUPERVISION,
    )
    SecretaryTrainingReminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
    return sent
