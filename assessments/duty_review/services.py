"""Writes of 述职评议: cycles, enrolment, reports, comments, raters, ballots, tally, publication.

Every service is atomic and keyword-only, checks the acting user itself and raises Chinese
ValidationErrors for refused business rules (PermissionDenied for missing rights).
"""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import (
    DutyAttachment,
    DutyBallot,
    DutyComment,
    DutyCycle,
    DutyRater,
    DutyReminder,
    DutyReport,
    DutyVote,
    Grade,
)
from branches import permissions
from branches.models import Organization, Post, RoleAssignment, Term
from branches.models.activities import validate_attachment
from branches.permissions import Action
from branches.policy import policy_all
from notifications.services import Notice, notify, notify_many

from . import hooks, selectors
from .tally import TallyPolicy, result_for

Kind = Organization.Kind
Level = DutyCycle.Level
Status = DutyCycle.Status
# Codes are typed from paper: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def _require_cycle_staff(user, cycle_or_org):
    organization = cycle_or_org.organization if isinstance(cycle_or_org, DutyCycle) else cycle_or_org
    permissions.require(user, Action.REVIEW, organization)
    if not permissions.is_staff_role(user):
        raise PermissionDenied


def _bump(instance, expected_version, **fields):
    """Conditional UPDATE on ``version``: a stale form (another tab, another person) is refused."""
    updated = (
        type(instance)
        .objects.filter(pk=instance.pk, version=expected_version)
        .update(version=F("version") + 1, **fields)
    )
    if not updated:
        raise ValidationError(_("内容已被他人修改，请刷新页面后重试。"))
    instance.refresh_from_db()
    return instance


# ---- cycles and enrolment ----


def expected_level(organization):
    return {Kind.UNIT_COMMITTEE: Level.BRANCH, Kind.WORK_COMMITTEE: Level.UNIT}.get(organization.kind)


def _reporting_organizations(cycle):
    if cycle.level == Level.BRANCH:
        return Organization.objects.filter(unit=cycle.organization, kind=Kind.BRANCH, is_active=True)
    return Organization.objects.filter(parent=cycle.organization, kind=Kind.UNIT_COMMITTEE, is_active=True)


def secretaries_of(org_ids):
    """{org id: (user or None, name)} of the sitting secretaries; absent ids have a vacant post.

    Two queries: the active secretary posts, then the secretary role assignments (the login a
    branch secretary works with), which win for the account and stand in when no post is on file.
    """
    found = {}
    posts = Post.objects.filter(
        term__branch_id__in=org_ids,
        term__status=Term.Status.ACTIVE,
        role=Post.Role.SECRETARY,
        ended_on__isnull=True,
    ).select_related("member__user", "term")
    for post in posts:
        found[post.term.branch_id] = (post.member.user, post.member.name)
    roles = (
        RoleAssignment.objects.filter(organization_id__in=org_ids, role=RoleAssignment.Role.SECRETARY)
        .select_related("user")
        .order_by("pk")
    )
    for assignment in roles:
        user, name = found.get(assignment.organization_id, (None, ""))
        if user is None:
            found[assignment.organization_id] = (assignment.user, name or str(assignment.user))
    return found


@transaction.atomic
def cycle_open(*, user, organization, year, outline, due_on, meeting_on):
    """Open the year's cycle of ``organization`` (level above) and enrol every reporting body.

    A body whose secretary post is vacant gets a report row in status 书记空缺, never skipped.
    """
    _require_cycle_staff(user, organization)
    level = expected_level(organization)
    if level is None:
        raise ValidationError(_("只有机关党委或省直机关工委可以组织述职评议。"))
    if not [line for line in outline.splitlines() if line.strip()]:
        raise ValidationError(_("请填写述职要点（每行一个标题）。"))
    if meeting_on < due_on:
        raise ValidationError(_("述职评议会议日期不能早于报告提交截止日期。"))
    if DutyCycle.objects.filter(year=year, level=level, organization=organization).exists():
        raise ValidationError(_("该组织本年度已开启同一层级的述职评议。"))
    cycle = DutyCycle.objects.create(
        year=year,
        level=level,
        organization=organization,
        outline=outline.strip(),
        due_on=due_on,
        meeting_on=meeting_on,
        opened_by=user,
    )
    enrol(cycle=cycle)
    raters_default(cycle=cycle)
    notify_many(
        [
            Notice(
                recipients=[report.secretary],
                kind="duty_review_opened",
                params={"year": year, "due": due_on.isoformat(), "org": organization.name},
                dedupe_key=f"duty-open:{cycle.pk}",
                link=report.get_absolute_url(),
                organization=report.organization,
            )
            for report in cycle.reports.select_related("secretary", "organization").exclude(secretary=None)
        ]
    )
    return cycle


def enrol(*, cycle):
    """Create the missing report rows of ``cycle`` (idempotent; a constant number of queries)."""
    org_ids = list(_reporting_organizations(cycle).values_list("pk", flat=True))
    secretaries = secretaries_of(org_ids)
    headings = _initial_sections(cycle)
    rows = []
    for org_id in org_ids:
        user, name = secretaries.get(org_id, (None, ""))
        vacant = org_id not in secretaries
        rows.append(
            DutyReport(
                cycle=cycle,
                organization_id=org_id,
                secretary=user,
                secretary_name=name,
                status=DutyReport.Status.VACANT if vacant else DutyReport.Status.DRAFT,
                sections=headings,
            )
        )
    DutyReport.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


FACTS_HEADING = "年度工作基本情况（系统预填，可修改）"


def _initial_sections(cycle):
    headings = [FACTS_HEADING, *cycle.headings]
    return [{"heading": heading, "text": ""} for heading in headings]


def raters_default(*, cycle):
    """Committee members of the level above and the secretaries of the reporting bodies."""
    existing = set(cycle.raters.exclude(user=None).values_list("user_id", flat=True))
    rows = []
    committee = Post.objects.filter(
        term__branch=cycle.organization, term__status=Term.Status.ACTIVE, ended_on__isnull=True
    ).select_related("member__user")
    for post in committee:
        user = post.member.user
        if user is not None and user.pk in existing:
            continue
        if user is not None:
            existing.add(user.pk)
        rows.append(
            DutyRater(cycle=cycle, user=user, name=post.member.name, category=DutyRater.Category.COMMITTEE)
        )
    for report in cycle.reports.exclude(status=DutyReport.Status.VACANT).select_related("secretary"):
        if report.secretary_id in existing:
            continue
        if report.secretary_id:
            existing.add(report.secretary_id)
        rows.append(
            DutyRater(
                cycle=cycle,
                user=report.secretary,
                name=report.secretary_name or str(report.secretary or ""),
                category=DutyRater.Category.SECRETARY,
            )
        )
    DutyRater.objects.bulk_create(rows, batch_size=1000)


@transaction.atomic
def cycle_update(*, cycle, user, expected_version, outline, due_on, meeting_on):
    _require_cycle_staff(user, cycle)
    if cycle.status != Status.OPEN:
        raise ValidationError(_("测评已开始，不能再修改述职要点和日期。"))
    if meeting_on < due_on:
        raise ValidationError(_("述职评议会议日期不能早于报告提交截止日期。"))
    return _bump(cycle, expected_version, outline=outline.strip(), due_on=due_on, meeting_on=meeting_on)


def _move(cycle, user, source, target):
    """Change the cycle's status (the caller checked ``_require_cycle_staff``)."""
    updated = DutyCycle.objects.filter(pk=cycle.pk, status=source).update(
        status=target, version=F("version") + 1
    )
    if not updated:
        raise ValidationError(_("述职评议当前状态不允许此操作，请刷新页面。"))
    cycle.refresh_from_db()
    return cycle


@transaction.atomic
def voting_open(*, cycle, user):
    _require_cycle_staff(user, cycle)
    if not cycle.ballots.exists():
        raise ValidationError(_("请先发放测评票。"))
    return _move(cycle, user, Status.OPEN, Status.VOTING)


@transaction.atomic
def voting_close(*, cycle, user):
    """End voting and write each report's votes, composite and computed grade (one grouped query)."""
    _require_cycle_staff(user, cycle)
    _move(cycle, user, Status.VOTING, Status.CLOSED)
    DutyBallot.objects.filter(cycle=cycle, used=False).delete()  # unused ballots can no longer vote
    return cycle_tally(cycle=cycle)


def cycle_tally(*, cycle):
    policy = TallyPolicy.from_policy(policy_all())
    issued = cycle.ballots.count()
    counts = selectors.vote_counts(cycle)
    reports = list(cycle.reports.exclude(status=DutyReport.Status.VACANT))
    for report in reports:
        result = result_for(counts.get(report.pk, {}), ballots_issued=issued, policy=policy)
        report.vote_count = result.votes
        report.composite = result.composite
        report.computed_grade = result.grade
    DutyReport.objects.bulk_update(reports, ["vote_count", "composite", "computed_grade"], batch_size=1000)
    DutyCycle.objects.filter(pk=cycle.pk).update(tally_policy={**policy.as_dict(), "ballots_issued": issued})
    cycle.refresh_from_db()
    return cycle


@transaction.atomic
def cycle_publish(*, cycle, user):
    """Publish results to each secretary and the committee; 一般/差 opens a rectification item."""
    _require_cycle_staff(user, cycle)
    _move(cycle, user, Status.CLOSED, Status.PUBLISHED)
    DutyCycle.objects.filter(pk=cycle.pk).update(published_at=timezone.now())
    cycle.refresh_from_db()
    policy = policy_all()
    reports = list(
        cycle.reports.exclude(status=DutyReport.Status.VACANT).select_related("secretary", "organization")
    )
    for report in reports:
        if report.grade in (Grade.AVERAGE, Grade.POOR):
            hooks.rectification_create(
                report=report, deadline_days=policy["duty_review.rectification_days"], user=user
            )
    params = {"year": cycle.year}
    notices = [
        Notice(
            recipients=[report.secretary],
            kind="duty_review_result",
            params=params,
            dedupe_key=f"duty-result:{report.pk}",
            link=report.get_absolute_url(),
            organization=report.organization,
        )
        for report in reports
        if report.secretary
    ]
    # "Their committee": the unit committee's staff (for a unit-level cycle, each unit's own).
    committees = [cycle.organization] if cycle.level == Level.BRANCH else [r.organization for r in reports]
    staff = permissions.users_with_many(Action.REVIEW, committees, roles=[RoleAssignment.Role.UNIT_STAFF])
    by_id = {org.pk: org for org in committees}
    notices += [
        Notice(
            recipients=users,
            kind="duty_review_result",
            params=params,
            dedupe_key=f"duty-published:{cycle.pk}",
            link=cycle.get_absolute_url() if cycle.level == Level.BRANCH else "",
            organization=by_id[org_id],
        )
        for org_id, users in staff.items()
        if users
    ]
    notify_many(notices)
    return cycle


@transaction.atomic
def report_override(*, report, user, grade, reason):
    """Committee decision replacing the computed grade; a reason is required ("" grade clears)."""
    _require_cycle_staff(user, report.cycle)
    if report.cycle.status != Status.CLOSED:
        raise ValidationError(_("只能在测评结束后、发布前调整等次。"))
    if grade and grade not in Grade.values:
        raise ValidationError(_("等次无效。"))
    reason = reason.strip()
    if grade and not reason:
        raise ValidationError(_("调整等次必须填写理由。"))
    DutyReport.objects.filter(pk=report.pk).update(
        override_grade=grade, override_reason=reason if grade else ""
    )
    report.refresh_from_db()
    return report


# ---- the report ----


def _require_author(user, report):
    if report.secretary_id != user.pk:
        raise PermissionDenied


@transaction.atomic
def report_save(*, report, user, expected_version, texts, facts=None):
    """Keep a draft: ``texts`` are the section texts in the order of ``report.sections``."""
    _require_author(user, report)
    if report.status not in DutyReport.EDITABLE:
        raise ValidationError(_("述职报告已提交，不能修改。"))
    if report.cycle.status not in (Status.OPEN, Status.VOTING):
        raise ValidationError(_("述职评议已结束，不能修改报告。"))
    sections = [
        {"heading": section["heading"], "text": (text or "").strip()}
        for section, text in zip(report.sections, texts, strict=True)
    ]
    fields = {"sections": sections}
    if facts is not None:
        fields["facts"] = facts
    return _bump(report, expected_version, **fields)


@transaction.atomic
def report_submit(*, report, user, expected_version):
    _require_author(user, report)
    if report.status not in DutyReport.EDITABLE:
        raise ValidationError(_("述职报告已提交，不能重复提交。"))
    if report.cycle.status not in (Status.OPEN, Status.VOTING):
        raise ValidationError(_("述职评议已结束，不能提交报告。"))
    empty = [s["heading"] for s in report.sections if not s["text"].strip()]
    if empty:
        raise ValidationError(_("以下部分尚未填写：%(list)s") % {"list": "、".join(empty)})
    return _bump(report, expected_version, status=DutyReport.Status.SUBMITTED, submitted_at=timezone.now())


@transaction.atomic
def report_return(*, report, user, comment):
    _require_cycle_staff(user, report.cycle)
    comment = comment.strip()
    if not comment:
        raise ValidationError(_("退回时请填写意见。"))
    if report.cycle.status not in (Status.OPEN, Status.VOTING):
        raise ValidationError(_("述职评议已结束，不能退回报告。"))
    updated = DutyReport.objects.filter(pk=report.pk, status=DutyReport.Status.SUBMITTED).update(
        status=DutyReport.Status.RETURNED, return_comment=comment, version=F("version") + 1
    )
    if not updated:
        raise ValidationError(_("只能退回已提交的报告。"))
    report.refresh_from_db()
    if report.secretary:
        notify(
            recipients=[report.secretary],
            kind="duty_review_returned",
            params={"year": report.cycle.year, "comment": comment[:300]},
            link=report.get_absolute_url(),
            organization=report.organization,
            dedupe_key=f"duty-return:{report.pk}:{report.version}",
        )
    return report


@transaction.atomic
def attachment_add(*, report, user, file):
    _require_author(user, report)
    if report.status not in DutyReport.EDITABLE:
        raise ValidationError(_("述职报告已提交，不能再上传附件。"))
    validate_attachment(file)
    return DutyAttachment.objects.create(
        report=report, file=file, original_name=file.name[:200], size=file.size, uploaded_by=user
    )


@transaction.atomic
def attachment_delete(*, attachment, user):
    _require_author(user, attachment.report)
    if attachment.report.status not in DutyReport.EDITABLE:
        raise ValidationError(_("述职报告已提交，不能删除附件。"))
    attachment.file.delete(save=False)
    attachment.delete()


@transaction.atomic
def comment_add(*, report, user, commenter_name, text):
    """Record a leader's 点评 on a report (entered by committee staff)."""
    _require_cycle_staff(user, report.cycle)
    if not text.strip() or not commenter_name.strip():
        raise ValidationError(_("请填写点评人和点评意见。"))
    if report.status == DutyReport.Status.VACANT:
        raise ValidationError(_("书记空缺的组织没有述职报告。"))
    return DutyComment.objects.create(
        report=report, commenter_name=commenter_name.strip(), text=text.strip(), recorded_by=user
    )


# ---- raters and ballots ----


@transaction.atomic
def rater_add(*, cycle, user, name, category, rater_user=None):
    _require_cycle_staff(user, cycle)
    if cycle.status not in (Status.OPEN, Status.VOTING):
        raise ValidationError(_("测评已结束，不能修改测评人名单。"))
    if not name.strip():
        raise ValidationError(_("请填写测评人姓名。"))
    try:
        with transaction.atomic():
            return DutyRater.objects.create(
                cycle=cycle, user=rater_user, name=name.strip(), category=category
            )
    except IntegrityError:
        raise ValidationError(_("该用户已在测评人名单中。")) from None


@transaction.atomic
def rater_remove(*, rater, user):
    cycle = rater.cycle
    _require_cycle_staff(user, cycle)
    if cycle.status not in (Status.OPEN, Status.VOTING):
        raise ValidationError(_("测评已结束，不能修改测评人名单。"))
    if DutyBallot.objects.filter(rater=rater, used=True).exists():
        raise ValidationError(_("该测评人已投票，不能移出名单。"))
    rater.delete()  # cascades to the unused personal ballot


def _new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _create_ballots(cycle, raters=(), sheet=0):
    rows = [DutyBallot(cycle=cycle, rater=r, code=_new_code()) for r in raters]
    rows += [DutyBallot(cycle=cycle, code=_new_code()) for _ in range(sheet)]
    # 31^10 codes: a clash is astronomically rare, and the unique index refuses it anyway.
    return DutyBallot.objects.bulk_create(rows, batch_size=1000)


@transaction.atomic
def ballots_issue(*, cycle, user, sheet=0):
    """Give each listed rater without one a personal ballot and add ``sheet`` printed codes."""
    _require_cycle_staff(user, cycle)
    if cycle.status not in (Status.OPEN, Status.VOTING):
        raise ValidationError(_("测评已结束，不能再发放测评票。"))
    if not 0 <= sheet <= 500:
        raise ValidationError(_("纸质票码一次最多生成 500 个。"))
    raters = list(cycle.raters.filter(ballot__isnull=True).select_related("user"))
    created = _create_ballots(cycle, raters, sheet)
    notify_many(
        [
            Notice(
                recipients=[ballot.rater.user],
                kind="duty_review_ballot",
                params={"year": cycle.year, "org": cycle.organization.name},
                dedupe_key=f"duty-ballot:{ballot.pk}",
                link=ballot.get_absolute_url(),
                organization=cycle.organization,
            )
            for ballot in created
            if ballot.rater and ballot.rater.user
        ]
    )
    return created


def ballot_for_code(code):
    return (
        DutyBallot.objects.select_related("cycle", "rater").filter(code=(code or "").strip().upper()).first()
    )


def ballot_may_use(ballot, user):
    """A personal ballot belongs to its rater's login; a sheet code is a paper ballot."""
    if ballot.rater_id is None:
        return True
    rater_user_id = ballot.rater.user_id
    if rater_user_id is None:  # a listed rater without an account votes with the printed code
        return True
    return getattr(user, "pk", None) == rater_user_id


def ballot_cast(*, code, user, grades):
    """Cast a ballot once: ``grades`` maps report id → grade for every report on the ballot.

    The "used" mark is set by a conditional UPDATE; of two concurrent casts of one ballot the
    second finds it used and is refused. Votes carry no link to the ballot, and the cycle's
    rows are rewritten so that not even PostgreSQL's bookkeeping ties them together (below).
    """
    with transaction.atomic():
        ballot = ballot_for_code(code)
        if ballot is None:
            raise ValidationError(_("票码无效。"))
        if not ballot_may_use(ballot, user):
            raise ValidationError(_("这张测评票不属于您，您不在本次测评人名单中。"))
        if ballot.cycle.status != Status.VOTING:
            raise ValidationError(_("测评尚未开始或已经结束。"))
        report_ids = set(selectors.ballot_report_ids(ballot.cycle))
        if set(grades) != report_ids:
            raise ValidationError(_("请为每一位述职人选择评价等次。"))
        if any(grade not in Grade.values for grade in grades.values()):
            raise ValidationError(_("评价等次无效。"))
        # Casts of one cycle take turns (a meeting's worth of ballots: milliseconds each).
        DutyCycle.objects.select_for_update().filter(pk=ballot.cycle_id).values_list("pk", flat=True).get()
        if not DutyBallot.objects.filter(pk=ballot.pk, used=False).update(used=True):
            raise ValidationError(_("这张测评票已经投过，不能重复投票或修改。"))
        _store_votes_unlinkably(ballot.cycle_id, grades)
    return ballot


_shuffle = secrets.SystemRandom().shuffle


def _store_votes_unlinkably(cycle_id, grades):
    """Add the votes so that no column, no insertion order and no transaction id links them
    to the ballot just marked used.

    Written naively, the new vote rows and the ballot row would share PostgreSQL's ``xmin``
    (the writing transaction) and sit in the heap in casting order. So every cast rewrites the
    cycle's votes in a random order and touches every used ballot: afterwards all votes and
    all used ballots of the cycle carry the same transaction id, and physical order says
    nothing about who cast what.
    """
    votes = DutyVote.objects.filter(report__cycle_id=cycle_id)
    rows = [
        DutyVote(id=pk, report_id=report_id, grade=grade)
        for pk, report_id, grade in votes.values_list("id", "report_id", "grade")
    ]
    rows += [DutyVote(report_id=report_id, grade=grade) for report_id, grade in grades.items()]
    _shuffle(rows)
    votes.delete()
    DutyVote.objects.bulk_create(rows, batch_size=2000)
    DutyBallot.objects.filter(cycle_id=cycle_id, used=True).update(used=True)


def ballot_check_rater(*, cycle, user):
    """The personal ballot of ``user`` in ``cycle``; refused when the user is not on the list."""
    ballot = DutyBallot.objects.filter(cycle=cycle, rater__user=user).first()
    if ballot is None:
        raise ValidationError(_("您不在本次测评人名单中。"))
    return ballot


# ---- reminders ----


def reminder_sweep(*, today=None):
    """Daily: remind secretaries who have not submitted, N days before the deadline and on it.

    Each (report, stage) is claimed by inserting its unique DutyReminder row in the same
    transaction as the notice: a rerun or a second worker finds the row and sends nothing.
    Returns the number of reminders sent.
    """
    today = today or timezone.localdate()
    days_before = policy_all()["duty_review.remind_days_before"]
    sent = 0
    for report, stage in selectors.reminders_due(today=today, days_before=days_before):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    DutyReminder.objects.create(report=report, stage=stage)
            except IntegrityError:
                continue
            notify(
                recipients=[report.secretary],
                kind=f"duty_review_reminder_{stage}",
                params={"year": report.cycle.year, "due": report.cycle.due_on.isoformat()},
                link=report.get_absolute_url(),
                organization=report.organization,
                dedupe_key=f"duty-remind:{report.pk}:{stage}",
            )
            sent += 1
    return sent
