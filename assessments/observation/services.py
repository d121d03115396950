"""Writes for cross-observation rounds: lifecycle, groups, sampling, visits, scoring, results.

Every rule that protects the exercise is checked here (crossing rule, group bounds, conflicts
of interest, AUTO adjustments need a reason), whatever page, task or test calls.
"""

import random
import secrets
import uuid
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import rules
from assessments import selectors as assessment_selectors
from assessments.models import (
    InterviewAnswer,
    InterviewQuestion,
    Item,
    LookCheck,
    ObservationGroup,
    ObservationRound,
    ObserverDeclaration,
    ObserverScore,
    RecordCheck,
    Rectification,
    Review,
    RoundUnit,
    SampledBranch,
    Tier,
    Visit,
    VisitItem,
    VisitMember,
    VisitPhoto,
    VisitReminder,
)
from assessments.services import round_half
from branches.models import Member, Organization, Post, RoleAssignment, SourceKind, User
from branches.policy import policy_all
from branches.rectifications.services import rectification_create
from notifications.services import Notice, notify, notify_many

from . import access, grouping, sampling, scoring

Status = ObservationRound.Status
Mode = Item.Mode


def _require_status(round_, *statuses, message=None):
    if round_.status not in statuses:
        raise ValidationError(
            message or _("本轮观摩当前状态为“%(s)s”，不能进行此操作。") % {"s": round_.get_status_display()}
        )


def _advance(round_, from_status, to_status, **fields):
    """Move the round on with one conditional UPDATE (a second click or tab changes nothing)."""
    done = ObservationRound.objects.filter(pk=round_.pk, status=from_status).update(
        status=to_status, version=F("version") + 1, **fields
    )
    if not done:
        raise ValidationError(_("本轮观摩的状态已被他人更改，请刷新页面。"))
    round_.refresh_from_db()
    access.team_users_changed()


# ---------------------------------------------------------------- rounds and groups


@transaction.atomic
def round_create(
    *, year, title, edition, units, window_start, window_end, branches_per_unit=None, mandatory_keys=None
):
    values = policy_all()
    if window_end < window_start:
        raise ValidationError(_("观摩结束日期不能早于开始日期。"))
    if edition.status != edition.Status.PUBLISHED:
        raise ValidationError(_("只能按已发布的标准版本观摩。"))
    units = list(units)
    if any(unit.kind != Organization.Kind.UNIT_COMMITTEE for unit in units):
        raise ValidationError(_("参加观摩的必须是机关党委（单位）。"))
    round_ = ObservationRound.objects.create(
        year=year,
        title=title,
        edition=edition,
        window_start=window_start,
        window_end=window_end,
        branches_per_unit=branches_per_unit or values["observation.branches_per_unit"],
        group_min_units=values["observation.group_min_units"],
        group_max_units=values["observation.group_max_units"],
        mandatory_keys=list(mandatory_keys if mandatory_keys is not None else sampling.source_keys()),
    )
    # Each unit's observer defaults to its first unit-staff officer; staff may change it.
    staff = {}
    for org_id, user_id in (
        RoleAssignment.objects.filter(role=RoleAssignment.Role.UNIT_STAFF, organization__in=units)
        .order_by("-pk")
        .values_list("organization_id", "user_id")
    ):
        staff[org_id] = user_id
    RoundUnit.objects.bulk_create(
        [RoundUnit(round=round_, unit=unit, observer_id=staff.get(unit.pk)) for unit in units]
    )
    _snapshot_sizes(round_)
    return round_


def _snapshot_sizes(round_):
    units = list(round_.units.all())
    ids = [ru.unit_id for ru in units]
    branches = dict(
        Organization.objects.filter(unit_id__in=ids, kind=Organization.Kind.BRANCH, is_active=True)
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    members = dict(
        Member.objects.filter(branch__unit_id__in=ids, state=Member.State.ACTIVE)
        .values("branch__unit_id")
        .annotate(n=Count("pk"))
        .values_list("branch__unit_id", "n")
    )
    for ru in units:
        ru.branch_count, ru.member_count = branches.get(ru.unit_id, 0), members.get(ru.unit_id, 0)
    RoundUnit.objects.bulk_update(units, ["branch_count", "member_count"])


def unit_facts(round_):
    return [
        grouping.UnitFacts(
            id=ru.unit_id,
            branches=ru.branch_count,
            members=ru.member_count,
            category=ru.unit.unit_category_id,
            name=ru.unit.name,
        )
        for ru in round_.units.select_related("unit")
    ]


@transaction.atomic
def groups_propose(*, round_):
    """Replace the groups with a balanced proposal (only while the round is a draft)."""
    round_ = ObservationRound.objects.select_for_update().get(pk=round_.pk)
    _require_status(round_, Status.DRAFT)
    proposal = grouping.propose(unit_facts(round_), round_.group_min_units, round_.group_max_units)
    RoundUnit.objects.filter(round=round_).update(group=None)
    round_.groups.all().delete()
    groups = ObservationGroup.objects.bulk_create(
        [ObservationGroup(round=round_, number=n) for n in range(1, len(proposal) + 1)]
    )
    for group, unit_ids in zip(groups, proposal, strict=True):
        RoundUnit.objects.filter(round=round_, unit_id__in=unit_ids).update(group=group)
    return groups


def current_groups(round_):
    """Unit ids per group, in group order."""
    groups: dict[int, list[int]] = {g.pk: [] for g in round_.groups.order_by("number")}
    for unit_id, group_id in round_.units.values_list("unit_id", "group_id"):
        if group_id in groups:
            groups[group_id].append(unit_id)
    return list(groups.values())


@transaction.atomic
def group_move_unit(*, round_, unit, group):
    """Move one unit to another group; refused with a clear message if a bound would break."""
    round_ = ObservationRound.objects.select_for_update().get(pk=round_.pk)
    _require_status(round_, Status.DRAFT, message=_("分组已确定，不能再调整。"))
    if group.round_id != round_.pk:
        raise ValidationError(_("该观摩组不属于本轮观摩。"))
    row = RoundUnit.objects.filter(round=round_, unit=unit).first()
    if row is None:
        raise ValidationError(_("该单位未参加本轮观摩。"))
    ids = list(round_.groups.order_by("number").values_list("pk", flat=True))
    grouping.move(
        current_groups(round_), unit.pk, ids.index(group.pk), round_.group_min_units, round_.group_max_units
    )
    row.group = group
    row.save(update_fields=["group"])


@transaction.atomic
def groups_fix(*, round_):
    round_ = ObservationRound.objects.select_for_update().get(pk=round_.pk)
    _require_status(round_, Status.DRAFT)
    if round_.units.filter(group__isnull=True).exists():
        raise ValidationError(_("还有单位未分组。"))
    grouping.validate_groups(current_groups(round_), round_.group_min_units, round_.group_max_units)
    _advance(round_, Status.DRAFT, Status.GROUPS_FIXED)
    return round_


def group_observes(round_):
    """{group id: id of the group it observes} by the crossing rule."""
    ids = list(round_.groups.order_by("number").values_list("pk", flat=True))
    return {pk: ids[grouping.observed_index(i, len(ids))] for i, pk in enumerate(ids)}


@transaction.atomic
def declaration_add(*, round_, user, unit, reason):
    """``user`` declares their own conflict of interest with ``unit`` (a round they can see)."""
    access.require(access.visible_rounds(user).filter(pk=round_.pk).exists())
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请说明利益冲突的情况（例如近期曾在该单位工作）。"))
    if round_.status == Status.CLOSED:
        raise ValidationError(_("本轮观摩已结束。"))
    declaration, _created = ObserverDeclaration.objects.update_or_create(
        round=round_, user=user, unit=unit, defaults={"reason": reason[:200]}
    )
    # An observer already on a team for that unit is taken off it at once.
    VisitMember.objects.filter(visit__round=round_, visit__branch__unit=unit, user=user).delete()
    access.team_users_changed()
    return declaration


# ---------------------------------------------------------------- sampling


@transaction.atomic
def sample_draw(*, round_, seed=None, today=None):
    """Draw the branches to observe; the seed is stored so the draw can be repeated."""
    round_ = ObservationRound.objects.select_for_update().get(pk=round_.pk)
    _require_status(round_, Status.DRAFT, Status.GROUPS_FIXED, message=_("观摩已排期，不能重新抽样。"))
    today = today or timezone.localdate()
    seed = seed if seed is not None else secrets.randbits(48)
    unit_ids = list(round_.units.values_list("unit_id", flat=True))
    mandatory = sampling.mandatory_branches(round_, unit_ids, today)
    picked = sampling.draw(
        sampling.branches_of_units(unit_ids),
        seed=seed,
        per_unit=round_.branches_per_unit,
        mandatory=mandatory,
    )
    round_.sample.all().delete()
    SampledBranch.objects.bulk_create(
        [
            SampledBranch(
                round=round_,
                unit_id=unit_id,
                branch_id=branch_id,
                reason=SampledBranch.Reason.MANDATORY if must else SampledBranch.Reason.RANDOM,
                note="、".join(mandatory.get(branch_id, []))[:200],
                order=order,
            )
            for order, (unit_id, branch_id, must) in enumerate(picked)
        ]
    )
    round_.sample_seed, round_.sampled_at = seed, timezone.now()
    round_.save(update_fields=["sample_seed", "sampled_at"])
    return picked


def sample_verify(round_):
    """True when redrawing from the stored seed gives the stored random picks."""
    stored = set(round_.sample.filter(reason=SampledBranch.Reason.RANDOM).values_list("branch_id", flat=True))
    mandatory = set(
        round_.sample.filter(reason=SampledBranch.Reason.MANDATORY).values_list("branch_id", flat=True)
    )
    unit_ids = list(round_.units.values_list("unit_id", flat=True))
    redrawn = sampling.draw(
        sampling.branches_of_units(unit_ids),
        seed=round_.sample_seed,
        per_unit=round_.branches_per_unit,
        mandatory=mandatory,
    )
    return stored == {branch for _u, branch, must in redrawn if not must}


# ---------------------------------------------------------------- visits and teams


def _working_days(start, end):
    day, days = start, []
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days or [start]


@transaction.atomic
def visits_schedule(*, round_):
    """One visit per sampled branch, observed by the group before the host's, dates spread over
    the window, team = the group leader plus each visiting unit's observer (conflicts skipped)."""
    round_ = ObservationRound.objects.select_for_update().get(pk=round_.pk)
    _require_status(round_, Status.GROUPS_FIXED)
    if round_.sample_seed is None:
        raise ValidationError(_("请先抽取观摩支部。"))
    observes = group_observes(round_)
    observed_by = {host: visitor for visitor, host in observes.items()}
    unit_rows = {ru.unit_id: ru for ru in round_.units.all()}
    days = _working_days(round_.window_start, round_.window_end)
    sample = list(round_.sample.select_related("branch").order_by("unit__path", "order"))
    totals: dict[int, int] = {}
    for row in sample:
        visitor = observed_by[unit_rows[row.unit_id].group_id]
        totals[visitor] = totals.get(visitor, 0) + 1
    per_group: dict[int, int] = {}
    visits = []
    for row in sample:
        host_group = unit_rows[row.unit_id].group_id
        visitor = observed_by[host_group]
        index = per_group.get(visitor, 0)
        per_group[visitor] = index + 1
        # each group's visits spread evenly over the working days of the window
        visits.append(
            Visit(
                round=round_,
                branch=row.branch,
                group_id=visitor,
                host_group_id=host_group,
                date=days[index * len(days) // totals[visitor]],
                place=_("%(b)s党员活动室") % {"b": row.branch.name},
            )
        )
    Visit.objects.bulk_create(visits)
    for visit in visits:
        draws_ensure(visit)  # drawn and stored now, so opening a step page never writes
    _default_teams(round_, visits, unit_rows)
    _computed_items(round_, visits)
    _advance(round_, Status.GROUPS_FIXED, Status.SCHEDULED)
    return visits


def _default_teams(round_, visits, unit_rows):
    leaders = dict(round_.groups.values_list("pk", "leader_id"))
    conflicts = set(round_.declarations.values_list("user_id", "unit_id"))
    by_group: dict[int, list[RoundUnit]] = {}
    for ru in unit_rows.values():
        if ru.observer_id:
            by_group.setdefault(ru.group_id, []).append(ru)
    host_unit = dict(
        Organization.objects.filter(pk__in=[v.branch_id for v in visits]).values_list("pk", "unit_id")
    )
    team = []
    for visit in visits:
        unit = host_unit[visit.branch_id]
        seen = set()
        if leaders.get(visit.group_id) and (leaders[visit.group_id], unit) not in conflicts:
            team.append(
                VisitMember(visit=visit, user_id=leaders[visit.group_id], role=VisitMember.Role.LEADER)
            )
            seen.add(leaders[visit.group_id])
        for ru in by_group.get(visit.group_id, []):
            observer_id = ru.observer_id
            assert observer_id is not None  # by_group holds only units with an observer
            if observer_id in seen or (observer_id, unit) in conflicts:
                continue
            seen.add(observer_id)
            team.append(
                VisitMember(
                    visit=visit, user_id=observer_id, role=VisitMember.Role.OBSERVER, unit_id=ru.unit_id
                )
            )
    VisitMember.objects.bulk_create(team)
    access.team_users_changed()


def _computed_items(round_, visits):
    """Pre-compute AUTO/SEMI items of every host branch (one rule evaluation per key)."""
    items = [i for i in round_.edition.items.all() if i.is_computed]
    branches = list(Organization.objects.filter(pk__in=[v.branch_id for v in visits]))
    # The round's year, as the reviews measure it (domain.md §8.4: AUTO items as computed).
    period = rules.Period(start=date(round_.year, 1, 1), end=date(round_.year, 12, 31))
    results = {key: rules.evaluate_stored(key, branches, period) for key in {i.rule_key for i in items}}
    rows = []
    for visit in visits:
        for item in items:
            result = results[item.rule_key][visit.branch_id]
            auto = None
            if result.has_data:
                auto = round_half(item.points * Decimal(str(result.ratio)))
            rows.append(VisitItem(visit=visit, item=item, auto_score=auto, detail=result.detail[:300]))
    VisitItem.objects.bulk_create(rows, ignore_conflicts=True)


def _team_check(visit, user, role, unit):
    round_ = visit.round
    if (role == VisitMember.Role.OBSERVER) and unit is None:
        raise ValidationError(_("观摩员须注明所代表的单位。"))
    unit_group = dict(round_.units.values_list("unit_id", "group_id"))
    host_unit = visit.branch.unit_id
    for candidate in {unit.pk if unit else None, *_units_of_user(user)} - {None}:
        problem = grouping.crossing_violation(
            observer_unit=candidate, host_unit=host_unit, unit_group=unit_group
        )
        if problem:
            raise ValidationError(problem)
    if unit is not None and unit_group.get(unit.pk) != visit.group_id:
        raise ValidationError(_("观摩员所在单位不属于本次观摩的观摩组。"))
    if ObserverDeclaration.objects.filter(round=round_, user=user, unit_id=host_unit).exists():
        raise ValidationError(_("该观摩员已申报与被观摩单位存在利益冲突，不能安排其观摩。"))


def _units_of_user(user):
    """Units the user works for (through a unit-staff or secretary role)."""
    return set(
        RoleAssignment.objects.filter(
            user=user, role__in=[RoleAssignment.Role.UNIT_STAFF, RoleAssignment.Role.SECRETARY]
        )
        .annotate(u=F("organization__unit_id"))
        .values_list("u", flat=True)
    ) | set(
        RoleAssignment.objects.filter(user=user, role=RoleAssignment.Role.UNIT_STAFF).values_list(
            "organization_id", flat=True
        )
    )


@transaction.atomic
def team_add(*, visit, actor, user, role, unit=None):
    """``actor`` (a manager of rounds) adds ``user`` to a visit's team; the crossing rule and
    declared conflicts are checked."""
    access.require(access.is_manager(actor))
    visit = Visit.objects.select_related("round", "branch").select_for_update(of=("self",)).get(pk=visit.pk)
    if visit.round.status in (Status.PUBLISHED, Status.CLOSED):
        raise ValidationError(_("结果已发布，不能再调整观摩组成员。"))
    _team_check(visit, user, role, unit)
    if VisitMember.objects.filter(visit=visit, user=user).exists():
        raise ValidationError(_("该成员已在本次观摩的名单中。"))
    if role == VisitMember.Role.LEADER and visit.team.filter(role=role).exists():
        raise ValidationError(_("每次观摩只能有一名组长。"))
    member = VisitMember.objects.create(visit=visit, user=user, role=role, unit=unit)
    access.team_users_changed()
    _notify_member(member)
    return member


def team_remove(*, member):
    if member.visit.round.status in (Status.PUBLISHED, Status.CLOSED):
        raise ValidationError(_("结果已发布，不能再调整观摩组成员。"))
    member.delete()
    access.team_users_changed()


@transaction.atomic
def visit_reschedule(*, visit, date, place):
    round_ = visit.round
    if round_.status in (Status.PUBLISHED, Status.CLOSED):
        raise ValidationError(_("结果已发布，不能再调整观摩安排。"))
    if visit.kind == Visit.Kind.REGULAR and not round_.window_start <= date <= round_.window_end:
        raise ValidationError(_("观摩日期应在本轮观摩时间范围内。"))
    visit.date, visit.place = date, (place or "").strip()[:120]
    visit.save(update_fields=["date", "place"])
    for member in visit.team.select_related("user"):
        _notify_member(member)


def _visit_params(visit):
    return {
        "branch": visit.branch.name,
        "date": visit.date.isoformat() if visit.date else "",
        "place": visit.place,
    }


def _notify_member(member):
    visit = member.visit
    notify(
        recipients=[member.user],
        kind="observation_visit",
        params=_visit_params(visit),
        link=visit.get_absolute_url(),
        organization=visit.branch,
        dedupe_key=f"obs-visit-{visit.pk}-{visit.date}-{member.user_id}",
    )


@transaction.atomic
def round_start(*, round_):
    """Visits scheduled → in progress: the team is notified of every visit."""
    _advance(round_, Status.SCHEDULED, Status.IN_PROGRESS)
    teams: dict[Visit, list[User]] = {}
    for member in VisitMember.objects.filter(visit__round=round_).select_related("visit__branch", "user"):
        teams.setdefault(member.visit, []).append(member.user)
    notify_many(
        [
            Notice(
                recipients=users,
                kind="observation_visit",
                params=_visit_params(visit),
                link=visit.get_absolute_url(),
                organization=visit.branch,
                dedupe_key=f"obs-visit-{visit.pk}-{visit.date}",
            )
            for visit, users in teams.items()
        ]
    )
    return round_


# ---------------------------------------------------------------- reminders


def reminder_sweep(*, today=None, now=None):
    """Remind each team 7 and 1 days before the visit (policy), each reminder exactly once.

    A row per (visit, date, days) is inserted ON CONFLICT DO NOTHING, then claimed with one
    conditional UPDATE (pending → sending); only the claimer sends. A missed day sends the
    latest reminder reached only, not a burst of stale ones.
    """
    today = today or timezone.localdate()
    now = now or timezone.now()
    values = policy_all()
    offsets = sorted({values["observation.remind_days_first"], values["observation.remind_days_second"]})
    if not offsets:
        return {"claimed": 0}
    horizon = today + timedelta(days=max(offsets))
    visits = Visit.objects.filter(
        round__status__in=[Status.SCHEDULED, Status.IN_PROGRESS],
        status=Visit.Status.SCHEDULED,
        date__gte=today,
        date__lte=horizon,
    ).values_list("pk", "date")
    rows = []
    for pk, day in visits:
        assert day is not None  # date__gte above excludes NULL
        left = (day - today).days
        due = [d for d in offsets if left <= d]
        if due:
            rows.append(VisitReminder(visit_id=pk, visit_date=day, days_before=min(due)))
    VisitReminder.objects.bulk_create(rows, ignore_conflicts=True)
    token = uuid.uuid4()
    claimed = VisitReminder.objects.filter(
        Q(status=VisitReminder.Status.PENDING)
        | Q(status=VisitReminder.Status.SENDING, claimed_at__lt=now - timedelta(minutes=15)),
        visit_date__gte=today,
    ).update(status=VisitReminder.Status.SENDING, claim=token, claimed_at=now)
    reminders = list(VisitReminder.objects.filter(claim=token).select_related("visit__branch"))
    teams: dict[int, list[User]] = {}
    for visit_id, user in (
        (m.visit_id, m.user)
        for m in VisitMember.objects.filter(visit__in=[r.visit_id for r in reminders]).select_related("user")
    ):
        teams.setdefault(visit_id, []).append(user)
    notices = [
        Notice(
            recipients=teams.get(reminder.visit_id, []),
            kind="observation_reminder",
            params={**_visit_params(reminder.visit), "days": reminder.days_before},
            link=reminder.visit.get_absolute_url(),
            organization=reminder.visit.branch,
            dedupe_key=f"obs-remind-{reminder.pk}",
        )
        for reminder in reminders
    ]
    sent = notify_many(notices, now=now)
    VisitReminder.objects.filter(claim=token).update(status=VisitReminder.Status.SENT, sent_at=now)
    return {"claimed": claimed, "notices": sent}


# ---------------------------------------------------------------- the five steps


def draws_ensure(visit):
    """Draw the 3 sample months (查) and the 2–3 ordinary members (问) once, and store them."""
    if visit.draw_seed is not None:
        return visit
    values = policy_all()
    seed = secrets.randbits(48)
    rng = random.Random(seed)
    year = visit.round.year
    last = visit.date.month - 1 if visit.date and visit.date.year == year else 12
    months = [f"{year}-{m:02d}" for m in range(1, max(last, 1) + 1)]
    picked_months = sorted(rng.sample(months, min(values["observation.sample_months"], len(months))))
    committee = Post.objects.filter(
        term__branch=visit.branch, term__status="active", ended_on__isnull=True
    ).values_list("member_id", flat=True)
    ordinary = sorted(
        Member.objects.filter(branch=visit.branch, state=Member.State.ACTIVE)
        .exclude(pk__in=committee)
        .values_list("pk", flat=True)
    )
    picked_members = sorted(rng.sample(ordinary, min(values["observation.interviewees"], len(ordinary))))
    Visit.objects.filter(pk=visit.pk, draw_seed__isnull=True).update(
        draw_seed=seed, sample_months=picked_months, interviewees=picked_members
    )
    visit.refresh_from_db()
    return visit


def _editable(visit):
    if visit.round.status not in (Status.SCHEDULED, Status.IN_PROGRESS):
        raise ValidationError(_("本轮观摩当前不在进行中，不能填写。"))
    if visit.status != Visit.Status.SCHEDULED:
        raise ValidationError(_("本次观摩已提交，不能再修改。"))


def _parse_points(raw, item):
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip())
    except ArithmeticError as exc:
        raise ValidationError(_("%(code)s：得分必须是数字。") % {"code": item.code}) from exc
    if value < 0 or value > item.points or (value * 2) % 1:
        raise ValidationError(
            _("%(code)s：得分应在0到%(max)s分之间，最小单位0.5分。") % {"code": item.code, "max": item.points}
        )
    return value


def _upsert(model, lookup, values):
    """INSERT … or UPDATE one row by its unique key; a concurrent first insert is retried."""
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return model.objects.update_or_create(**lookup, defaults=values)[0]
        except IntegrityError:
            continue
    return model.objects.update_or_create(**lookup, defaults=values)[0]


def autosave(*, visit, member, field, value):
    """Save one field of one step as the observer types (the draft lives on the server).

    ``field`` names the target: ``score:<item>``, ``reason:<item>``, ``look:<item>``,
    ``looknote:<item>``, ``check:<YYYY-MM>``, ``checknote:<YYYY-MM>``,
    ``answer:<member>:<question>``, ``briefing_note``, ``strengths``, ``problems_text``.
    Returns a short hint to show next to the field (e.g. a missing reason).
    """
    _editable(visit)
    value = (value or "").strip()
    kind, _sep, rest = field.partition(":")
    user = member.user
    if kind in ("score", "reason"):
        if not member.scores:
            raise ValidationError(_("秘书不参与评分。"))
        if member.submitted_at:
            raise ValidationError(_("您已提交评分，不能再修改。"))
        item = _visit_item(visit, rest)
        if kind == "score":
            _upsert(ObserverScore, {"member": member, "item": item}, {"score": _parse_points(value, item)})
        else:
            _upsert(ObserverScore, {"member": member, "item": item}, {"reason": value[:300]})
        return _reason_hint(visit, member, item)
    if kind in ("look", "looknote"):
        item = _visit_item(visit, rest)
        if kind == "look" and value not in LookCheck.Result.values + [""]:
            raise ValidationError(_("请选择符合、部分符合或不符合。"))
        field_name = "result" if kind == "look" else "note"
        _upsert(LookCheck, {"visit": visit, "item": item}, {field_name: value[:300], "updated_by": user})
        return ""
    if kind in ("check", "checknote"):
        if rest not in visit.sample_months:
            raise ValidationError(_("该月份不在抽查范围内。"))
        if kind == "check" and value not in RecordCheck.Result.values + [""]:
            raise ValidationError(_("请选择一致或不一致。"))
        field_name = "result" if kind == "check" else "comment"
        _upsert(RecordCheck, {"visit": visit, "month": rest}, {field_name: value[:300], "updated_by": user})
        return ""
    if kind == "answer":
        member_id, _sep, question_id = rest.partition(":")
        if not member_id.isdigit() or int(member_id) not in visit.interviewees:
            raise ValidationError(_("该党员不在本次随机访谈名单中。"))
        question = InterviewQuestion.objects.filter(pk=question_id if question_id.isdigit() else 0).first()
        if question is None:
            raise ValidationError(_("访谈问题不存在。"))
        passed = {"pass": True, "fail": False}.get(value)
        _upsert(
            InterviewAnswer,
            {"visit": visit, "member_id": int(member_id), "question": question},
            {"passed": passed, "updated_by": user},
        )
        return ""
    if kind in ("briefing_note", "strengths", "problems_text"):
        if kind != "briefing_note" and member.role != VisitMember.Role.LEADER:
            raise ValidationError(_("只有组长填写点评意见。"))
        Visit.objects.filter(pk=visit.pk).update(**{kind: value[:5000]})
        return ""
    raise ValidationError(_("无法识别的填写项。"))


def _visit_item(visit, raw):
    item = Item.objects.filter(edition_id=visit.round.edition_id, pk=raw if raw.isdigit() else 0).first()
    if item is None:
        raise ValidationError(_("评分项不存在。"))
    return item


def _reason_hint(visit, member, item):
    if item.mode != Mode.AUTO:
        return ""
    row = ObserverScore.objects.filter(member=member, item=item).first()
    auto = VisitItem.objects.filter(visit=visit, item=item).values_list("auto_score", flat=True).first()
    if auto is not None and row and row.score is not None and row.score != auto and not row.reason:
        return _("调整自动计算分须填写理由")
    return ""


@transaction.atomic
def photo_add(*, visit, member, upload, item=None):
    _editable(visit)
    if not (upload.content_type or "").startswith("image/"):
        raise ValidationError(_("只能上传照片（图片文件）。"))
    if upload.size > policy_all()["assessment.evidence_max_mb"] * 1024 * 1024:
        raise ValidationError(_("照片太大。"))
    return VisitPhoto.objects.create(visit=visit, item=item, file=upload, uploaded_by=member.user)


@transaction.atomic
def briefing_upload(*, visit, upload):
    _editable(visit)
    visit.briefing_file.save(upload.name, upload, save=False)
    visit.save(update_fields=["briefing_file"])


@transaction.atomic
def rectification_add(*, visit, member, description, deadline):
    _editable(visit)
    if member.role != VisitMember.Role.LEADER:
        raise ValidationError(_("只有组长可以列出整改问题。"))
    description = (description or "").strip()
    if not description:
        raise ValidationError(_("请填写问题描述。"))
    if deadline is None or deadline <= timezone.localdate():
        raise ValidationError(_("整改期限应晚于今天。"))
    return rectify(visit=visit, description=description, deadline=deadline, by=member.user)


def rectify(*, visit, description, deadline, by):
    """The leader's problem list; each becomes an item of the shared tracker at publication."""
    return Rectification.objects.create(
        visit=visit, branch=visit.branch, description=description[:300], deadline=deadline, created_by=by
    )


def _to_tracker(round_, today):
    """Problems of the round's visits become rectification items (source: observation visit)."""
    for problem in Rectification.objects.filter(
        visit__round=round_, tracker_item__isnull=True
    ).select_related("branch"):
        problem.tracker_item = rectification_create(
            organization=problem.branch,
            source_kind=SourceKind.OBSERVATION_VISIT,
            source_id=problem.visit_id,
            description=problem.description,
            deadline=max(problem.deadline, today),
            today=today,
        )
        problem.save(update_fields=["tracker_item"])


def missing_scores(visit, member):
    """Codes of items the observer still has to score, and AUTO adjustments without a reason."""
    given = {s.item_id: s for s in member.scores_given.all()}
    autos = dict(visit.items.values_list("item_id", "auto_score"))
    unscored, unexplained = [], []
    for item in visit.round.edition.items.filter(points__gt=0):  # pure veto items carry no points
        row = given.get(item.pk)
        if item.mode == Mode.AUTO and autos.get(item.pk) is not None:
            if row and row.score is not None and row.score != autos.get(item.pk) and not row.reason:
                unexplained.append(item.code)
        elif row is None or row.score is None:  # MANUAL, SEMI and AUTO items without data
            unscored.append(item.code)
    return unscored, unexplained


@transaction.atomic
def member_submit(*, visit, member):
    """An observer hands in their scores; the visit is submitted when every scorer has."""
    _editable(visit)
    if not member.scores:
        raise ValidationError(_("秘书不参与评分。"))
    unscored, unexplained = missing_scores(visit, member)
    if unexplained:
        raise ValidationError(
            _("调整自动计算项的得分必须填写理由：%(codes)s。") % {"codes": "、".join(unexplained)}
        )
    if unscored:
        raise ValidationError(_("还有评分项未评分：%(codes)s。") % {"codes": "、".join(unscored)})
    if member.role == VisitMember.Role.LEADER and not Visit.objects.get(pk=visit.pk).strengths.strip():
        raise ValidationError(_("组长提交前请填写点评意见（亮点）。"))
    now = timezone.now()
    VisitMember.objects.filter(pk=member.pk, submitted_at__isnull=True).update(submitted_at=now)
    if not visit.team.filter(
        role__in=[VisitMember.Role.LEADER, VisitMember.Role.OBSERVER], submitted_at__isnull=True
    ).exists():
        Visit.objects.filter(pk=visit.pk, status=Visit.Status.SCHEDULED).update(
            status=Visit.Status.SUBMITTED, submitted_at=now
        )
    visit.refresh_from_db()
    return visit


# ---------------------------------------------------------------- results


def _visit_results(round_, visits, values):
    """Aggregate item scores (trimmed mean) and totals for ``visits``; returns VisitItem rows."""
    trim_from = values["observation.trim_from_observers"]
    items = {i.pk: i for i in round_.edition.items.all()}
    autos = {}
    for row in VisitItem.objects.filter(visit__in=visits):
        autos[(row.visit_id, row.item_id)] = row
    scores: dict[tuple[int, int], dict[int, Decimal | None]] = {}
    for visit_id, member_id, item_id, score in ObserverScore.objects.filter(
        member__visit__in=visits, member__role__in=[VisitMember.Role.LEADER, VisitMember.Role.OBSERVER]
    ).values_list("member__visit_id", "member_id", "item_id", "score"):
        scores.setdefault((visit_id, item_id), {})[member_id] = score
    scorers: dict[int, list[int]] = {}
    for visit_id, member_id in VisitMember.objects.filter(
        visit__in=visits, role__in=[VisitMember.Role.LEADER, VisitMember.Role.OBSERVER]
    ).values_list("visit_id", "pk"):
        scorers.setdefault(visit_id, []).append(member_id)
    rows = []
    for visit in visits:
        total = Decimal(0)
        members = scorers.get(visit.pk, [])
        for item in items.values():
            row = autos.get((visit.pk, item.pk)) or VisitItem(visit=visit, item=item)
            given = scores.get((visit.pk, item.pk), {})
            counted = [
                scoring.observer_value(
                    item_is_auto=item.mode == Mode.AUTO, auto_score=row.auto_score, given=given.get(m)
                )
                for m in members
            ]
            counted = [v for v in counted if v is not None]
            if not counted and item.mode == Mode.AUTO:
                counted = [row.auto_score or Decimal(0)]
            row.score = scoring.trimmed_mean(counted, trim_from=trim_from)
            row.scored_by = len(counted)
            total += row.score or 0
            rows.append(row)
        visit.observed_total = total
        visit.observers_count = len(members)
    return rows


def _reference_scores(round_, branch_ids):
    """{branch: (self-assessment total or None, committee review total or None)} of the year."""
    reviews = assessment_selectors.with_results(
        Review.objects.filter(branch_id__in=branch_ids, year=round_.year, period_kind=Review.PeriodKind.YEAR)
    ).values_list("branch_id", "kind", "status", "total")
    own, committee = {}, {}
    for branch_id, kind, status, total in reviews:
        if kind == Review.Kind.SELF and status != Review.Status.DRAFT:
            own[branch_id] = total
        elif kind != Review.Kind.SELF and status == Review.Status.FINALIZED:
            committee[branch_id] = total
    return own, committee


@transaction.atomic
def round_publish(*, round_, published_on=None, by=None):
    """Compute and store every result, label lagging branches, schedule their re-inspection,
    and tell the host secretaries. Only when every visit has been submitted."""
    round_ = ObservationRound.objects.select_for_update().get(pk=round_.pk)
    _require_status(round_, Status.IN_PROGRESS)
    visits = list(round_.visits.filter(kind=Visit.Kind.REGULAR).select_related("branch"))
    open_visits = [v for v in visits if v.status == Visit.Status.SCHEDULED]
    if open_visits:
        raise ValidationError(
            _("还有%(n)d次观摩未提交评分（如：%(b)s），不能发布结果。")
            % {"n": len(open_visits), "b": open_visits[0].branch.name}
        )
    values = policy_all()
    published_on = published_on or timezone.localdate()
    item_rows = _visit_results(round_, visits, values)
    VisitItem.objects.bulk_create(
        item_rows,
        update_conflicts=True,
        unique_fields=["visit", "item"],
        update_fields=["score", "scored_by"],
    )
    tiers = list(Tier.objects.filter(edition=round_.edition).values_list("min_score", "name"))
    own, committee = _reference_scores(round_, [v.branch_id for v in visits])
    computed = _computed_percent(round_, visits)
    weights = (
        values["observation.weight_year_round"],
        values["observation.weight_observation"],
        values["observation.weight_committee"],
    )
    for visit in visits:
        visit.tier = scoring.tier_for(visit.observed_total, tiers)
        visit.label = scoring.label_for(
            visit.observed_total,
            advanced_min=values["observation.advanced_min_score"],
            lagging_below=values["observation.lagging_below_score"],
        )
        visit.year_round_total = computed.get(visit.pk)
        visit.reference_total = own.get(visit.branch_id, visit.year_round_total)
        visit.committee_total = committee.get(visit.branch_id)
        visit.annual_score = scoring.weighted(
            [
                (visit.year_round_total, weights[0]),
                (visit.observed_total, weights[1]),
                (visit.committee_total, weights[2]),
            ]
        )
    overall = scoring.competition_ranks(visits, lambda v: v.observed_total)
    by_group: dict[int | None, list[Visit]] = {}
    for visit in visits:
        by_group.setdefault(visit.host_group_id, []).append(visit)
    in_group = {}
    for rows in by_group.values():
        in_group.update(scoring.competition_ranks(rows, lambda v: v.observed_total))
    for visit in visits:
        visit.rank_overall, visit.rank_group = overall[visit.pk], in_group[visit.pk]
    Visit.objects.bulk_update(
        visits,
        [
            "observed_total",
            "reference_total",
            "committee_total",
            "year_round_total",
            "annual_score",
            "tier",
            "label",
            "rank_group",
            "rank_overall",
            "observers_count",
        ],
        batch_size=500,
    )
    _schedule_reinspections(
        round_, [v for v in visits if v.label == Visit.Label.LAGGING], published_on, values
    )
    _advance(round_, Status.IN_PROGRESS, Status.PUBLISHED, published_on=published_on)
    _to_tracker(round_, published_on)
    _notify_hosts(round_, visits)
    return round_


def _computed_percent(round_, visits):
    """{visit: year-round data score} = computed AUTO/SEMI points as a share of their maximum, ×100."""
    earned: dict[int, Decimal] = {}
    possible: dict[int, Decimal] = {}
    for visit_id, auto, points in VisitItem.objects.filter(
        visit__in=visits, auto_score__isnull=False
    ).values_list("visit_id", "auto_score", "item__points"):
        assert auto is not None  # auto_score__isnull=False above
        earned[visit_id] = earned.get(visit_id, 0) + auto
        possible[visit_id] = possible.get(visit_id, 0) + points
    return {pk: (earned[pk] * 100 / possible[pk]).quantize(scoring.TWO) for pk in earned if possible.get(pk)}


def _schedule_reinspections(round_, lagging, published_on, values):
    months = min(values["observation.reinspection_months"], values["observation.reinspection_max_months"])
    date = published_on + relativedelta(months=months)
    due_by = published_on + relativedelta(months=values["observation.reinspection_max_months"])
    Visit.objects.bulk_create(
        [
            Visit(
                round=round_,
                kind=Visit.Kind.REINSPECTION,
                branch=visit.branch,
                group=visit.group,
                host_group=visit.host_group,
                reinspection_of=visit,
                date=date,
                due_by=due_by,
                place=visit.place,
            )
            for visit in lagging
        ],
        ignore_conflicts=True,
    )
    new = Visit.objects.filter(round=round_, kind=Visit.Kind.REINSPECTION, draw_seed__isnull=True)
    for visit in new.select_related("round", "branch"):
        draws_ensure(visit)  # see visits_schedule


def _notify_hosts(round_, visits):
    """The host branches' secretaries hear that results are out (one notice per visit)."""
    secretaries: dict[int, list[User]] = {}
    for assignment in RoleAssignment.objects.filter(
        role=RoleAssignment.Role.SECRETARY,
        organization_id__in=[v.branch_id for v in visits],
        user__is_active=True,
    ).select_related("user"):
        secretaries.setdefault(assignment.organization_id, []).append(assignment.user)
    notify_many(
        [
            Notice(
                recipients=secretaries[visit.branch_id],
                kind="observation_result",
                params={"round": round_.title},
                link=visit.get_absolute_url(),
                organization=visit.branch,
                dedupe_key=f"obs-result-{visit.pk}",
            )
            for visit in visits
            if visit.branch_id in secretaries
        ]
    )


@transaction.atomic
def reinspection_close(*, visit, outcome, closed_on=None):
    outcome = (outcome or "").strip()
    if visit.kind != Visit.Kind.REINSPECTION:
        raise ValidationError(_("只有复查可以这样办结。"))
    if not outcome:
        raise ValidationError(_("请填写复查结论。"))
    done = (
        Visit.objects.filter(pk=visit.pk)
        .exclude(status=Visit.Status.CLOSED)
        .update(status=Visit.Status.CLOSED, outcome=outcome, closed_at=timezone.now())
    )
    if not done:
        raise ValidationError(_("该复查已办结。"))


@transaction.atomic
def round_close(*, round_):
    """Close the round: team members lose their read access to the host branches."""
    _advance(round_, Status.PUBLISHED, Status.CLOSED, closed_at=timezone.now())
    return round_
