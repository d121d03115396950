"""Writes: designations (nominate → approve/reject → renew/revoke/expire), yearly
classification with staff overrides, lagging-branch follow-ups, and the reminder sweep.

Keyword-only and atomic; Chinese ValidationErrors; contested state changes are conditional
UPDATEs on (status, version). Services acting for a user check access first.
"""

import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import permissions
from branches.models import Organization, RectificationItem, RoleAssignment, SourceKind
from branches.models.activities import validate_attachment
from branches.policy import policy_all
from branches.rectifications.services import rectification_create
from notifications.services import Notice, notify, notify_many

from ..models import (
    CheckIn,
    Classification,
    ClassificationChange,
    Designation,
    DesignationEvidence,
    DesignationReminder,
    FollowUp,
    FollowUpReminder,
    Review,
)
from ..selectors import with_results
from . import access, criteria

Status = Designation.Status
Grade = Classification.Grade
Role = RoleAssignment.Role
Action = permissions.Action


def _secretaries(organizations):
    return permissions.users_with_many(
        Action.RECORD_ACTIVITY, organizations, roles={Role.SECRETARY}, exact_roles={Role.SECRETARY}
    )


def _staff(role, organizations):
    return permissions.users_with_many(Action.VIEW, organizations, roles={role})


def _claim(designation, from_statuses, version, **fields):
    changed = Designation.objects.filter(pk=designation.pk, status__in=from_statuses, version=version).update(
        version=F("version") + 1, **fields
    )
    if not changed:
        raise ValidationError(_("该认定已被他人处理，请刷新页面后再试。"))
    designation.refresh_from_db()
    return designation


def _dimension_tags(dimensions):
    codes = [code.strip() for code in dimensions or () if code.strip()]
    return f",{','.join(codes)}," if codes else ""


# --- designations --------------------------------------------------------------------------


@transaction.atomic
def designation_nominate(*, branch, kind, reason, user, dimensions=(), files=()):
    access.require(access.can_nominate(user, branch))
    if branch.kind != Organization.Kind.BRANCH:
        raise ValidationError(_("只能推荐党支部。"))
    if kind not in Designation.Kind.values:
        raise ValidationError(_("请选择认定类型。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写推荐理由。")})
    if Designation.objects.filter(branch=branch, kind=kind, status__in=Designation.LIVE).exists():
        raise ValidationError(_("该支部已有同类推荐或有效认定。"))
    for upload in files:
        validate_attachment(upload)
    designation = Designation.objects.create(
        branch=branch,
        kind=kind,
        reason=reason.strip(),
        dimensions=_dimension_tags(dimensions),
        nominated_by=user,
    )
    for upload in files:
        evidence = DesignationEvidence(
            designation=designation, original_name=upload.name[:200], size=upload.size, uploaded_by=user
        )
        evidence.file.save(upload.name, upload, save=False)
        evidence.save()
    deciders = _staff(Role.PROVINCIAL_STAFF, [branch])[branch.pk]
    notify(
        recipients=deciders,
        kind="designation_nominated",
        params={"branch": branch.name, "unit": branch.unit.name if branch.unit else ""},
        link=designation.get_absolute_url(),
        organization=branch,
        dedupe_key=f"designation:{designation.pk}:nominated",
    )
    return designation


def _notify_decision(designation, kind, params):
    branch = designation.branch
    recipients = list(_secretaries([branch])[branch.pk])
    if designation.nominated_by_id and designation.nominated_by.is_active:
        recipients.append(designation.nominated_by)
    notify(
        recipients=recipients,
        kind=kind,
        params={"branch": branch.name, **params},
        link=designation.get_absolute_url(),
        organization=branch,
        dedupe_key=f"designation:{designation.pk}:{kind}:{designation.version}",
    )


def _grant(designation, *, user, version, from_statuses, today, refused, **fields):
    """Approve or renew (the caller checked ``can_decide``): the computed criteria must hold;
    validity starts today."""
    results = criteria.criteria_check(designation.branch, today=today)
    if not criteria.criteria_met(results):
        failed = "、".join(r.label for r in results if r.passed is not True)
        raise ValidationError(refused % {"failed": failed})
    years = policy_all()["designation.valid_years"]
    return _claim(
        designation,
        from_statuses,
        version,
        status=Status.APPROVED,
        decided_by=user,
        decided_at=timezone.now(),
        criteria_snapshot=[r.as_json() for r in results],
        valid_from=today,
        valid_until=today + relativedelta(years=years, days=-1),
        **fields,
    )


@transaction.atomic
def designation_approve(*, designation, user, version, note="", today=None):
    """Approve after the computed criteria check; a failing criterion refuses the approval."""
    access.require(access.can_decide(user, designation.branch))
    _grant(
        designation,
        user=user,
        version=version,
        from_statuses=[Status.NOMINATED],
        today=today or timezone.localdate(),
        refused=_("不符合认定条件：%(failed)s。"),
        decision_note=(note or "").strip(),
    )
    _notify_decision(
        designation, "designation_decided", {"result": "approved", "note": designation.decision_note}
    )
    return designation


@transaction.atomic
def designation_reject(*, designation, user, version, note):
    access.require(access.can_decide(user, designation.branch))
    if not (note or "").strip():
        raise ValidationError({"note": _("请填写不予认定的理由。")})
    results = criteria.criteria_check(designation.branch)
    _claim(
        designation,
        [Status.NOMINATED],
        version,
        status=Status.REJECTED,
        decided_by=user,
        decided_at=timezone.now(),
        decision_note=note.strip(),
        criteria_snapshot=[r.as_json() for r in results],
    )
    _notify_decision(
        designation, "designation_decided", {"result": "rejected", "note": designation.decision_note}
    )
    return designation


@transaction.atomic
def designation_revoke(*, designation, user, version, reason):
    access.require(access.can_decide(user, designation.branch))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写撤销理由。")})
    _claim(
        designation,
        [Status.APPROVED, Status.NOMINATED],
        version,
        status=Status.REVOKED,
        revoked_reason=reason.strip(),
        revoked_at=timezone.now(),
    )
    _notify_decision(designation, "designation_revoked", {"reason": designation.revoked_reason})
    return designation


@transaction.atomic
def designation_renew(*, designation, user, version, today=None):
    """The review on expiry: the criteria are checked again and validity starts anew."""
    access.require(access.can_decide(user, designation.branch))
    return _grant(
        designation,
        user=user,
        version=version,
        from_statuses=[Status.APPROVED, Status.EXPIRED],
        today=today or timezone.localdate(),
        refused=_("复核不符合认定条件：%(failed)s。"),
    )


def designation_sweep(*, today=None):
    """Expiry review: notify provincial staff once before expiry; expire the lapsed ones
    (and notify once). One claim row per (designation, stage)."""
    today = today or timezone.localdate()
    days = policy_all()["designation.expiry_notice_days"]
    token = uuid.uuid4()
    with transaction.atomic():
        approved = Designation.objects.filter(
            status=Status.APPROVED, valid_until__lte=today + timedelta(days=days)
        ).select_related("branch")
        rows = [
            DesignationReminder(
                designation=d, stage="expired" if d.valid_until < today else "expiring", claim=token
            )
            for d in approved
        ]
        DesignationReminder.objects.bulk_create(rows, ignore_conflicts=True)
        claimed = list(DesignationReminder.objects.filter(claim=token).select_related("designation__branch"))
        Designation.objects.filter(status=Status.APPROVED, valid_until__lt=today).update(
            status=Status.EXPIRED, version=F("version") + 1
        )
        branches = {r.designation.branch_id: r.designation.branch for r in claimed}
        staff = _staff(Role.PROVINCIAL_STAFF, branches.values()) if branches else {}
        notify_many(
            [
                Notice(
                    recipients=staff[r.designation.branch_id],
                    kind="designation_expiring",
                    params={
                        "branch": r.designation.branch.name,
                        # claimed rows come from designations filtered on valid_until__lte: not NULL
                        "until": r.designation.valid_until.isoformat(),  # type: ignore[union-attr]
                    },
                    link=r.designation.get_absolute_url(),
                    organization=r.designation.branch,
                    dedupe_key=f"designation:{r.designation_id}:{r.stage}",
                )
                for r in claimed
            ]
        )
    return len(claimed)


# --- classification ------------------------------------------------------------------------


def grade_for(score, *, vetoed=False, duty_grade=None, values=None):
    """先进/中间/后进 from a combined score and the configured thresholds (score ≥ cut-off)."""
    values = values or policy_all()
    if vetoed or score is None:
        return Grade.LAGGING
    if duty_grade == "poor" and values["classification.poor_duty_grade_lagging"]:
        return Grade.LAGGING
    if score >= Decimal(str(values["classification.advanced_min"])):
        return Grade.ADVANCED
    if score >= Decimal(str(values["classification.middle_min"])):
        return Grade.MIDDLE
    return Grade.LAGGING


def combined_score(review_total, observation, values):
    if observation is None:
        return review_total
    weight = Decimal(values["classification.observation_weight"]) / 100
    mixed = review_total * (1 - weight) + Decimal(str(observation)) * weight
    return mixed.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def year_results(branch_ids, year):
    """{branch_id: review} — the finalized unit/provincial review of ``year`` (provincial first)."""
    reviews = with_results(
        Review.objects.filter(branch_id__in=branch_ids, year=year, status=Review.Status.FINALIZED).exclude(
            kind=Review.Kind.SELF
        )
    ).order_by("branch_id", "kind", "-period_no", "-pk")
    found: dict[int, dict[str, Any]] = {}
    for review in reviews.values("branch_id", "total", "vetoed"):
        found.setdefault(review["branch_id"], review)
    return found


@transaction.atomic
def classify_year(*, year, user, today=None):
    """Classify every branch in the user's REVIEW scope that has a finalized review of ``year``.
    Overridden classes keep their grade (their computed grade is refreshed). Open follow-ups of
    branches now 中间 or better are closed. Returns {"created", "updated", "without_score"}."""
    permissions.require_any(user, Action.REVIEW)
    values = policy_all()
    branches = list(
        Organization.objects.filter(
            permissions.scope_q(user, Action.REVIEW), kind=Organization.Kind.BRANCH, is_active=True
        ).values_list("pk", flat=True)
    )
    results = year_results(branches, year)
    ids = list(results)
    observed = criteria.observation_scores(ids, year)
    duties = criteria.duty_grades(ids, year)
    existing = {c.branch_id: c for c in Classification.objects.filter(branch_id__in=ids, year=year)}
    now = timezone.now()
    new, changed = [], []
    for branch_id, review in results.items():
        score = combined_score(review["total"], observed.get(branch_id), values)
        grade = grade_for(score, vetoed=review["vetoed"], duty_grade=duties.get(branch_id), values=values)
        inputs = {
            "review_total": str(review["total"]),
            "vetoed": review["vetoed"],
            "observation": None if observed.get(branch_id) is None else str(observed[branch_id]),
            "duty_grade": duties.get(branch_id),
        }
        row = existing.get(branch_id)
        if row is None:
            new.append(
                Classification(
                    branch_id=branch_id,
                    year=year,
                    score=score,
                    computed_grade=grade,
                    grade=grade,
                    inputs=inputs,
                    computed_at=now,
                )
            )
        else:
            row.score, row.computed_grade, row.inputs, row.computed_at = score, grade, inputs, now
            if not row.is_overridden:
                row.grade = grade
            changed.append(row)
    Classification.objects.bulk_create(new, batch_size=2000)
    Classification.objects.bulk_update(
        changed, ["score", "computed_grade", "grade", "inputs", "computed_at"], batch_size=2000
    )
    close_converted(year=year)
    return {"created": len(new), "updated": len(changed), "without_score": len(branches) - len(ids)}


@transaction.atomic
def classification_override(*, classification, user, grade, reason):
    access.require(access.can_guide(user, classification.branch))
    if grade not in Grade.values:
        raise ValidationError({"grade": _("请选择类别。")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("调整类别必须填写理由。")})
    if grade == classification.grade:
        raise ValidationError({"grade": _("类别没有变化。")})
    ClassificationChange.objects.create(
        classification=classification,
        old_grade=classification.grade,
        new_grade=grade,
        reason=reason.strip()[:300],
        changed_by=user,
    )
    classification.grade = grade
    classification.override_reason = reason.strip()[:300]
    classification.overridden_by = user
    classification.overridden_at = timezone.now()
    classification.save(update_fields=["grade", "override_reason", "overridden_by", "overridden_at"])
    if Classification.RANK[grade] >= Classification.RANK[Grade.MIDDLE]:
        close_converted(year=classification.year, branch_ids=[classification.branch_id])
    return classification


# --- follow-ups ----------------------------------------------------------------------------


@transaction.atomic
def follow_up_open(*, classification, user, contact_leader_name, contact_leader=None, today=None):
    today = today or timezone.localdate()
    branch = classification.branch
    access.require(access.can_guide(user, branch))
    if classification.grade != Grade.LAGGING:
        raise ValidationError(_("只有后进支部需要建立跟进。"))
    if not (contact_leader_name or "").strip():
        raise ValidationError({"contact_leader_name": _("请指定联系点领导。")})
    if FollowUp.objects.filter(branch=branch, status=FollowUp.Status.OPEN).exists():
        raise ValidationError(_("该支部已有进行中的跟进。"))
    months = policy_all()["follow_up.reassess_months"]
    follow_up = FollowUp.objects.create(
        branch=branch,
        classification=classification,
        contact_leader=contact_leader,
        contact_leader_name=contact_leader_name.strip(),
        reassess_due=today + relativedelta(months=months),
        opened_by=user,
    )
    recipients = list(_secretaries([branch])[branch.pk])
    if contact_leader is not None:
        recipients.append(contact_leader)
    notify(
        recipients=recipients,
        kind="follow_up_opened",
        params={
            "branch": branch.name,
            "leader": follow_up.contact_leader_name,
            "due": follow_up.reassess_due.isoformat(),
        },
        link=follow_up.get_absolute_url(),
        organization=branch,
        dedupe_key=f"follow_up:{follow_up.pk}:opened",
    )
    return follow_up


def _require_open(follow_up):
    if follow_up.status != FollowUp.Status.OPEN:
        raise ValidationError(_("该跟进已销号。"))


@transaction.atomic
def follow_up_add_plan_item(*, follow_up, user, description, deadline, today=None):
    """An improvement-plan item, filed in the shared rectification tracker."""
    access.require(access.can_guide(user, follow_up.branch))
    _require_open(follow_up)
    return rectification_create(
        organization=follow_up.branch,
        source_kind=SourceKind.GUIDANCE_FOLLOW_UP,
        source_id=follow_up.pk,
        description=description,
        deadline=deadline,
        user=user,
        today=today,
    )


@transaction.atomic
def follow_up_check_in(*, follow_up, user, held_on, note, today=None):
    today = today or timezone.localdate()
    access.require(access.can_guide(user, follow_up.branch) or follow_up.contact_leader_id == user.pk)
    _require_open(follow_up)
    if not (note or "").strip():
        raise ValidationError({"note": _("请填写跟进情况。")})
    if held_on is None or held_on > today:
        raise ValidationError({"held_on": _("跟进日期不能晚于今天。")})
    return CheckIn.objects.create(follow_up=follow_up, held_on=held_on, note=note.strip(), recorded_by=user)


@transaction.atomic
def follow_up_reassess(*, follow_up, user, version, score, note=""):
    """Record the re-assessment; 中间 or better closes the follow-up, otherwise it stays open
    with a new re-assessment deadline."""
    access.require(access.can_guide(user, follow_up.branch))
    _require_open(follow_up)
    if score is None or not Decimal(0) <= Decimal(score) <= Decimal(100):
        raise ValidationError({"score": _("复评得分应在 0 到 100 之间。")})
    values = policy_all()
    grade = grade_for(Decimal(score), values=values)
    fields = {"reassessed_score": score, "reassessed_grade": grade, "reassessed_at": timezone.now()}
    if Classification.RANK[grade] >= Classification.RANK[Grade.MIDDLE]:
        fields.update(
            status=FollowUp.Status.CLOSED, closed_at=timezone.now(), closing_note=(note or "").strip()
        )
    else:
        fields["reassess_due"] = timezone.localdate() + relativedelta(
            months=values["follow_up.reassess_months"]
        )
    changed = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUp.Status.OPEN, version=version).update(
        version=F("version") + 1, **fields
    )
    if not changed:
        raise ValidationError(_("该跟进已被他人更新，请刷新页面后再试。"))
    follow_up.refresh_from_db()
    if follow_up.status == FollowUp.Status.CLOSED:
        _notify_closed([follow_up])
    return follow_up


def _notify_closed(follow_ups):
    if not follow_ups:
        return
    secretaries = _secretaries([f.branch for f in follow_ups])
    notify_many(
        [
            Notice(
                recipients=secretaries[f.branch_id],
                kind="follow_up_closed",
                params={"branch": f.branch.name, "grade": f.reassessed_grade or ""},
                link=f.get_absolute_url(),
                organization=f.branch,
                dedupe_key=f"follow_up:{f.pk}:closed",
            )
            for f in follow_ups
        ]
    )


def close_converted(*, year, branch_ids=None):
    """Close open follow-ups whose branch is classed 中间 or better in ``year`` (a later year
    than the lagging class that opened them)."""
    better = Classification.objects.filter(year=year, grade__in=[Grade.ADVANCED, Grade.MIDDLE])
    if branch_ids is not None:
        better = better.filter(branch_id__in=branch_ids)
    grades = dict(better.values_list("branch_id", "grade"))
    candidates = list(
        FollowUp.objects.filter(
            status=FollowUp.Status.OPEN, branch_id__in=list(grades), classification__year__lt=year
        ).select_related("branch")
    )
    now = timezone.now()
    closed = []
    for follow_up in candidates:
        updated = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUp.Status.OPEN).update(
            status=FollowUp.Status.CLOSED,
            closed_at=now,
            reassessed_grade=grades[follow_up.branch_id],
            closing_note=_("%(year)d年度定级为%(grade)s")
            % {"year": year, "grade": Grade(grades[follow_up.branch_id]).label},
            version=F("version") + 1,
        )
        if updated:
            follow_up.reassessed_grade = grades[follow_up.branch_id]
            closed.append(follow_up)
    _notify_closed(closed)
    return len(closed)


def follow_up_sweep(*, today=None):
    """Remind contact leaders and unit staff once per (follow-up, stage): re-assessment due
    soon / overdue, and each overdue improvement-plan item. A fixed number of queries."""
    today = today or timezone.localdate()
    days = policy_all()["follow_up.remind_days_before"]
    token = uuid.uuid4()
    with transaction.atomic():
        rows = [
            FollowUpReminder(
                follow_up_id=f["pk"],
                stage="reassess_overdue" if f["reassess_due"] < today else "reassess_soon",
                claim=token,
            )
            for f in FollowUp.objects.filter(
                status=FollowUp.Status.OPEN, reassess_due__lte=today + timedelta(days=days)
            ).values("pk", "reassess_due")
        ]
        plan = RectificationItem.objects.filter(
            source_kind=SourceKind.GUIDANCE_FOLLOW_UP,
            status__in=RectificationItem.OPEN_STATUSES,
            deadline__lt=today,
            source_id__in=FollowUp.objects.filter(status=FollowUp.Status.OPEN).values("pk"),
        ).values("pk", "source_id", "deadline")
        deadlines = {}
        for item in plan:
            follow_up_id = item["source_id"]
            assert follow_up_id is not None  # filtered on source_id__in above
            rows.append(
                FollowUpReminder(follow_up_id=follow_up_id, stage=f"plan_overdue:{item['pk']}", claim=token)
            )
            deadlines[(item["source_id"], item["pk"])] = item["deadline"]
        FollowUpReminder.objects.bulk_create(rows, ignore_conflicts=True)
        claimed = list(
            FollowUpReminder.objects.filter(claim=token).select_related(
                "follow_up__branch", "follow_up__contact_leader"
            )
        )
        branches = {r.follow_up.branch_id: r.follow_up.branch for r in claimed}
        staff = _staff(Role.UNIT_STAFF, branches.values()) if branches else {}
        notices = []
        for r in claimed:
            follow_up = r.follow_up
            stage, _sep, item_id = r.stage.partition(":")
            due = deadlines.get((follow_up.pk, int(item_id))) if item_id else follow_up.reassess_due
            # A plan_overdue row is claimed only in the run that read its deadline (deadline__lt).
            assert due is not None
            recipients = list(staff[follow_up.branch_id])
            if follow_up.contact_leader is not None:
                recipients.append(follow_up.contact_leader)
            notices.append(
                Notice(
                    recipients=recipients,
                    kind="follow_up_reminder",
                    params={"branch": follow_up.branch.name, "stage": stage, "due": due.isoformat()},
                    link=follow_up.get_absolute_url(),
                    organization=follow_up.branch,
                    dedupe_key=f"follow_up:{follow_up.pk}:{r.stage}",
                )
            )
        notify_many(notices)
    return len(claimed)
