"""Writes of the rectification tracker (整改): create, start, submit with evidence, verify,
return; the reminder sweep. Keyword-only, atomic, Chinese ValidationError messages; state
changes are conditional UPDATEs on (status, version), so two people never overwrite each other.

Access: a service acting for a user checks it with ``permissions.require`` (README convention):
the branch (RECORD_ACTIVITY) starts and submits, staff (SUPERVISE) create, verify and return.
"""

import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import Notice, notify, notify_many

from .. import permissions
from ..models import (
    RectificationEvidence,
    RectificationItem,
    RectificationReminder,
    RoleAssignment,
    SourceKind,
)
from ..models.activities import validate_attachment
from ..permissions import Action
from ..policy import policy_all

Status = RectificationItem.Status
Stage = RectificationReminder.Stage
Role = RoleAssignment.Role


def _params(item):
    return {"branch": item.organization.name, "deadline": item.deadline.isoformat(), "id": item.pk}


def _link(item):
    return reverse("rectifications:detail", args=[item.pk])


def _branch_users(organization):
    return permissions.users_with(
        Action.RECORD_ACTIVITY, organization, roles={Role.SECRETARY}, exact_roles={Role.SECRETARY}
    )


def _validate(*, description, deadline, today):
    if not (description or "").strip():
        raise ValidationError(_("请填写问题描述。"))
    if deadline is None:
        raise ValidationError(_("请填写整改期限。"))
    if deadline < today:
        raise ValidationError(_("整改期限不能早于今天。"))


@transaction.atomic
def rectification_create(
    *,
    organization,
    source_kind,
    description,
    deadline,
    source_id=None,
    user=None,
    today=None,
    notify_branch=True,
):
    """File one item for ``organization``. ``user`` None: filed by the system (a sweep)."""
    today = today or timezone.localdate()
    if user is not None:
        permissions.require(user, Action.SUPERVISE, organization)
    if source_kind not in SourceKind.values:
        raise ValidationError(_("未知的整改来源。"))
    _validate(description=description, deadline=deadline, today=today)
    item = RectificationItem.objects.create(
        organization=organization,
        source_kind=source_kind,
        source_id=source_id,
        description=description.strip(),
        deadline=deadline,
        created_by=user,
    )
    if notify_branch:
        notify(
            recipients=_branch_users(organization),
            kind="rectification_assigned",
            params={**_params(item), "source": source_kind},
            link=_link(item),
            organization=organization,
            dedupe_key=f"rectification:{item.pk}:assigned",
        )
    return item


def _transition(*, item, from_statuses, to_status, version, **fields):
    updated = RectificationItem.objects.filter(pk=item.pk, status__in=from_statuses, version=version).update(
        status=to_status, version=F("version") + 1, **fields
    )
    if not updated:
        raise ValidationError(_("整改事项已被他人修改或状态已变化，请刷新页面后再试。"))
    item.refresh_from_db()
    RectificationItem.history.model.objects.create(
        **{f.attname: getattr(item, f.attname) for f in RectificationItem._meta.concrete_fields},
        history_date=timezone.now(),
        history_type="~",
        history_change_reason=to_status,
    )
    return item


@transaction.atomic
def rectification_start(*, item, user, version):
    permissions.require(user, Action.RECORD_ACTIVITY, item.organization)
    return _transition(item=item, from_statuses=[Status.OPEN], to_status=Status.IN_PROGRESS, version=version)


@transaction.atomic
def rectification_submit(*, item, user, version, response, files=()):
    """The branch reports what it did, with evidence files (validated like activity attachments)."""
    permissions.require(user, Action.RECORD_ACTIVITY, item.organization)
    if not (response or "").strip():
        raise ValidationError(_("请填写整改情况。"))
    if not files and not item.evidence.exists():
        raise ValidationError(_("请上传整改佐证材料。"))
    for file in files:
        validate_attachment(file)
    item = _transition(
        item=item,
        from_statuses=[Status.OPEN, Status.IN_PROGRESS],
        to_status=Status.SUBMITTED,
        version=version,
        response=response.strip(),
        submitted_at=timezone.now(),
    )
    for file in files:
        RectificationEvidence.objects.create(
            item=item, file=file, original_name=file.name[:200], size=file.size, uploaded_by=user
        )
    return item


@transaction.atomic
def rectification_verify(*, item, user, version):
    permissions.require(user, Action.SUPERVISE, item.organization)
    item = _transition(
        item=item,
        from_statuses=[Status.SUBMITTED],
        to_status=Status.VERIFIED,
        version=version,
        verified_at=timezone.now(),
        verified_by=user,
    )
    notify(
        recipients=_branch_users(item.organization),
        kind="rectification_verified",
        params=_params(item),
        link=_link(item),
        organization=item.organization,
        dedupe_key=f"rectification:{item.pk}:verified:{item.version}",
    )
    return item


@transaction.atomic
def rectification_return(*, item, user, version, comment):
    """Send a submitted (or verified: reopen) item back to the branch with a reason."""
    permissions.require(user, Action.SUPERVISE, item.organization)
    if not (comment or "").strip():
        raise ValidationError(_("退回时须填写退回意见。"))
    item = _transition(
        item=item,
        from_statuses=[Status.SUBMITTED, Status.VERIFIED],
        to_status=Status.IN_PROGRESS,
        version=version,
        return_comment=comment.strip(),
        verified_at=None,
        verified_by=None,
    )
    notify(
        recipients=_branch_users(item.organization),
        kind="rectification_returned",
        params={**_params(item), "comment": item.return_comment},
        link=_link(item),
        organization=item.organization,
        dedupe_key=f"rectification:{item.pk}:returned:{item.version}",
    )
    return item


def rectification_reminder_sweep(*, today=None):
    """Remind the branch before (``rectification.remind_days_before``) and at the deadline,
    once per (item, stage): the unique RectificationReminder row is the claim (rows this run
    inserted are the ones it sends). A fixed number of queries for any number of items."""
    today = today or timezone.localdate()
    days = policy_all()["rectification.remind_days_before"]
    token = uuid.uuid4()
    with transaction.atomic():
        due = RectificationItem.objects.filter(
            status__in=RectificationItem.OPEN_STATUSES, deadline__lte=today + timedelta(days=days)
        ).select_related("organization")
        rows = [
            RectificationReminder(
                item=item, stage=Stage.DUE if item.deadline <= today else Stage.DUE_SOON, claim=token
            )
            for item in due
        ]
        RectificationReminder.objects.bulk_create(rows, ignore_conflicts=True)
        claimed = list(RectificationReminder.objects.filter(claim=token).select_related("item__organization"))
        branches = {r.item.organization_id: r.item.organization for r in claimed}
        users = permissions.users_with_many(
            Action.RECORD_ACTIVITY, branches.values(), roles={Role.SECRETARY}, exact_roles={Role.SECRETARY}
        )
        notify_many(
            [
                Notice(
                    recipients=users[r.item.organization_id],
                    kind="rectification_reminder",
                    params={**_params(r.item), "stage": r.stage},
                    link=_link(r.item),
                    organization=r.item.organization,
                    dedupe_key=f"rectification:{r.item_id}:{r.stage}",
                )
                for r in claimed
            ]
        )
    return len(claimed)
