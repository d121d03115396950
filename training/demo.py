"""Three years of training on top of the demo province (domain.md §9.2 tiers).

Per year: four provincial induction classes and one provincial class on the standard; in each
unit a rotation class for secretaries and committee members (on the standard from the second
year in most units), an online course for the committee, and each branch's year of
concentrated study for all members. Participation rises year over year, some units stay
weak, and a few never take part, so coverage rises but leaves gaps.

Deterministic (one Random per unit, seeded by its name) and idempotent: a unit that already
organized events is left alone; provincial events are found by title. Bulk inserts only; the
hours roll-up is computed here from the rows generated, not read back.
"""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from branches.models import Member, Organization, Post, Term

from .models import Attendance, MemberYearHours, Tier, TopicTag, TrainingEvent
from .selectors import bump_data_version

Audience = TrainingEvent.Audience
ATTENDED = Attendance.Status.ATTENDED


def _day(year, month, day, today):
    """A date in ``year`` no later than yesterday (the current year's events are all past)."""
    wanted = date(year, month, day)
    latest = today - timedelta(days=1)
    if wanted <= latest:
        return wanted
    return max(date(year, 1, 1), latest) if latest.year == year else None


def _provincial_events(root, years, today, tags):
    events = {}
    for year in years:
        plan = [
            (f"{year}年第{q}期新任党支部书记任职培训班", m, "24", False, Audience.SECRETARIES)
            for q, m in ((1, 3), (2, 6), (3, 9), (4, 12))
        ]
        plan.append((f"{year}年党支部标准化规范化建设专题示范培训班", 5, "16", True, Audience.SECRETARIES))
        for title, month, hours, standard, audience in plan:
            start = _day(year, month, 10, today)
            if start is None:
                continue
            event, created = TrainingEvent.objects.get_or_create(
                title=title,
                organizer=root,
                defaults={
                    "tier": Tier.PROVINCIAL,
                    "start_on": start,
                    "end_on": start + timedelta(days=2) if start + timedelta(days=2) < today else start,
                    "hours": Decimal(hours),
                    "mode": TrainingEvent.Mode.IN_PERSON,
                    "audience": audience,
                    "is_standard": standard,
                },
            )
            if created:
                event.tags.set([tags["standard"] if standard else tags["practice"]])
            events.setdefault(year, []).append(event)
    return events


def seed(*, scale, today):
    del scale  # follows the organizations that exist
    root = Organization.objects.filter(parent__isnull=True).first()
    if root is None:
        return {"events": 0, "attendance": 0}
    years = [today.year - 2, today.year - 1, today.year]
    tags = {
        "standard": TopicTag.objects.filter(is_standard=True).order_by("position").first(),
        "practice": TopicTag.objects.filter(is_standard=False).order_by("position").first(),
    }
    if tags["standard"] is None or tags["practice"] is None:
        tags["standard"], _ = TopicTag.objects.get_or_create(
            name="党支部标准化规范化建设", defaults={"is_standard": True}
        )
        tags["practice"], _ = TopicTag.objects.get_or_create(name="党务工作实务")
    provincial = _provincial_events(root, years, today, tags)
    done = set(TrainingEvent.objects.filter(tier=Tier.UNIT).values_list("organizer_id", flat=True).distinct())
    units = list(
        Organization.objects.filter(kind=Organization.Kind.UNIT_COMMITTEE)
        .exclude(pk__in=done)
        .order_by("path")
    )
    if not units:
        return {"events": 0, "attendance": 0}
    unit_ids = [u.pk for u in units]
    members = defaultdict(list)  # unit -> [(member_id, branch_id)]
    for pk, branch_id, unit_id in Member.objects.filter(
        state=Member.State.ACTIVE, branch__unit_id__in=unit_ids, branch__is_active=True
    ).values_list("pk", "branch_id", "branch__unit_id"):
        members[unit_id].append((pk, branch_id))
    posts = defaultdict(list)  # unit -> [(member_id, role, started_on)]
    for member_id, role, started_on, unit_id in Post.objects.filter(
        ended_on__isnull=True, term__status=Term.Status.ACTIVE, term__branch__unit_id__in=unit_ids
    ).values_list("member_id", "role", "started_on", "term__branch__unit_id"):
        posts[unit_id].append((member_id, role, started_on))
    branches = defaultdict(list)
    for pk, unit_id, name in Organization.objects.filter(
        kind=Organization.Kind.BRANCH, unit_id__in=unit_ids, is_active=True
    ).values_list("pk", "unit_id", "name"):
        branches[unit_id].append((pk, name))

    created_events = attendance_rows = 0
    for unit in units:
        rng = random.Random(f"training-demo-{unit.name}")
        with transaction.atomic():
            n_events, n_rows = _seed_unit(
                rng, unit, years, today, tags, provincial, members[unit.pk], posts[unit.pk], branches[unit.pk]
            )
        created_events += n_events
        attendance_rows += n_rows
    _analyze()
    bump_data_version()
    return {"events": created_events, "attendance": attendance_rows}


def _analyze():
    """Fresh planner statistics for the bulk-loaded rows and the tables their readers join.

    The seeders after this one (assessment rules, dashboards) read training per branch; on
    tables never analyzed (autovacuum off, or not yet round) the planner estimates a handful of
    rows and picks a nested loop that compares every member with every roll-up row — at
    province scale a query that runs for tens of minutes instead of well under a second.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (TrainingEvent, Attendance, MemberYearHours, Member, Post, Term, Organization):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _seed_unit(rng, unit, years, today, tags, provincial, members, posts, branches):
    # Engagement: most units improve each year; about one in fourteen never takes part.
    absent_unit = rng.random() < 0.07
    base = rng.uniform(0.35, 0.7)
    rows = []
    events = []
    committee = {member_id for member_id, _role, _s in posts}
    secretaries = [(member_id, started) for member_id, role, started in posts if role == Post.Role.SECRETARY]
    for index, year in enumerate(years):
        rate = 0.0 if absent_unit else min(0.97, base + 0.18 * index)
        if absent_unit:
            continue
        # The unit's rotation class and online course; on the standard from the second year on.
        start = _day(year, rng.randint(3, 11), rng.randint(1, 25), today)
        if start is None:
            continue
        stamp = datetime.combine(start, time(9), tzinfo=timezone.get_current_timezone())
        standard = index >= 1 and rng.random() < 0.8 or index == 0 and rng.random() < 0.25
        unit_name = unit.unit_name or unit.name
        ends = {"end_on": start, "created_at": stamp, "today": today}
        rotation = _event(
            unit, f"{year}年{unit_name}党支部书记和支委委员轮训班", "16", start, **ends, is_standard=standard
        )
        online = _event(
            unit,
            f"{year}年{unit_name}网上党校专题学习",
            "8",
            date(year, 1, 15),
            **ends,
            mode=TrainingEvent.Mode.ONLINE,
        )
        study = [
            _event(
                branch_id,
                f"{year}年{name}党员集中学习",
                "32",
                date(year, 1, 5),
                **ends,
                tier=Tier.BRANCH,
                audience=Audience.ALL_MEMBERS,
            )
            for branch_id, name in branches
        ]
        TrainingEvent.objects.bulk_create([rotation, online, *study])
        rotation.tags.set([tags["standard"] if standard else tags["practice"]])
        events += [rotation, online, *study]
        study_by_branch = {e.organizer_id: e for e in study}
        for member_id, branch_id in members:
            if rng.random() < rate + 0.05:
                hours = Decimal("32")
            else:
                hours = Decimal(rng.randint(8, 31))
            rows.append((study_by_branch[branch_id], member_id, hours))
        for member_id in committee:
            if rng.random() < rate:
                rows.append((rotation, member_id, Decimal("16")))
            if rng.random() < rate:
                rows.append((online, member_id, Decimal("8")))
        # Provincial classes: the standard class for some secretaries, induction for new ones.
        classes = provincial.get(year, [])
        standard_class = [e for e in classes if e.is_standard]
        inductions = sorted((e for e in classes if not e.is_standard), key=lambda e: e.end_on)
        for member_id, started in secretaries:
            if standard_class and rng.random() < rate * 0.35:
                rows.append((standard_class[0], member_id, standard_class[0].hours))
            if started.year == year and rng.random() < rate + 0.1:
                later = [e for e in inductions if e.end_on >= started]
                if later:
                    # Most take the next class; some wait one more (and may miss the 6 months).
                    pick = later[0] if rng.random() < 0.75 or len(later) == 1 else later[1]
                    rows.append((pick, member_id, pick.hours))
    attendance = [
        Attendance(
            event=event,
            member_id=member_id,
            status=ATTENDED,
            hours_credited=hours,
            source=Attendance.Source.IMPORT,
        )
        for event, member_id, hours in rows
    ]
    Attendance.objects.bulk_create(attendance, batch_size=5000, ignore_conflicts=True)
    MemberYearHours.objects.bulk_create(_rollup(rows), batch_size=5000)
    return len(events), len(attendance)


def _event(organizer, title, hours, begins_on, *, end_on, created_at, today, **fields):
    """A past event ending on ``end_on`` (begun on ``begins_on`` unless that is not past yet);
    ``organizer`` is the unit or a branch id. Unit tier, for the committee, in person by default."""
    organizer_field = {"organizer_id": organizer} if isinstance(organizer, int) else {"organizer": organizer}
    values = {
        "tier": Tier.UNIT,
        "audience": Audience.COMMITTEE,
        "mode": TrainingEvent.Mode.IN_PERSON,
        **fields,
    }
    return TrainingEvent(
        title=title,
        start_on=begins_on if begins_on < today else end_on,
        end_on=end_on,
        hours=Decimal(hours),
        created_at=created_at,
        **organizer_field,
        **values,
    )


def _rollup(rows):
    totals = {}
    seen = set()
    for event, member_id, hours in rows:
        if (event.pk, member_id) in seen:
            continue
        seen.add((event.pk, member_id))
        for tier in (event.tier, MemberYearHours.ALL):
            key = (member_id, event.end_on.year, tier)
            total = totals.setdefault(key, [Decimal("0"), 0, False])
            total[0] += hours
            total[1] += 1 if event.is_concentrated else 0
            total[2] = total[2] or event.is_standard
    return [
        MemberYearHours(member_id=m, year=y, tier=t, hours=h, concentrated=c, standard=s)
        for (m, y, t), (h, c, s) in totals.items()
    ]
