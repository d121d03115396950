"""Writes for editions of the standard and for reviews.

Keyword-only, atomic, ValidationError with a Chinese message. State changes are conditional
UPDATEs (0 rows = someone else changed the row first) and score saves carry the review's
``version`` so that two scorers never silently overwrite each other.
"""

import hashlib
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from branches import permissions, uploads
from branches.flow import model_update
from branches.models import RoleAssignment
from branches.permissions import Action
from branches.policy import policy_all, policy_get
from notifications.services import notify

from . import access, results, rules
from .models import Edition, Evidence, Item, ItemScore, Review, ScoreChange, Tier

Role = RoleAssignment.Role

Status = Edition.Status
RStatus = Review.Status
HALF = Decimal("0.5")


class ReviewConflict(ValidationError):
    """Someone else saved the review (or changed its status) since the page was loaded."""


def round_half(value):
    """Round to the nearest half point (domain.md §6.4: proportional, rounded to 0.5)."""
    return (Decimal(str(value)) / HALF).quantize(Decimal(1), rounding=ROUND_HALF_UP) * HALF


# --- editions -------------------------------------------------------------------------------


def _lock_draft(edition):
    """Lock the edition row and refuse changes unless it is still a draft."""
    current = Edition.objects.select_for_update().get(pk=edition.pk)
    if current.status != Status.DRAFT:
        raise ValidationError(_("已发布或已停用的标准版本不能修改，请复制为新草稿后再编辑。"))
    return current


@transaction.atomic
def edition_create(*, name, year, total_points=Decimal(100), notes=""):
    edition = Edition(name=name, year=year, total_points=total_points, notes=notes)
    edition.full_clean()
    edition.save()
    return edition


@transaction.atomic
def edition_update(*, edition, **fields):
    edition, _changed = model_update(instance=_lock_draft(edition), fields=fields, data=fields)
    return edition


@transaction.atomic
def edition_clone(*, edition, name, year):
    """A new draft with a copy of every dimension, item and tier of ``edition``."""
    if Edition.objects.filter(name=name).exists():
        raise ValidationError(_("已存在名为“%(name)s”的标准版本。") % {"name": name})
    clone = Edition.objects.create(
        name=name,
        year=year,
        total_points=edition.total_points,
        based_on=edition,
        notes=edition.notes,
    )
    dimensions = {}
    for dim in edition.dimensions.all():
        old_pk = dim.pk
        dim.pk, dim.edition = None, clone
        dim.save()
        dimensions[old_pk] = dim
    items = list(edition.items.all())
    for item in items:
        item.pk, item.edition, item.dimension = None, clone, dimensions[item.dimension_id]
    Item.objects.bulk_create(items)
    tiers = list(edition.tiers.all())
    for tier in tiers:
        tier.pk, tier.edition = None, clone
    Tier.objects.bulk_create(tiers)
    return clone


def edition_problems(edition):
    """Reasons the edition cannot be published (empty list = publishable)."""
    problems = []
    dimensions = list(edition.dimensions.annotate(item_points=Sum("items__points")))
    if not dimensions:
        problems.append(_("尚未设置任何维度。"))
    dim_total = sum((d.max_points for d in dimensions), Decimal(0))
    if dim_total != edition.total_points:
        problems.append(
            _("各维度分值合计%(sum)s分，与总分%(total)s分不一致。")
            % {"sum": dim_total, "total": edition.total_points}
        )
    basis = Decimal(str(policy_get("assessment.tier_basis_points")))
    if edition.total_points != basis:
        problems.append(
            _(
                "总分%(total)s分与等次分数线的基准%(basis)s分不一致：等次按%(basis)s分制划定，请把总分设为%(basis)s分。"
            )
            % {"total": edition.total_points, "basis": basis}
        )
    for tier in edition.tiers.filter(min_score__gt=edition.total_points):
        problems.append(
            _("等次“%(name)s”的最低分%(min)s分高于总分%(total)s分。")
            % {"name": tier.name, "min": tier.min_score, "total": edition.total_points}
        )
    for dim in dimensions:
        # SQLite returns sums without the decimal place; show both databases' sums alike.
        item_points = Decimal(dim.item_points or 0).quantize(Decimal("0.1"))
        if item_points != dim.max_points:
            problems.append(
                _("维度“%(name)s”的评分项合计%(sum)s分，与维度分值%(max)s分不一致。")
                % {"name": dim.name, "sum": item_points, "max": dim.max_points}
            )
    known = rules.known_rule_keys()
    for item in edition.items.exclude(mode=Item.Mode.MANUAL).order_by("code"):
        if item.rule_key not in known:
            problems.append(
                _("评分项%(code)s使用了未登记的规则“%(key)s”。") % {"code": item.code, "key": item.rule_key}
            )
    if not edition.tiers.exists():
        problems.append(_("尚未设置评定等次。"))
    return problems


@transaction.atomic
def edition_publish(*, edition):
    edition = _lock_draft(edition)
    problems = edition_problems(edition)
    if problems:
        raise ValidationError(problems)
    Edition.objects.filter(pk=edition.pk, status=Status.DRAFT).update(
        status=Status.PUBLISHED, published_at=timezone.now()
    )
    edition.refresh_from_db()
    return edition


@transaction.atomic
def edition_retire(*, edition):
    if not Edition.objects.filter(pk=edition.pk, status=Status.PUBLISHED).update(status=Status.RETIRED):
        raise ValidationError(_("只有已发布的标准版本可以停用。"))
    edition.refresh_from_db()
    return edition


@transaction.atomic
def edition_part_save(*, edition, instance, **fields):
    """Create or change a dimension, item or tier of a draft edition."""
    _lock_draft(edition)
    if isinstance(instance, Item) and fields.get("mode", instance.mode) == Item.Mode.MANUAL:
        fields["rule_key"] = ""
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.edition = edition
    if isinstance(instance, Item) and instance.dimension.edition_id != edition.pk:
        raise ValidationError(_("所选维度不属于该标准版本。"))
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError(_("编号或标识在本版本中已被使用。")) from exc
    return instance


@transaction.atomic
def edition_part_delete(*, edition, instance):
    _lock_draft(edition)
    instance.delete()


# --- reviews --------------------------------------------------------------------------------


def current_edition(year):
    """The published edition in force for ``year`` (latest year not after it)."""
    return (
        Edition.objects.filter(status=Status.PUBLISHED, year__lte=year).order_by("-year", "-pk").first()
        or Edition.objects.filter(status=Status.PUBLISHED).order_by("year", "pk").first()
    )


def _rule_results(review, items):
    """{rule_key: RuleResult} for this review's branch and period (one evaluation per key)."""
    period = rules.Period(start=review.period_start, end=review.period_end)
    keys = {item.rule_key for item in items if item.is_computed}
    return {key: rules.evaluate_stored(key, [review.branch], period)[review.branch_id] for key in keys}


def _apply_rule(row, result):
    """Put a rule result on a score row: computed score, veto flag and explanation."""
    row.rule_detail = result.detail[:300]
    if result.has_data:
        row.auto_score = round_half(row.item.points * Decimal(str(result.ratio)))
        row.score = row.auto_score
        if row.item.is_veto:
            row.veto_triggered = row.auto_veto = result.ratio == 0


def _prefill(review, items):
    """ItemScore rows for a new review, AUTO/SEMI items pre-scored by their rules."""
    results = _rule_results(review, items)
    scores = []
    for item in items:
        row = ItemScore(review=review, item=item)
        if not item.points:
            row.score = Decimal(0)  # a pure veto item carries no points, only the flag
        if item.is_computed:
            _apply_rule(row, results[item.rule_key])
        scores.append(row)
    return scores


@transaction.atomic
def review_refresh_rules(*, review, user, version):
    """Recompute AUTO/SEMI items from the data as it is now (e.g. records entered since the
    review started). Scores a scorer overrode with a reason are left alone."""
    access.require_score(user, review)
    _claim_version(review, version)
    rows = [row for row in review.scores.select_related("item") if row.item.is_computed]
    results = _rule_results(review, [row.item for row in rows])
    changed, changes = [], []
    for row in rows:
        if row.override_reason:
            continue
        before = (row.score, row.auto_score, row.veto_triggered, row.rule_detail)
        _apply_rule(row, results[row.item.rule_key])
        if (row.score, row.auto_score, row.veto_triggered, row.rule_detail) == before:
            continue
        if row.score != before[0] or row.veto_triggered != before[2]:
            changes.append(
                ScoreChange(
                    review=review,
                    item=row.item,
                    old_score=before[0],
                    new_score=row.score,
                    changed_by=user,
                    reason=_("按最新数据重新计算"),
                )
            )
        row.updated_by, row.updated_at = user, timezone.now()
        changed.append(row)
    ItemScore.objects.bulk_update(
        changed,
        ["score", "auto_score", "veto_triggered", "auto_veto", "rule_detail", "updated_by", "updated_at"],
    )
    ScoreChange.objects.bulk_create(changes)
    review.refresh_from_db()
    return len(changes)


def _claim_version(review, version):
    """Bump the review's version if it is still ``version`` and editable, else refuse."""
    claimed = Review.objects.filter(pk=review.pk, version=version, status__in=Review.EDITABLE).update(
        version=F("version") + 1
    )
    if not claimed:
        raise ReviewConflict(
            _(
                "保存失败：该评审已被他人修改或状态已变化。为避免覆盖他人的评分，本次修改未保存，请刷新页面后重新填写。"
            )
        )


@transaction.atomic
def review_start(*, branch, kind, year, user, period_kind=Review.PeriodKind.YEAR, period_no=1, edition=None):
    """Open a review for one branch and period, pre-scored by the rules."""
    access.require_start(user, branch, kind)
    if not branch.is_branch:
        raise ValidationError(_("只能对党支部进行评审。"))
    edition = edition or current_edition(year)
    if edition is None or edition.status != Status.PUBLISHED:
        raise ValidationError(_("没有可用的已发布标准版本。"))
    if Review.objects.filter(
        branch=branch, kind=kind, period_kind=period_kind, year=year, period_no=period_no
    ).exists():
        raise ValidationError(_("该支部本期的此类评审已经存在。"))
    review = Review(
        branch=branch, edition=edition, kind=kind, year=year, period_kind=period_kind, period_no=period_no
    )
    review.full_clean(exclude=["scorers"])
    review.save()
    review.scorers.add(user)
    ItemScore.objects.bulk_create(_prefill(review, list(edition.items.select_related("dimension"))))
    return review


def _parse_score(raw, item):
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip()[:40])
    except ArithmeticError as exc:
        raise ValidationError(_("%(code)s：得分必须是数字。") % {"code": item.code}) from exc
    if not value.is_finite():  # NaN, sNaN, Infinity
        raise ValidationError(_("%(code)s：得分必须是数字。") % {"code": item.code})
    if value < 0 or value > item.points:
        raise ValidationError(
            _("%(code)s：得分应在0到%(max)s分之间。") % {"code": item.code, "max": item.points}
        )
    try:
        # 1e-999999999 leaves no remainder but is not a 0.5 step either
        off_grid = bool(value % HALF) or value != value.quantize(Decimal("0.1"))
    except ArithmeticError:
        off_grid = True
    if off_grid:
        raise ValidationError(_("%(code)s：得分只能精确到0.5分。") % {"code": item.code})
    return value


@transaction.atomic
def review_save_scores(*, review, user, version, entries):
    """Save scores of many items at once.

    ``entries`` maps item id → dict(score, comment, reason, veto). ``version`` is the version
    the scorer's page was rendered with; if someone saved in between, nothing is written.
    """
    access.require_score(user, review)
    rows = {s.item_id: s for s in review.scores.select_related("item")}
    changed, changes = [], []
    for item_id, entry in entries.items():
        row = rows.get(item_id)
        if row is None:
            continue
        item = row.item
        score = Decimal(0) if item.is_veto and not item.points else _parse_score(entry.get("score"), item)
        veto = bool(entry.get("veto")) if item.is_veto else False
        comment = (entry.get("comment") or "").strip()
        reason = (entry.get("reason") or "").strip()
        differs_from_rule = (
            item.is_computed
            and row.auto_score is not None
            and (score != row.auto_score or (item.is_veto and veto != row.auto_veto))
        )
        if differs_from_rule and not reason:
            raise ValidationError(_("%(code)s：调整系统计算结果必须填写调整理由。") % {"code": item.code})
        if (score, veto, comment, reason) == (
            row.score,
            row.veto_triggered,
            row.comment,
            row.override_reason,
        ):
            continue
        if score != row.score or veto != row.veto_triggered:
            logged = reason
            if veto != row.veto_triggered:
                flag = _("触发一票否决") if veto else _("解除一票否决")
                logged = _("%(flag)s：%(reason)s") % {"flag": flag, "reason": reason} if reason else flag
            changes.append(
                ScoreChange(
                    review=review,
                    item=item,
                    old_score=row.score,
                    new_score=score,
                    changed_by=user,
                    reason=logged[:300],
                )
            )
        row.score, row.veto_triggered, row.comment = score, veto, comment
        row.override_reason = reason if differs_from_rule else ""
        row.updated_by = user
        row.updated_at = timezone.now()
        changed.append(row)
    _claim_version(review, version)
    ItemScore.objects.bulk_update(
        changed, ["score", "veto_triggered", "comment", "override_reason", "updated_by", "updated_at"]
    )
    ScoreChange.objects.bulk_create(changes)
    review.scorers.add(user)
    review.refresh_from_db()
    return review


def _transition(review, from_statuses, to_status, message, **fields):
    updated = Review.objects.filter(pk=review.pk, status__in=from_statuses).update(
        status=to_status, version=F("version") + 1, **fields
    )
    if not updated:
        raise ValidationError(message)
    review.refresh_from_db()
    return review


@transaction.atomic
def review_submit(*, review, user):
    access.require_score(user, review)
    missing = list(
        review.scores.filter(score__isnull=True).order_by("item__code").values_list("item__code", flat=True)
    )
    if missing:
        raise ValidationError(
            _("还有评分项未评分：%(codes)s。") % {"codes": pgettext("list separator", "、").join(missing)}
        )
    review.scorers.add(user)
    return _transition(
        review,
        Review.EDITABLE,
        RStatus.SUBMITTED,
        _("只有评分中或已退回的评审可以提交。"),
        submitted_at=timezone.now(),
    )


def _notify_branch(review, *, event, body=""):
    """Tell the branch's secretaries (in-app, once per review, event and version)."""
    notify(
        recipients=permissions.users_with(
            Action.SUBMIT_REPORT, review.branch, roles={Role.SECRETARY}, exact_roles={Role.SECRETARY}
        ),
        kind=f"review_{event}",
        params={
            "kind": review.kind,
            "period_kind": review.period_kind,
            "year": review.year,
            "period_no": review.period_no,
            "comment": body,
        },
        link=review.get_absolute_url(),
        organization=review.branch,
        dedupe_key=f"review-{review.pk}-{event}-{review.version}",
    )


@transaction.atomic
def review_return(*, review, user, comment):
    access.require_decide(user, review)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("退回时必须填写退回意见。"))
    review = _transition(
        review, [RStatus.SUBMITTED], RStatus.RETURNED, _("只有已提交的评审可以退回。"), return_comment=comment
    )
    if review.kind == Review.Kind.SELF:
        _notify_branch(
            review,
            event="returned",
            body=comment,
        )
    return review


@transaction.atomic
def review_finalize(*, review, user):
    """Finalize a submitted review and store its result (total, veto) from its scores in the
    same UPDATE: a submitted review's scores can no longer change, and rankings read these."""
    access.require_decide(user, review)
    review = _transition(
        review,
        [RStatus.SUBMITTED],
        RStatus.FINALIZED,
        _("只有已提交的评审可以定稿。"),
        finalized_at=timezone.now(),
        **results.stored_fields(),
    )
    _notify_branch(
        review,
        event="finalized",
    )
    return review


@transaction.atomic
def review_admin_save(*, review):
    """Save a review changed in the Django admin (or restored from its history there).

    The admin can set any status, so the stored result is made to match it here: computed
    from the current scores when the review is (still or now) finalized, cleared otherwise
    (the database refuses any other combination).
    """
    if review.status == RStatus.FINALIZED:
        scores = ItemScore.objects.filter(review_id=review.pk).only("score", "veto_triggered")
        review.final_total, review.final_vetoed = results.of_rows(scores if review.pk else [])
    else:
        review.final_total, review.final_vetoed = None, None
    review.save()
    return review


@transaction.atomic
def evidence_add(*, review, item, upload, user):
    """Attach a file to one item of an editable review (type and size checked)."""
    access.require_score(user, review)
    if not review.is_editable:
        raise ValidationError(_("已提交或已定稿的评审不能再上传材料。"))
    if item.edition_id != review.edition_id:
        raise ValidationError(_("评分项不属于该评审的标准版本。"))
    policy = policy_all()
    # The portal's one upload policy (type by content, size, safe stored name); the admins'
    # evidence settings can only narrow it.
    allowed = [ext for ext in policy["assessment.evidence_extensions"] if ext in uploads.ALLOWED_EXTENSIONS]
    original_name, _kind = uploads.accept(
        upload, allowed=allowed, max_bytes=policy["assessment.evidence_max_mb"] * 1024 * 1024
    )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    evidence = Evidence(
        review=review,
        item=item,
        original_name=original_name,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )
    evidence.file.save(upload.name, upload, save=False)
    evidence.save()
    return evidence
