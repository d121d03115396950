"""Writes to the organization tree, roster, terms and posts.

Every function is keyword-only, runs in a transaction and raises ValidationError with a
message in the user's language when a business rule is broken.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .flow import model_update
from .models import JobHeartbeat, Member, Organization, Post, RoleAssignment, Term
from .policy import policy_get

Kind = Organization.Kind


def _validate_parent(kind, parent):
    allowed = Organization.ALLOWED_PARENTS[kind]
    if not allowed:
        if parent is not None:
            raise ValidationError(_("省直机关工委是根组织，不能有上级组织。"))
        return
    if parent is None or parent.kind not in allowed:
        names = pgettext("list separator", "、").join(str(Kind(k).label) for k in allowed)
        raise ValidationError(
            _("%(kind)s的上级组织必须是：%(names)s。") % {"kind": Kind(kind).label, "names": names}
        )


def _unit_of(kind, parent):
    if kind == Kind.UNIT_COMMITTEE:
        return None  # set to itself after insert
    if parent is None:
        return None
    return parent if parent.kind == Kind.UNIT_COMMITTEE else parent.unit


@transaction.atomic
def organization_create(*, name, kind, parent=None, **fields):
    """Create a node of the tree; path, depth and unit are derived from the parent."""
    _validate_parent(kind, parent)
    org = Organization(name=name, kind=kind, parent=parent, unit=_unit_of(kind, parent), **fields)
    org.full_clean(exclude=["path", "unit"])
    org.save()
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.depth = parent.depth + 1 if parent else 0
    update = ["path", "depth"]
    if kind == Kind.UNIT_COMMITTEE:
        org.unit = org
        update.append("unit")
    org.save(update_fields=update)
    return org


@transaction.atomic
def organization_update(*, organization, **fields):
    """Change a node's own attributes (not its place in the tree)."""
    organization, _changed = model_update(
        instance=organization, fields=fields, data=fields, exclude=["path", "unit", "parent"]
    )
    return organization


@transaction.atomic
def organization_move(*, organization, new_parent):
    """Move a node and its whole subtree under ``new_parent`` (two UPDATEs, any depth)."""
    _validate_parent(organization.kind, new_parent)
    if new_parent.path.startswith(organization.path):
        raise ValidationError(_("不能把组织移动到它自己的下级组织中。"))
    old_path = organization.path
    new_path = f"{new_parent.path}{organization.pk}/"
    depth_shift = new_parent.depth + 1 - organization.depth
    subtree = Organization.objects.select_for_update().filter(path__startswith=old_path)
    subtree.update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_shift,
    )
    Organization.objects.filter(pk=organization.pk).update(parent=new_parent)
    if organization.kind != Kind.UNIT_COMMITTEE:
        Organization.objects.filter(path__startswith=new_path).exclude(kind=Kind.UNIT_COMMITTEE).update(
            unit=_unit_of(organization.kind, new_parent)
        )
    organization.refresh_from_db()
    return organization


@transaction.atomic
def member_create(*, branch, **fields):
    if branch.kind != Kind.BRANCH:
        raise ValidationError(_("党员只能编入党支部。"))
    cell = fields.get("cell")
    if cell is not None and cell.parent_id != branch.pk:
        raise ValidationError(_("所选党小组不属于该支部。"))
    member = Member(branch=branch, **fields)
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def member_update(*, member, expected_version=None, **fields):
    """Save changed roster data; refuses an edit based on an outdated ``expected_version``.

    The row is locked first, so of two editors who both loaded version N exactly one saves
    (version N+1) and the other gets a conflict instead of overwriting silently.
    """
    current = Member.objects.select_for_update().get(pk=member.pk)
    if expected_version is not None and current.version != expected_version:
        raise ValidationError(
            _(
                "该党员信息已被其他人修改（当前为第 %(now)d 版，您编辑的是第 %(old)d 版）。"
                "请载入最新内容，核对后再保存。"
            )
            % {"now": current.version, "old": expected_version},
            code="conflict",
        )
    cell = fields.get("cell", current.cell)
    if cell is not None and cell.parent_id != current.branch_id:
        raise ValidationError(_("所选党小组不属于该支部。"))
    for name, value in fields.items():
        setattr(current, name, value)
    current.version += 1
    current.full_clean()
    current.save(update_fields=[*fields, "version"])
    return current


@transaction.atomic
def term_start(*, branch, elected_on, length_years=None, has_committee=True):
    """Open a new term, closing the branch's active one (and its posts) on the election day."""
    if branch.kind not in (Kind.BRANCH, Kind.GENERAL_BRANCH):
        raise ValidationError(_("只有党支部和党总支有届次。"))
    if branch.is_temporary:
        raise ValidationError(_("临时党支部不进行换届选举。"))
    if elected_on > timezone.localdate():
        raise ValidationError(_("选举日期不能晚于今天。"))
    length_years = length_years or policy_get("term.default_length_years")
    previous = Term.objects.select_for_update().filter(branch=branch, status=Term.Status.ACTIVE).first()
    if previous is not None:
        if elected_on < previous.elected_on:
            raise ValidationError(_("新一届的选举日期不能早于上一届。"))
        term_close(term=previous, closed_on=elected_on)
    term = Term(
        branch=branch,
        elected_on=elected_on,
        length_years=length_years,
        ends_on=Term.compute_ends_on(elected_on, length_years),
        has_committee=has_committee,
    )
    term.full_clean()
    term.save()
    return term


@transaction.atomic
def term_close(*, term, closed_on):
    """End a term and every post still held in it (rows locked; saved so history records it)."""
    current = Term.objects.select_for_update().get(pk=term.pk)
    if current.status != Term.Status.ACTIVE:
        raise ValidationError(_("该届次已经结束。"))
    if closed_on < current.elected_on:
        raise ValidationError(_("结束日期不能早于本届选举日期。"))
    if closed_on > timezone.localdate():
        raise ValidationError(_("结束日期不能晚于今天。"))
    for post in Post.objects.select_for_update().filter(term=current, ended_on__isnull=True):
        post.ended_on = max(closed_on, post.started_on)
        post.save(update_fields=["ended_on"])
    current.status, current.closed_on = Term.Status.CLOSED, closed_on
    current.save(update_fields=["status", "closed_on"])
    return current


@transaction.atomic
def post_assign(*, term, member, role, started_on, approved_on=None):
    """Give ``member`` a post in ``term``; the branch must match and the secretary be single."""
    if term.status != Term.Status.ACTIVE:
        raise ValidationError(_("只能在当前届次中任命职务。"))
    if member.branch_id != term.branch_id:
        raise ValidationError(_("只能任命本支部的党员。"))
    if member.status != Member.Status.FULL:
        raise ValidationError(_("预备党员没有被选举权，不能担任委员。"))
    if member.state != Member.State.ACTIVE:
        raise ValidationError(_("只能任命在册党员。"))
    if not term.has_committee and role not in Post.APPROVAL_ROLES:
        raise ValidationError(_("本届未设支部委员会，只能任命书记、副书记。"))
    if role == Post.Role.SECRETARY and term.posts.filter(role=role, ended_on__isnull=True).exists():
        raise ValidationError(_("本届已有在任书记，请先办理原书记离任。"))
    if approved_on is not None and role not in Post.APPROVAL_ROLES:
        approved_on = None
    post = Post(term=term, member=member, role=role, started_on=started_on, approved_on=approved_on)
    post.full_clean()
    post.save()
    return post


@transaction.atomic
def post_end(*, post, ended_on):
    # Lock the row: two people ending the same post at once must not both succeed.
    current = Post.objects.select_for_update().get(pk=post.pk)
    if current.ended_on is not None:
        raise ValidationError(_("该职务已离任。"))
    if ended_on < current.started_on:
        raise ValidationError(_("离任日期不能早于任职日期。"))
    if ended_on > timezone.localdate():
        raise ValidationError(_("离任日期不能晚于今天。"))
    current.ended_on = ended_on
    current.save(update_fields=["ended_on"])
    return current


@transaction.atomic
def post_approve(*, post, approved_on):
    """Record the higher organization's approval of a secretary or deputy secretary."""
    current = Post.objects.select_for_update().get(pk=post.pk)
    if current.role not in Post.APPROVAL_ROLES:
        raise ValidationError(_("只有书记、副书记需要上级批准。"))
    if current.approved_on is not None:
        raise ValidationError(_("该职务已于 %(day)s 批准。") % {"day": current.approved_on})
    if current.ended_on is not None:
        raise ValidationError(_("该职务已离任，不能再批准。"))
    if approved_on < current.started_on:
        raise ValidationError(_("批准日期不能早于任职日期。"))
    current.approved_on = approved_on
    current.save(update_fields=["approved_on"])
    return current


@transaction.atomic
def role_assign(*, user, role, organization):
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user, role=role, organization=organization
    )
    return assignment


def job_heartbeat_record(*, name):
    """Increment-or-create the heartbeat row atomically (safe with several workers)."""
    now = timezone.now()
    with transaction.atomic():
        heartbeat, created = JobHeartbeat.objects.get_or_create(
            name=name, defaults={"last_run_at": now, "runs": 1}
        )
        if not created:
            JobHeartbeat.objects.filter(pk=heartbeat.pk).update(last_run_at=now, runs=F("runs") + 1)
            heartbeat.refresh_from_db()
    return heartbeat
