"""Writes of the renewal engine: the daily ladder sweep, procedure steps, election results,
postponements and calendar tokens. Keyword-only, atomic, Chinese ValidationError messages."""

import json
import uuid
from datetime import timedelta
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import permissions, uploads
from branches import selectors as branch_selectors
from branches import services as branch_services
from branches.models import (
    CalendarToken,
    ElectionResult,
    Member,
    Post,
    Postponement,
    RectificationItem,
    Renewal,
    RenewalStep,
    RoleAssignment,
    SourceKind,
    Term,
    TermReminder,
)
from branches.models.renewals import refresh_postponed_until
from branches.permissions import Action
from branches.policy import policy_all, policy_get
from notifications.services import Notice, notify, notify_many

from . import election, ladder, selectors

Status = Renewal.Status
Step = RenewalStep.Step
Stage = TermReminder.Stage

# Step -> (status it requires, status it leads to). Election, results and the final approval
# carry more data and have their own services below, but follow the same table.
TRANSITIONS = {
    Step.REQUEST: (Status.STARTED, Status.REQUEST_SUBMITTED),
    Step.REQUEST_APPROVAL: (Status.REQUEST_SUBMITTED, Status.REQUEST_APPROVED),
    Step.CANDIDATES: (Status.REQUEST_APPROVED, Status.CANDIDATES_SUBMITTED),
    Step.CANDIDATE_APPROVAL: (Status.CANDIDATES_SUBMITTED, Status.CANDIDATES_APPROVED),
    Step.ELECTION: (Status.CANDIDATES_APPROVED, Status.ELECTION_HELD),
    Step.RESULTS_REPORT: (Status.ELECTION_HELD, Status.RESULTS_REPORTED),
    Step.SECRETARY_APPROVAL: (Status.RESULTS_REPORTED, Status.COMPLETED),
}
SIMPLE_STEPS = (Step.REQUEST, Step.REQUEST_APPROVAL, Step.CANDIDATES, Step.CANDIDATE_APPROVAL)

# A claim older than this belongs to a worker that died (task time limit is a few minutes).
SENDING_LEASE = timedelta(minutes=15)
NOTIFICATION_KIND = "term_reminder"


# --- the procedure -------------------------------------------------------------------------


@transaction.atomic
def renewal_get_or_start(*, term):
    """The renewal of ``term`` (created on first use); only an active term can be renewed."""
    renewal = Renewal.objects.filter(term=term).first()
    if renewal is not None:
        return renewal
    if term.status != Term.Status.ACTIVE:
        raise ValidationError(_("该届次已结束，不能再办理换届。"))
    renewal, _created = Renewal.objects.get_or_create(term=term)
    return renewal


def _advance(*, renewal, step, version):
    """Move the renewal one step on, only from the expected status and version.

    0 rows updated means another user recorded something first: the caller's page is stale.
    """
    required, target = TRANSITIONS[step]
    if renewal.status != required:
        raise ValidationError(
            _("当前进度为“%(now)s”，不能办理“%(step)s”。")
            % {"now": renewal.get_status_display(), "step": Step(step).label}
        )
    updated = Renewal.objects.filter(pk=renewal.pk, status=required, version=version).update(
        status=target, version=F("version") + 1
    )
    if not updated:
        raise ValidationError(_("该换届已被他人更新，请刷新页面后重试。"))
    renewal.refresh_from_db()


def _check_date(*, renewal, done_on):
    if done_on > timezone.localdate():
        raise ValidationError(_("日期不能晚于今天。"))
    last = renewal.steps.order_by("-done_on").values_list("done_on", flat=True).first()
    if last is not None and done_on < last:
        raise ValidationError(_("日期不能早于上一步骤的日期（%(d)s）。") % {"d": last.strftime("%Y-%m-%d")})


# Steps after which the higher organization has to decide: its staff get an in-app notice.
AWAITING_DECISION = (Step.REQUEST, Step.CANDIDATES, Step.RESULTS_REPORT)


def _notify_reviewers(*, branch, kind, params, dedupe_key):
    """In-app notice to the unit staff who look after ``branch`` (they approve its renewal)."""
    notify(
        recipients=_recipients_by_branch([branch])[branch.pk][ladder.UNIT_STAFF],
        kind=kind,
        params=params,
        organization=branch,
        link=reverse("renewals:branch-timeline", args=[branch.pk]),
        dedupe_key=dedupe_key,
        email=False,
    )


def _notify_branch(*, renewal, kind, params):
    """Tell the branch's secretaries about a decision on their renewal."""
    branch = renewal.term.branch
    notify(
        recipients=_recipients_by_branch([branch])[branch.pk][ladder.SECRETARY],
        kind=kind,
        params={"branch": branch.name, **params},
        organization=branch,
        link=reverse("renewals:branch-timeline", args=[branch.pk]),
        dedupe_key=f"{kind}:{renewal.pk}:{renewal.version}",
    )


@transaction.atomic
def renewal_request_return(*, renewal, user, version, reason):
    """The higher organization returns the renewal request (请示) with a reason: the renewal
    goes back to "待提交请示" and the branch submits a corrected request."""
    permissions.require(user, Action.SUPERVISE, renewal.term.branch)
    if not (reason or "").strip():
        raise ValidationError(_("退回时请填写退回理由。"))
    updated = Renewal.objects.filter(pk=renewal.pk, status=Status.REQUEST_SUBMITTED, version=version).update(
        status=Status.STARTED, version=F("version") + 1
    )
    if not updated:
        raise ValidationError(_("该换届已被他人更新，请刷新页面后重试。"))
    renewal.refresh_from_db()
    RenewalStep.objects.filter(renewal=renewal, step=Step.REQUEST).delete()
    _notify_branch(renewal=renewal, kind="renewal_request_returned", params={"reason": reason.strip()})
    return renewal


def _require_step(user, renewal, step):
    """The action the step needs on the renewing branch (``permissions.renewal_step_action``)."""
    permissions.require(user, permissions.renewal_step_action(step), renewal.term.branch)


def _record(*, renewal, step, done_on, user, version, document=None, note=""):
    _check_date(renewal=renewal, done_on=done_on)
    if document:
        uploads.accept(document)  # the portal's upload policy; renames for storage
    _advance(renewal=renewal, step=step, version=version)
    recorded = RenewalStep.objects.create(
        renewal=renewal, step=step, done_on=done_on, document=document or "", note=note, recorded_by=user
    )
    if step == Step.REQUEST_APPROVAL:
        _notify_branch(renewal=renewal, kind="renewal_request_approved", params={})
    if step in AWAITING_DECISION:
        branch = renewal.term.branch
        _notify_reviewers(
            branch=branch,
            dedupe_key=f"renewal-review:{renewal.pk}:{step}",
            kind="renewal_review",
            params={"branch": branch.name, "step": step},
        )
    return recorded


@transaction.atomic
def renewal_step_record(*, renewal, step, done_on, user, version, document=None, note=""):
    """Record a plain step (request, approval, candidate list, candidate approval)."""
    if step not in SIMPLE_STEPS:
        raise ValidationError(_("该步骤需要填写专门的表单。"))
    _require_step(user, renewal, step)
    return _record(
        renewal=renewal, step=step, done_on=done_on, user=user, version=version, document=document, note=note
    )


@transaction.atomic
def renewal_election_record(
    *,
    renewal,
    user,
    version,
    held_on,
    expected_voters,
    present_voters,
    ballots_issued,
    ballots_returned,
    seats,
    votes,
    document=None,
    note="",
):
    """Validate and store the figures of the election assembly (§5.3).

    ``votes`` maps member id -> yes votes for every candidate. Raises ValidationError listing
    every broken rule; warnings allowed by policy are kept on the result.
    """
    _require_step(user, renewal, Step.ELECTION)
    term = renewal.term
    full_members = dict(branch_selectors.eligible_members(term.branch).values_list("pk", "name"))
    if expected_voters > len(full_members):
        raise ValidationError(
            _("应到会人数（%(e)d）不能超过支部正式党员人数（%(f)d）。")
            % {"e": expected_voters, "f": len(full_members)}
        )
    strangers = [pk for pk in votes if pk not in full_members]
    if strangers:
        raise ValidationError(_("候选人必须是本支部的正式党员。"))
    outcome = election.evaluate(
        expected=expected_voters,
        present=present_voters,
        issued=ballots_issued,
        returned=ballots_returned,
        seats=seats,
        votes=votes,
        competitive=term.has_committee,
        rules=election.Rules.from_policy(policy_all()),
    )
    if not outcome.valid:
        raise ValidationError(outcome.errors)
    _record(
        renewal=renewal,
        step=Step.ELECTION,
        done_on=held_on,
        user=user,
        version=version,
        document=document,
        note=note,
    )
    return ElectionResult.objects.create(
        renewal=renewal,
        held_on=held_on,
        expected_voters=expected_voters,
        present_voters=present_voters,
        ballots_issued=ballots_issued,
        ballots_returned=ballots_returned,
        seats=seats,
        candidates=[
            {"member": pk, "name": full_members[pk], "votes": count}
            for pk, count in sorted(votes.items(), key=lambda item: -item[1])
        ],
        elected=outcome.elected,
        warnings=outcome.warnings,
    )


POST_ROLES = (
    Post.Role.SECRETARY,
    Post.Role.DEPUTY_SECRETARY,
    Post.Role.ORGANIZATION,
    Post.Role.PUBLICITY,
    Post.Role.DISCIPLINE,
)


@transaction.atomic
def renewal_results_report(*, renewal, user, version, done_on, posts, document=None, note=""):
    """Report the result upward with the posts the new committee assigned (§5.2 steps 9-10).

    ``posts`` maps a Post.Role value to a member id; the secretary is required, each person
    holds one listed post, and everyone must be among the elected.
    """
    _require_step(user, renewal, Step.RESULTS_REPORT)
    result = renewal.election
    posts = {role: pk for role, pk in posts.items() if pk}
    if Post.Role.SECRETARY not in posts:
        raise ValidationError(_("请选定新一届书记。"))
    if any(role not in POST_ROLES for role in posts):
        raise ValidationError(_("职务不正确。"))
    if any(pk not in result.elected for pk in posts.values()):
        raise ValidationError(_("书记、副书记和委员分工只能从当选人中产生。"))
    if len(set(posts.values())) != len(posts):
        raise ValidationError(_("同一人不能同时担任两个分工职务。"))
    step = _record(
        renewal=renewal,
        step=Step.RESULTS_REPORT,
        done_on=done_on,
        user=user,
        version=version,
        document=document,
        note=note,
    )
    ElectionResult.objects.filter(pk=result.pk).update(posts=posts)
    return step


@transaction.atomic
def renewal_complete(*, renewal, user, version, approved_on, document=None, note=""):
    """Higher organization approves the secretary/deputy: the new term and its posts start,
    the outgoing term and its posts close, and the reminder ladder stops for that term."""
    _require_step(user, renewal, Step.SECRETARY_APPROVAL)
    return _complete(
        renewal=renewal, user=user, version=version, approved_on=approved_on, document=document, note=note
    )


@transaction.atomic
def renewal_complete_by_system(*, renewal, version, approved_on, document=None, note=""):
    """``renewal_complete`` run by the system (the demo seed): no user, so no access check."""
    return _complete(
        renewal=renewal, user=None, version=version, approved_on=approved_on, document=document, note=note
    )


def _complete(*, renewal, user, version, approved_on, document, note):
    result = renewal.election
    _record(
        renewal=renewal,
        step=Step.SECRETARY_APPROVAL,
        done_on=approved_on,
        user=user,
        version=version,
        document=document,
        note=note,
    )
    branch = renewal.term.branch
    new_term = branch_services.term_start(
        branch=branch,
        elected_on=result.held_on,
        length_years=renewal.term.length_years,
        has_committee=result.seats >= policy_get("committee.min_size"),
    )
    role_of = {pk: role for role, pk in result.posts.items()}
    members = Member.objects.in_bulk(result.elected)
    for pk in result.elected:
        role = role_of.get(pk, Post.Role.OTHER)
        branch_services.post_assign(
            term=new_term,
            member=members[pk],
            role=role,
            started_on=result.held_on,
            approved_on=approved_on if role in Post.APPROVAL_ROLES else None,
        )
    Renewal.objects.filter(pk=renewal.pk).update(new_term=new_term, completed_on=approved_on)
    renewal.refresh_from_db()
    return new_term


# --- postponement and advancement ----------------------------------------------------------


def _check_postponement_window(*, term, kind, until, cap_months):
    if kind == Postponement.Kind.POSTPONE:
        latest = ladder.months(term.ends_on, cap_months)
        if until <= term.ends_on:
            raise ValidationError(_("延期后的换届期限必须晚于任期届满日期。"))
        if until > latest:
            raise ValidationError(
                _("延期累计不得超过 %(m)d 个月，最晚只能延至 %(d)s。")
                % {"m": cap_months, "d": latest.strftime("%Y-%m-%d")}
            )
    else:
        earliest = ladder.months(term.ends_on, -cap_months)
        if until >= term.ends_on:
            raise ValidationError(_("提前换届的选举日期必须早于任期届满日期。"))
        if until < max(earliest, timezone.localdate()):
            raise ValidationError(
                _("提前换届的日期不能早于今天，也不能早于届满前 %(m)d 个月（%(d)s）。")
                % {"m": cap_months, "d": earliest.strftime("%Y-%m-%d")}
            )


@transaction.atomic
def postponement_request(*, term, kind, until, reason, user):
    """File a postponement/advancement request; one may be pending per term."""
    permissions.require(user, Action.RECORD_ACTIVITY, term.branch)
    if term.status != Term.Status.ACTIVE:
        raise ValidationError(_("该届次已结束，不能申请延期或提前换届。"))
    if not reason.strip():
        raise ValidationError(_("请填写申请理由。"))
    _check_postponement_window(
        term=term, kind=kind, until=until, cap_months=policy_get("renewal.postponement_max_months")
    )
    if Postponement.objects.filter(term=term, status=Postponement.Status.PENDING).exists():
        raise ValidationError(_("已有一份待审批的申请，请等待上级审批。"))
    postponement = Postponement.objects.create(
        term=term, kind=kind, until=until, reason=reason, requested_by=user
    )
    _notify_reviewers(
        branch=term.branch,
        dedupe_key=f"postponement-request:{postponement.pk}",
        kind="postponement_request",
        params={"branch": term.branch.name, "kind": postponement.kind, "until": until.isoformat()},
    )
    return postponement


@transaction.atomic
def postponement_decide(*, postponement, approve, user, note="", decided_on=None):
    """Approve or reject a pending request; an approved postponement moves the deadline."""
    permissions.require(user, Action.SUPERVISE, postponement.term.branch)
    if approve:
        _check_postponement_window(
            term=postponement.term,
            kind=postponement.kind,
            until=postponement.until,
            cap_months=policy_get("renewal.postponement_max_months"),
        )
    elif not note.strip():
        raise ValidationError(_("不予批准时请填写审批意见。"))
    status = Postponement.Status.APPROVED if approve else Postponement.Status.REJECTED
    updated = Postponement.objects.filter(pk=postponement.pk, status=Postponement.Status.PENDING).update(
        status=status, decided_by=user, decided_on=decided_on or timezone.localdate(), decision_note=note
    )
    if not updated:
        raise ValidationError(_("该申请已经审批过了。"))
    refresh_postponed_until([postponement.term_id])  # the UPDATE above sends no signal
    postponement.refresh_from_db()
    if postponement.requested_by_id:
        branch = postponement.term.branch
        notify(
            recipients=[postponement.requested_by],
            kind="postponement_decision",
            params={
                "branch": branch.name,
                "kind": postponement.kind,
                "status": postponement.status,
                "note": note,
            },
            link=reverse("renewals:branch-timeline", args=[branch.pk]),
            organization=branch,
            dedupe_key=f"postponement:{postponement.pk}",
        )
    return postponement


# --- the daily ladder sweep ----------------------------------------------------------------


def _recipients_by_branch(branches):
    """{branch_id: {ladder role: [users]}} for branch organizations, through
    ``permissions.users_with_many`` (active users only; a fixed number of queries).

    The secretary counts on the branch itself; unit and provincial staff on an ancestor.
    """
    Role = RoleAssignment.Role
    branches = list({b.pk: b for b in branches}.values())
    by_role = {
        ladder.SECRETARY: Role.SECRETARY,
        ladder.UNIT_STAFF: Role.UNIT_STAFF,
        ladder.PROVINCIAL_STAFF: Role.PROVINCIAL_STAFF,
    }
    found = permissions.users_by_role_many(
        Action.VIEW, branches, roles=set(by_role.values()), exact_roles={Role.SECRETARY}
    )
    return {b.pk: {key: found[b.pk].get(role, []) for key, role in by_role.items()} for b in branches}


def renewal_sweep(*, today=None, now=None):
    """Send every active term the ladder stage it has reached, each (term, stage) once.

    Idempotent and race-safe: due rows are inserted under UniqueConstraint(term, stage) with
    ON CONFLICT DO NOTHING — on PostgreSQL already claimed by this run (``sending``, tagged
    with its token), so a row belongs to the one run that inserted it — then one conditional
    UPDATE (pending -> sending) claims what earlier runs left: rows handed back after a
    failure, claims of a worker that died (older than ``SENDING_LEASE``). A fixed number of
    queries whatever the number of terms. Returns counts for logs and the benchmark.
    """
    now = now or timezone.now()
    today = today or timezone.localdate()
    values = policy_all()
    offsets = ladder.Offsets.from_policy(values)
    supervision_days = values["renewal.supervision_deadline_days"]

    rows = selectors.terms_for_sweep(today=today, offsets=offsets)
    sent_rank: dict[int, int] = {}
    for term_id, stage in selectors.reminders_of_active_terms(today=today, offsets=offsets):
        sent_rank[term_id] = max(sent_rank.get(term_id, -1), ladder.RANK[stage])
    supervision_deadline = today + timedelta(days=supervision_days)
    due = []  # (term id, stage, due on, rectification deadline): plain values, no model instances
    for row in rows:
        facts = ladder.facts_from(row["ends_on"], row["deadline"], row["renewal_status"])
        stage = ladder.stage_on(facts, today, offsets)
        # Never step back down the ladder (e.g. after a postponement moved the deadline).
        if stage is None or ladder.RANK[stage] <= sent_rank.get(row["id"], -1):
            continue
        due.append(
            (
                row["id"],
                stage,
                ladder.due_dates(facts, offsets)[stage],
                supervision_deadline if stage == Stage.SUPERVISION else None,
            )
        )
    token = uuid.uuid4()
    claimed = _insert_due(due, token=token, now=now)
    # Keep this UPDATE free of joins: PostgreSQL re-checks only its own WHERE after waiting on
    # a row lock, which is what stops a second run from claiming a row the first one took.
    claimed += TermReminder.objects.filter(
        Q(status=TermReminder.Status.PENDING)
        | Q(status=TermReminder.Status.SENDING, claimed_at__lt=now - SENDING_LEASE)
    ).update(status=TermReminder.Status.SENDING, claim=token, claimed_at=now)
    sent = {"reminders": 0, "notifications": 0}
    if claimed:
        try:
            sent = _send_claimed(token=token, now=now)
        except Exception:
            # Nothing was committed (notices, outbox mail and "sent" roll back together):
            # hand the rows back so the retry, or tomorrow's run, sends them.
            TermReminder.objects.filter(claim=token, status=TermReminder.Status.SENDING).update(
                status=TermReminder.Status.PENDING, claim=None, claimed_at=None
            )
            raise
    return {"terms_checked": len(rows), "due": len(due), "claimed": claimed, **sent}


def _insert_due(due, *, token, now):
    """Insert the due (term, stage) rows that do not exist yet; returns how many this run
    inserted already claimed (0 where they are inserted pending, for the claim UPDATE).

    PostgreSQL: one INSERT … SELECT from a JSON array of plain values, ON CONFLICT DO NOTHING,
    the new rows claimed by ``token``. Elsewhere (SQLite in development): bulk_create, pending.
    """
    if not due:
        return 0
    if connection.vendor != "postgresql":
        TermReminder.objects.bulk_create(
            [
                TermReminder(term_id=term_id, stage=stage, due_on=due_on, deadline=deadline, created_at=now)
                for term_id, stage, due_on, deadline in due
            ],
            ignore_conflicts=True,
        )
        return 0
    qn = connection.ops.quote_name

    def col(name, meta=TermReminder._meta):
        return qn(meta.get_field(name).column)

    sql = f"""
        INSERT INTO {qn(TermReminder._meta.db_table)} (
            {col("term")}, {col("stage")}, {col("due_on")}, {col("deadline")},
            {col("status")}, {col("claim")}, {col("claimed_at")}, {col("created_at")}
        )
        SELECT (d.e->>0)::bigint, d.e->>1, (d.e->>2)::date, (d.e->>3)::date, %s, %s, %s, %s
        FROM json_array_elements(%s::json) WITH ORDINALITY AS d(e, n)
        ORDER BY d.n
        ON CONFLICT DO NOTHING
    """
    document = json.dumps(
        [
            [term_id, stage, due_on.isoformat(), deadline and deadline.isoformat()]
            for term_id, stage, due_on, deadline in due
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [TermReminder.Status.SENDING, token, now, now, document])
        return cursor.rowcount


@transaction.atomic
def _send_claimed(*, token, now):
    """Notify (in-app, mail through the outbox) the recipients of the reminders claimed under
    ``token``; the notices and the "sent" mark commit together."""
    reminders = list(
        TermReminder.objects.filter(claim=token)
        .annotate(term_deadline=selectors.deadline_expression("term__"))
        .values_list(
            "term_id",
            "stage",
            "deadline",
            "term_deadline",
            "term__ends_on",
            "term__elected_on",
            "term__branch_id",
            "term__branch__name",
            "term__branch__path",
        )
    )
    # Only the id and the path of each branch are needed to find its recipients.
    branches = {row[6]: _BranchRef(row[6], row[8]) for row in reminders}
    recipients = _recipients_by_branch(branches.values())
    # One reverse() for all: the link differs only by the branch id.
    link = reverse("renewals:branch-timeline", args=[_LINK_MARK]).replace(str(_LINK_MARK), "{}")
    notices = []
    for (
        term_id,
        stage,
        deadline,
        term_deadline,
        ends_on,
        elected_on,
        branch_id,
        branch_name,
        _path,
    ) in reminders:
        users, ack_for = {}, set()
        for role in ladder.RECIPIENTS[stage]:
            for user in recipients.get(branch_id, {}).get(role, ()):
                users[user.pk] = user
                if role == ladder.SECRETARY and stage in ladder.SECRETARY_ACK:
                    ack_for.add(user.pk)
        notices.append(
            Notice(
                recipients=list(users.values()),
                kind=NOTIFICATION_KIND,
                params={
                    "branch": branch_name,
                    "stage": stage,
                    "deadline": term_deadline.isoformat(),
                    "ends_on": ends_on.isoformat(),
                    "elected_on": elected_on.isoformat(),
                    "supervision_deadline": deadline.isoformat() if deadline else "",
                },
                link=link.format(branch_id),
                organization=branches[branch_id],
                dedupe_key=f"term-reminder:{term_id}:{stage}",
                ack_for=ack_for,
            )
        )
    created = notify_many(notices, now=now)
    if any(stage == Stage.SUPERVISION and deadline for _term, stage, deadline, *_rest in reminders):
        _file_supervision_items(token=token, now=now)
    # One UPDATE for the whole claim (a per-row bulk_update grows quadratically in SQL size).
    TermReminder.objects.filter(claim=token).update(status=TermReminder.Status.SENT, sent_at=now)
    return {"reminders": len(reminders), "notifications": created}


_LINK_MARK = 987654321


class _BranchRef(NamedTuple):
    """A branch as the recipient lookup and the notice need it (no model instance per branch)."""

    pk: int
    path: str


def _file_supervision_items(*, token, now):
    """The supervision notice (督办) files a rectification item, where the branch reports its
    plan: one INSERT … SELECT from the claimed supervision reminders, whatever their number."""
    qn = connection.ops.quote_name
    item, reminder, term = RectificationItem._meta, TermReminder._meta, Term._meta

    def col(meta, name):
        return qn(meta.get_field(name).column)

    sql = f"""
        INSERT INTO {qn(item.db_table)} (
            {col(item, "organization")}, {col(item, "source_kind")}, {col(item, "source_id")},
            {col(item, "description")}, {col(item, "deadline")}, {col(item, "status")},
            {col(item, "response")}, {col(item, "return_comment")}, {col(item, "version")},
            {col(item, "created_at")}
        )
        SELECT t.{col(term, "branch")}, %s, r.{col(reminder, "term")}, %s, r.{col(reminder, "deadline")},
            %s, '', '', %s, %s
        FROM {qn(reminder.db_table)} r
        JOIN {qn(term.db_table)} t ON t.{col(term, "id")} = r.{col(reminder, "term")}
        WHERE r.{col(reminder, "claim")} = %s AND r.{col(reminder, "stage")} = %s
            AND r.{col(reminder, "deadline")} IS NOT NULL
        ORDER BY r.{col(reminder, "id")}
    """
    params = [
        SourceKind.RENEWAL_SUPERVISION,
        _("超期未换届且未经批准延期，请报送整改方案和换届时间安排。"),
        item.get_field("status").get_default(),
        item.get_field("version").get_default(),
        item.get_field("created_at").get_db_prep_value(now, connection),
        reminder.get_field("claim").get_db_prep_value(token, connection),
        Stage.SUPERVISION,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- calendar tokens -----------------------------------------------------------------------


@transaction.atomic
@transaction.atomic
def calendar_token_rotate(*, user):
    """Replace the feed token, so a leaked feed address stops working."""
    CalendarToken.objects.filter(user=user).delete()
    return CalendarToken.objects.create(user=user)
