"""Writes of the training app: events, enrolment, attendance and the yearly hours roll-up."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from branches import permissions
from branches.models import Member

from . import selectors
from .models import (
    CONCENTRATED_TIERS,
    TIER_ORGANIZER_KINDS,
    Attendance,
    MemberYearHours,
    Tier,
    TrainingEvent,
)

EVENT_FIELDS = ("tier", "organizer", "title", "start_on", "end_on", "hours", "mode", "audience", "has_test")


def _validate_event(*, tier, organizer, start_on, end_on, hours, **_other):
    if tier not in Tier.values:
        raise ValidationError(_("请选择培训层级。"))
    if organizer.kind not in TIER_ORGANIZER_KINDS[tier]:
        raise ValidationError(
            _("%(tier)s培训的主办组织不能是%(kind)s。")
            % {"tier": Tier(tier).label, "kind": organizer.get_kind_display()}
        )
    if end_on < start_on:
        raise ValidationError(_("结束日期不能早于开始日期。"))
    if hours is None or Decimal(hours) <= 0:
        raise ValidationError(_("学时必须大于 0。"))


@transaction.atomic
def event_create(*, user, tags=(), **fields):
    permissions.require_organize(user, fields["organizer"])
    _validate_event(**fields)
    event = TrainingEvent(created_by=user, **{key: fields[key] for key in EVENT_FIELDS if key in fields})
    event.is_standard = any(tag.is_standard for tag in tags)
    event.save()
    event.tags.set(tags)
    return event


@transaction.atomic
def event_update(*, event, user, tags=(), **fields):
    permissions.require_organize(user, event.organizer)
    merged = {key: fields.get(key, getattr(event, key)) for key in EVENT_FIELDS}
    permissions.require_organize(user, merged["organizer"])
    _validate_event(**merged)
    old_year = event.end_on.year
    for key, value in merged.items():
        setattr(event, key, value)
    event.is_standard = any(tag.is_standard for tag in tags)
    event.save()
    event.tags.set(tags)
    member_ids = list(event.attendances.values_list("member_id", flat=True))
    refresh_member_years(member_ids, years={old_year, event.end_on.year})
    return event


def eligible_members(event):
    """Active members of any branch in the organizer's subtree."""
    return Member.objects.filter(
        state=Member.State.ACTIVE, branch__path__startswith=event.organizer.path, branch__is_active=True
    )


@transaction.atomic
def enrol(*, event, user, member_ids=(), branch=None):
    """Enrol members (or every active member of ``branch``); already enrolled ones stay as they are."""
    permissions.require_organize(user, event.organizer)
    members = eligible_members(event)
    if branch is not None:
        if not branch.path.startswith(event.organizer.path):
            raise ValidationError(_("该支部不在主办组织的范围内。"))
        ids = list(members.filter(branch__path__startswith=branch.path).values_list("pk", flat=True))
    else:
        wanted = {int(pk) for pk in member_ids}
        ids = list(members.filter(pk__in=wanted).values_list("pk", flat=True))
        if len(ids) != len(wanted):
            raise ValidationError(_("所选人员中有不在主办组织范围内的党员。"))
    if not ids:
        raise ValidationError(_("没有可报名的党员。"))
    created = Attendance.objects.bulk_create(
        [Attendance(event=event, member_id=pk) for pk in ids], ignore_conflicts=True
    )
    return len(created)


def _parse_hours(value, event):
    if value in (None, ""):
        return event.hours
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except ArithmeticError:
        raise ValidationError(_("学时“%(value)s”不是数字。") % {"value": value}) from None
    if hours < 0 or hours > event.hours:
        raise ValidationError(_("认定学时应在 0 到 %(max)s 之间（本班次学时）。") % {"max": event.hours})
    return hours


@transaction.atomic
def attendance_record(*, event, user, entries):
    """Save attendance for enrolled people. ``entries``: {attendance_id: (status, hours, passed)}.

    Absent or merely enrolled people are credited no hours; attended ones the given hours
    (the event's hours when left blank). Returns the number of rows changed.
    """
    permissions.require_organize(user, event.organizer)
    rows = {a.pk: a for a in event.attendances.filter(pk__in=list(entries))}
    if len(rows) != len(entries):
        raise ValidationError(_("参训记录不属于本班次。"))
    changed = []
    for pk, (status, hours, passed) in entries.items():
        if status not in Attendance.Status.values:
            raise ValidationError(_("参训状态无效。"))
        credited = _parse_hours(hours, event) if status == Attendance.Status.ATTENDED else Decimal("0")
        passed = passed if event.has_test and status == Attendance.Status.ATTENDED else None
        row = rows[pk]
        if (row.status, row.hours_credited, row.passed) != (status, credited, passed):
            row.status, row.hours_credited, row.passed = status, credited, passed
            row.source = Attendance.Source.MANUAL
            changed.append(row)
    Attendance.objects.bulk_update(changed, ["status", "hours_credited", "passed", "source", "updated_at"])
    refresh_member_years([row.member_id for row in changed], years={event.end_on.year})
    return len(changed)


@transaction.atomic
def attendance_remove(*, attendance, user):
    permissions.require_organize(user, attendance.event.organizer)
    member_id, year = attendance.member_id, attendance.event.end_on.year
    attendance.delete()
    refresh_member_years([member_id], years={year})


def refresh_member_years(member_ids, *, years=None):
    """Rebuild the MemberYearHours roll-up of these members (for ``years``, or every year).

    Two statements whatever the number of members: one grouped read of their attendance, one
    delete and one bulk insert of the new rows.
    """
    member_ids = sorted(set(member_ids))
    if not member_ids:
        return
    units = Member.objects.filter(pk__in=member_ids).values_list("branch__unit_id", flat=True).distinct()
    transaction.on_commit(lambda: selectors.bump_unit_versions(list(units)))
    attended = Attendance.objects.filter(member_id__in=member_ids, status=Attendance.Status.ATTENDED)
    existing = MemberYearHours.objects.filter(member_id__in=member_ids)
    if years:
        attended = attended.filter(event__end_on__year__in=list(years))
        existing = existing.filter(year__in=list(years))
    grouped = (
        attended.values("member_id", "event__tier")
        .annotate(
            year=ExtractYear("event__end_on"),
            hours=Sum("hours_credited"),
            sessions=Count("pk", filter=Q(event__tier__in=CONCENTRATED_TIERS)),
            standard=Count("pk", filter=Q(event__is_standard=True)),
        )
        .order_by()
    )
    rows = {}
    totals: defaultdict[tuple[int, int], list[Any]] = defaultdict(lambda: [Decimal("0"), 0, False])
    for item in grouped:
        key = (item["member_id"], item["year"])
        rows[(*key, item["event__tier"])] = (item["hours"], item["sessions"], item["standard"] > 0)
        total = totals[key]
        total[0] += item["hours"]
        total[1] += item["sessions"]
        total[2] = total[2] or item["standard"] > 0
    for key, (hours, sessions, standard) in totals.items():
        rows[(*key, MemberYearHours.ALL)] = (hours, sessions, standard)
    existing.delete()
    MemberYearHours.objects.bulk_create(
        [
            MemberYearHours(
                member_id=member_id,
                year=year,
                tier=tier,
                hours=hours,
                concentrated=sessions,
                standard=standard,
            )
            for (member_id, year, tier), (hours, sessions, standard) in rows.items()
        ],
        batch_size=5000,
    )
