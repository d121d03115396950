"""Writes to the organization tree, roster, terms and posts.

Every function is keyword-only, runs in a transaction and raises ValidationError with a
message in the user's language when a business rule is broken.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from simple_history.signals import pre_create_historical_record
from simple_history.utils import bulk_create_with_history

from . import permissions
from .flow import model_update
from .models import JobHeartbeat, Member, Organization, Post, RoleAssignment, Term
from .permissions import Action
from .policy import policy_get

Kind = Organization.Kind

# (user, reason) stamped on every history record written inside ``history_context``.
_HISTORY: ContextVar[tuple[Any, str] | None] = ContextVar("branches_history_context", default=None)


@contextmanager
def history_context(*, user, reason):
    """Attribute every history record written in the block to ``user`` with ``reason``.

    Used by the spreadsheet import so that each change names the import and the uploader,
    whether it runs in a request or in a Celery worker.
    """
    token = _HISTORY.set((user, reason))
    try:
        yield
    finally:
        _HISTORY.reset(token)


def _stamp_history(sender, history_instance, **kwargs):
    stamp = _HISTORY.get()
    if stamp is None:
        return
    user, reason = stamp
    history_instance.history_change_reason = reason
    if user is not None:
        history_instance.history_user = user


pre_create_historical_record.connect(_stamp_history, dispatch_uid="branches_history_context")


def validate_parent(kind, parent):
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


def organization_ids(count):
    """Reserve ``count`` primary keys for new organizations.

    A node's path ends with its own id and the database refuses a row without a valid path, so
    the id must be known before the INSERT. PostgreSQL hands out sequence values (never reused);
    SQLite (development only, one writer at a time) continues after the highest id.
    """
    if count <= 0:
        return []
    table = Organization._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def organization_path(pk, parent):
    """The materialized path of node ``pk`` placed under ``parent`` (None for the root)."""
    return f"{parent.path if parent else '/'}{pk}/"


@transaction.atomic
def organization_create(*, name, kind, parent=None, **fields):
    """Create a node of the tree; path, depth and unit are derived from the parent."""
    validate_parent(kind, parent)
    (pk,) = organization_ids(1)
    org = Organization(
        pk=pk,
        name=name,
        kind=kind,
        parent=parent,
        unit=_unit_of(kind, parent),
        path=organization_path(pk, parent),
        depth=parent.depth + 1 if parent else 0,
        **fields,
    )
    if kind == Kind.UNIT_COMMITTEE:
        org.unit_id = pk
    org.full_clean(exclude=["path", "unit"])
    org.save(force_insert=True)
    return org


def _reserve_ids(model, count):
    """``count`` primary keys taken from the table's sequence in one query (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


_PLAIN = (str, int, float, bool, date, type(None))


def _insert_with_history(objs, model, *, batch_size, user=None, reason=None):
    """Insert many validated, unsaved rows and one ``+`` history record for each.

    On PostgreSQL the ids come from the table's sequence first (one query), the rows are sent
    with ``execute_values`` and the history records are copied from the inserted rows by one
    ``INSERT … SELECT`` per batch, without building a model instance per record: this is the
    import's hot path (60,000 members). The records are the ones ``bulk_create_with_history``
    writes (all tracked fields, date, user, reason, type ``+``). Elsewhere it is exactly that.
    """
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return bulk_create_with_history(
            objs, model, batch_size=batch_size, default_user=user, default_change_reason=reason
        )
    from psycopg2.extras import execute_values

    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    missing = [obj for obj in objs if obj.pk is None]
    for obj, pk in zip(missing, _reserve_ids(model, len(missing)) if missing else (), strict=True):
        obj.pk = pk
    history = model.history.model
    tracked = [(meta.get_field(f.name).column, f.column) for f in history.tracked_fields]
    qn = connection.ops.quote_name
    insert = "INSERT INTO {} ({}) VALUES %s".format(
        qn(meta.db_table), ", ".join(qn(c) for c in [meta.pk.column, *(f.column for f in fields)])
    )
    copy = (
        "INSERT INTO {hist} ({targets}, history_date, history_change_reason, history_type, history_user_id)"
        " SELECT {sources}, %s, %s, '+', %s FROM {table} WHERE {pk} = ANY(%s) ORDER BY {pk}"
    ).format(
        hist=qn(history._meta.db_table),
        targets=", ".join(qn(target) for _source, target in tracked),
        sources=", ".join(qn(source) for source, _target in tracked),
        table=qn(meta.db_table),
        pk=qn(meta.pk.column),
    )
    now = timezone.now()
    if user is None:
        user = history.get_default_history_user(objs[0])  # the request's user, as simple_history does
    user_id = getattr(user, "pk", None)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            batch = objs[start : start + batch_size]
            rows = []
            for obj in batch:
                row = [obj.pk]
                for f in fields:
                    value = f.pre_save(obj, True)
                    if type(value) not in _PLAIN:
                        value = f.get_db_prep_save(value, connection)
                    row.append(value)
                rows.append(row)
            execute_values(cursor.cursor, insert, rows, page_size=batch_size)
            cursor.execute(copy, [now, reason or None, user_id, [obj.pk for obj in batch]])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = "default"
    return objs


@transaction.atomic
def organizations_create_batch(*, organizations):
    """Create many nodes whose parents are already saved (the import, one tree level at a time).

    Each node is checked like ``organization_create`` (parent rule, field validation); on
    PostgreSQL the ids are reserved first, so path, depth and unit are right on insert and
    every node gets one history record. Elsewhere the nodes are created one by one.
    """
    for org in organizations:
        validate_parent(org.kind, org.parent)
        org.unit = _unit_of(org.kind, org.parent)
        org.full_clean(exclude=["path", "unit", "parent"], validate_unique=False, validate_constraints=False)
        if org.units_covered < 1:
            raise ValidationError(_("覆盖单位数至少为 1。"))
    if connection.vendor != "postgresql":
        fields = ("name", "kind", "parent", "unit")
        return [
            organization_create(
                name=o.name,
                kind=o.kind,
                parent=o.parent,
                **{
                    f.name: getattr(o, f.name)
                    for f in Organization._meta.concrete_fields
                    if f.name not in {*fields, "id", "path", "depth"}
                },
            )
            for o in organizations
        ]
    for org, pk in zip(organizations, _reserve_ids(Organization, len(organizations)), strict=True):
        org.pk = pk
        org.path = f"{org.parent.path}{pk}/"
        org.depth = org.parent.depth + 1
        if org.kind == Kind.UNIT_COMMITTEE:
            org.unit = org
    stamp = _HISTORY.get() or (None, None)
    return _insert_with_history(organizations, Organization, batch_size=1000, user=stamp[0], reason=stamp[1])


@transaction.atomic
def organization_update(*, organization, **fields):
    """Change a node's own attributes (not its place in the tree)."""
    organization, _changed = model_update(
        instance=organization, fields=fields, data=fields, exclude=["path", "unit", "parent"]
    )
    return organization


@transaction.atomic
def organization_move(*, organization, new_parent, user):
    """Move a node and its whole subtree under ``new_parent`` (``user`` needs EDIT_ORG on both).

    One UPDATE rewrites the subtree's paths and depths, the moved node's parent and (for nodes
    below a unit committee) the unit, so no reader ever sees a half-moved tree and a role granted
    on the old unit stops covering the subtree in the same instant the new unit's starts to.
    The move is recorded in the node's change history.
    """
    permissions.require(user, Action.EDIT_ORG, organization)
    permissions.require(user, Action.EDIT_ORG, new_parent)
    current = Organization.objects.select_for_update().get(pk=organization.pk)
    new_parent = Organization.objects.select_for_update().get(pk=new_parent.pk)
    if current.parent_id is None:
        raise ValidationError(_("根组织不能移动。"))
    if new_parent.path.startswith(current.path):
        raise ValidationError(_("不能把组织移动到它自己或它的下级组织中。"))
    validate_parent(current.kind, new_parent)
    if not new_parent.is_active:
        raise ValidationError(_("不能移动到已撤销的组织下。"))
    if new_parent.pk == current.parent_id:
        raise ValidationError(_("该组织已在所选上级组织之下。"))
    old_path = current.path
    new_path = organization_path(current.pk, new_parent)
    changes = {
        "path": Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        "depth": F("depth") + (new_parent.depth + 1 - current.depth),
        "parent": Case(
            When(pk=current.pk, then=Value(new_parent.pk)),
            default=F("parent"),
            output_field=Organization._meta.get_field("parent"),
        ),
    }
    if current.kind != Kind.UNIT_COMMITTEE:
        new_unit = _unit_of(current.kind, new_parent)
        changes["unit"] = Value(
            new_unit.pk if new_unit else None, output_field=Organization._meta.get_field("unit")
        )
    Organization.objects.filter(path__startswith=old_path).update(**changes)
    organization.refresh_from_db()
    old_parent = current.parent
    assert old_parent is not None  # the root (no parent) was refused above
    Organization.history.bulk_history_create(
        [organization],
        update=True,
        default_user=user,
        default_change_reason=_("从 %(old)s 移动到 %(new)s")
        % {"old": old_parent.name, "new": new_parent.name},
    )
    return organization


def member_rules(member):
    """Roster rules beyond the field types, as {field: [message]} (empty when valid).

    Pure Python (no queries): the import checks tens of thousands of rows with it, and the
    database constraints enforce the same facts again on write.
    """
    errors: dict[str, list[str]] = {}
    if member.birth_date and member.joined_on and member.joined_on <= member.birth_date:
        errors.setdefault("joined_on", []).append(_("入党日期必须晚于出生日期。"))
    if member.full_since and member.joined_on and member.full_since < member.joined_on:
        errors.setdefault("full_since", []).append(_("转正日期不能早于入党日期。"))
    if member.status == Member.Status.PROBATIONARY and member.probation_ends_on is None:
        errors.setdefault("probation_ends_on", []).append(_("预备党员必须填写预备期满日期。"))
    return errors


def member_validate(member, *, batch=False):
    """Validate an unsaved or changed member; ``batch`` skips the per-row uniqueness queries.

    With ``batch`` the caller checks the (branch, number) key itself for the whole batch.
    """
    errors = {}
    # In a batch the branch and cell were resolved by the caller: no per-row lookups.
    exclude = ["branch", "cell", "user"] if batch else None
    try:
        member.full_clean(exclude=exclude, validate_unique=not batch, validate_constraints=not batch)
    except ValidationError as exc:
        errors = {name: list(ValidationError(found).messages) for name, found in exc.error_dict.items()}
    rules = member_rules(member)
    said = {message for messages in rules.values() for message in messages}
    for name in list(errors):
        # A database constraint repeating a roster rule is reported once, on its field.
        errors[name] = [message for message in errors[name] if message not in said]
        if not errors[name]:
            del errors[name]
    for name, messages in rules.items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _check_member_placement(branch, cell):
    if branch.kind != Kind.BRANCH:
        raise ValidationError(_("党员只能编入党支部。"))
    if cell is not None and cell.parent_id != branch.pk:
        raise ValidationError(_("所选党小组不属于该支部。"))


@transaction.atomic
def member_create(*, branch, **fields):
    _check_member_placement(branch, fields.get("cell"))
    member = Member(branch=branch, **fields)
    member_validate(member)
    member.save()
    return member


@transaction.atomic
def members_create_batch(*, members, user=None, reason=""):
    """Insert many validated members at once (the import); history records in bulk too.

    Each member is checked like ``member_create`` (placement, fields, roster rules); the
    (branch, number) uniqueness is the caller's batch check plus the database constraint.
    """
    for member in members:
        _check_member_placement(member.branch, member.cell)
        member_validate(member, batch=True)
    stamp = _HISTORY.get()
    if stamp is not None and not reason:
        user, reason = stamp
    return _insert_with_history(members, Member, batch_size=2000, user=user, reason=reason or None)


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
    if (
        fields.get("status", current.status) != Member.Status.FULL
        and Post.objects.filter(
            member=current, ended_on__isnull=True, term__status=Term.Status.ACTIVE
        ).exists()
    ):
        raise ValidationError(_("该党员现任支部委员，预备党员没有被选举权；请先办理离任，再改为预备党员。"))
    for name, value in fields.items():
        setattr(current, name, value)
    current.version += 1
    member_validate(current)
    current.save(update_fields=[*fields, "version"])
    return current


@transaction.atomic
def term_start(*, branch, elected_on, length_years=None, has_committee=True):
    """Open a new term, closing the branch's active one (and its posts) on the election day."""
    length_years = length_years or policy_get("term.default_length_years")
    previous = Term.objects.select_for_update().filter(branch=branch, status=Term.Status.ACTIVE).first()
    term_start_check(branch=branch, elected_on=elected_on, previous=previous, has_committee=has_committee)
    if previous is not None:
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


def term_start_check(*, branch, elected_on, previous, has_committee=True):
    """The rules of ``term_start`` without writing (``previous``: the active term or None)."""
    if branch.kind not in (Kind.BRANCH, Kind.GENERAL_BRANCH):
        raise ValidationError(_("只有党支部和党总支有届次。"))
    if branch.is_temporary and has_committee:
        # Its secretary is appointed by the organization that set it up (recorded as a term
        # without a committee); it never elects a committee.
        raise ValidationError(_("临时党支部不进行换届选举，只能记录上级指定的书记（不设支部委员会）。"))
    if elected_on > timezone.localdate():
        raise ValidationError(_("选举日期不能晚于今天。"))
    if previous is not None and elected_on < previous.elected_on:
        raise ValidationError(_("新一届的选举日期不能早于上一届。"))


@transaction.atomic
def terms_create_batch(*, terms):
    """First terms of many branches at once (the import); each is checked like ``term_start``.

    Only for branches without an active term: a branch that has one needs ``term_start``,
    which closes it and its posts.
    """
    branch_ids = [term.branch.pk for term in terms]
    if Term.objects.select_for_update().filter(branch_id__in=branch_ids, status=Term.Status.ACTIVE).exists():
        raise ValidationError(_("该组织已有在任届次，请先结束当前届次。"))
    for term in terms:
        term_start_check(branch=term.branch, elected_on=term.elected_on, previous=None)
        term.length_years = term.length_years or policy_get("term.default_length_years")
        if not 1 <= term.length_years <= 5:
            raise ValidationError(_("任期应为 1 至 5 年。"))
        term.ends_on = Term.compute_ends_on(term.elected_on, term.length_years)
        term.status = Term.Status.ACTIVE
        term.full_clean(exclude=["branch"], validate_unique=False, validate_constraints=False)
    if len(set(branch_ids)) != len(branch_ids):
        raise ValidationError(_("该组织已有在任届次，请先结束当前届次。"))
    stamp = _HISTORY.get() or (None, None)
    return _insert_with_history(terms, Term, batch_size=1000, user=stamp[0], reason=stamp[1])


@transaction.atomic
def term_update(*, term, length_years=None, has_committee=None):
    """Correct a term's length or committee flag; the expiry date follows the length."""
    current = Term.objects.select_for_update().get(pk=term.pk)
    if length_years is not None:
        current.length_years = length_years
        current.ends_on = Term.compute_ends_on(current.elected_on, length_years)
    if has_committee is not None:
        current.has_committee = has_committee
    current.full_clean()
    current.save(update_fields=["length_years", "ends_on", "has_committee"])
    return current


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
    post_assign_check(
        term=term,
        member=member,
        role=role,
        same_branch=member.branch_id == term.branch_id,
        secretary_taken=role == Post.Role.SECRETARY
        and term.posts.filter(role=role, ended_on__isnull=True).exists(),
    )
    if approved_on is not None and role not in Post.APPROVAL_ROLES:
        approved_on = None
    post = Post(term=term, member=member, role=role, started_on=started_on, approved_on=approved_on)
    post.full_clean()
    post.save()
    return post


@transaction.atomic
def posts_assign_batch(*, posts):
    """Assign many posts at once (the import); each is checked like ``post_assign``.

    ``posts`` are unsaved Post objects with ``term`` and ``member`` set. The single-secretary
    and once-per-member rules are checked against the database (two queries) and the batch.
    """
    term_ids = {post.term.pk for post in posts}
    held = set(
        Post.objects.select_for_update()
        .filter(term_id__in=term_ids, ended_on__isnull=True)
        .values_list("term_id", "member_id", "role")
    )
    secretaries = {term_id for term_id, _member, role in held if role == Post.Role.SECRETARY}
    for post in posts:
        post_assign_check(
            term=post.term,
            member=post.member,
            role=post.role,
            same_branch=post.member.branch_id == post.term.branch_id,
            secretary_taken=post.role == Post.Role.SECRETARY and post.term.pk in secretaries,
        )
        key = (post.term.pk, post.member.pk, post.role)
        if key in held:
            raise ValidationError(_("该党员已在本届担任此职务。"))
        held.add(key)
        if post.role == Post.Role.SECRETARY:
            secretaries.add(post.term.pk)
        if post.approved_on is not None and post.role not in Post.APPROVAL_ROLES:
            post.approved_on = None
        post.full_clean(exclude=["term", "member"], validate_unique=False, validate_constraints=False)
        if post.ended_on is not None and post.ended_on < post.started_on:
            raise ValidationError(_("离任日期不能早于任职日期。"))
    stamp = _HISTORY.get() or (None, None)
    return _insert_with_history(posts, Post, batch_size=2000, user=stamp[0], reason=stamp[1])


def post_assign_check(*, term, member, role, same_branch, secretary_taken):
    """The rules of ``post_assign`` without writing; the import previews rows with it."""
    if term.status != Term.Status.ACTIVE:
        raise ValidationError(_("只能在当前届次中任命职务。"))
    if not same_branch:
        raise ValidationError(_("只能任命本支部的党员。"))
    if member.status != Member.Status.FULL:
        raise ValidationError(_("预备党员没有被选举权，不能担任委员。"))
    if member.state != Member.State.ACTIVE:
        raise ValidationError(_("只能任命在册党员。"))
    if not term.has_committee and role not in Post.APPROVAL_ROLES:
        raise ValidationError(_("本届未设支部委员会，只能任命书记、副书记。"))
    if secretary_taken:
        raise ValidationError(_("本届已有在任书记，请先办理原书记离任。"))


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
def role_assign(*, by, user, role, organization):
    """``by`` (an admin: roles are the admin's to give) gives ``user`` ``role`` on ``organization``."""
    permissions.require_admin(by)
    return role_assign_by_system(user=user, role=role, organization=organization)


@transaction.atomic
def role_assign_by_system(*, user, role, organization):
    """Give ``user`` a role with no acting user to check (``create_admin``, seeding, tests)."""
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
