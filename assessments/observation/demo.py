"""Demo cross-observation: last year's round finished (published and closed) and this year's in
progress (visits before today scored and submitted, the rest still to come).

Deterministic (fixed seeds, one random.Random per visit) and idempotent (a round whose title
exists is left alone). Observers are one demo account per unit (``danwei`` for the first unit);
scores, teams and results are written in bulk so the province scale stays fast.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from assessments import default_edition
from assessments.models import (
    Dimension,
    Edition,
    Item,
    ObservationRound,
    ObserverScore,
    Rectification,
    Tier,
    Visit,
    VisitItem,
    VisitMember,
)
from assessments.services import round_half
from branches.demo import DEMO_PASSWORD
from branches.models import Organization, RectificationItem, RoleAssignment, UnitCategory, User

from . import services

CATEGORY_WORDS = [("法院", "政法"), ("检察", "政法"), ("公安", "政法"), ("司法", "政法"), ("总工会", "群团")]
CATEGORY_WORDS += [
    ("团省委", "群团"),
    ("妇联", "群团"),
    ("科协", "群团"),
    ("研究", "事业单位"),
    ("医院", "事业单位"),
]
CATEGORY_WORDS += [("学院", "事业单位"), ("大学", "事业单位"), ("中心", "事业单位")]
PROBLEMS = [
    "党务公开栏内容未及时更新",
    "组织生活会整改清单未销号",
    "党费收缴台账缺少经手人签字",
    "谈心谈话记录不完整",
]


def _categories(units):
    names = {c.name: c for c in UnitCategory.objects.all()}
    default = names.get("党政部门") or UnitCategory.objects.create(name="党政部门", order=1)
    changed = []
    for unit in units:
        if unit.unit_category_id:
            continue
        label = next((cat for word, cat in CATEGORY_WORDS if word in unit.name), None)
        unit.unit_category = names.get(label) or default
        changed.append(unit)
    Organization.objects.bulk_update(changed, ["unit_category"])


def _observers(units):
    """{unit id: observer user id}: ``danwei`` for the first unit, a demo account for the others."""
    staff = dict(
        RoleAssignment.objects.filter(role=RoleAssignment.Role.UNIT_STAFF, organization__in=units)
        .order_by("pk")
        .values_list("organization_id", "user_id")
    )
    missing = [u for u in units if u.pk not in staff]
    if missing:
        password = make_password(DEMO_PASSWORD)
        names = {f"guanmo{u.pk}": u for u in missing}
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        User.objects.bulk_create(
            [
                User(username=name, display_name=f"{unit.unit_name or unit.name}观摩员", password=password)
                for name, unit in names.items()
                if name not in existing
            ]
        )
        users = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(user_id=users[name], role=RoleAssignment.Role.UNIT_STAFF, organization=unit)
                for name, unit in names.items()
            ],
            ignore_conflicts=True,
        )
        staff.update({unit.pk: users[name] for name, unit in names.items()})
    return staff


def _round(*, title, year, edition, units, start, end, small, seed, leader, per_unit):
    round_ = services.round_create(
        year=year,
        title=title,
        edition=edition,
        units=units,
        window_start=start,
        window_end=end,
        branches_per_unit=per_unit,
        # The demo province has many overdue terms and failed reviews; lagging branches of last
        # year's round stay mandatory, so this year's round shows the mechanism at a sane size.
        mandatory_keys=["lagging"],
    )
    if small:  # 4 units: two groups of two (bounds are per round)
        ObservationRound.objects.filter(pk=round_.pk).update(group_min_units=2, group_max_units=2)
        round_.refresh_from_db()
    observers = _observers(units)
    rows = list(round_.units.all())
    for row in rows:
        row.observer_id = observers.get(row.unit_id)
    round_.units.model.objects.bulk_update(rows, ["observer"])
    services.groups_propose(round_=round_)
    round_.groups.update(leader=leader)
    services.groups_fix(round_=round_)
    services.sample_draw(round_=round_, seed=seed, today=start)
    services.visits_schedule(round_=round_)
    return ObservationRound.objects.get(pk=round_.pk)


def _score_visits(round_, visits, items, today):
    """Every scorer of ``visits`` scores MANUAL/SEMI items around the branch's quality; submitted."""
    members = list(
        VisitMember.objects.filter(
            visit__in=visits, role__in=[VisitMember.Role.LEADER, VisitMember.Role.OBSERVER]
        ).order_by("pk")
    )
    no_data = {}
    for row in VisitItem.objects.filter(
        visit__in=visits, item__mode=Item.Mode.AUTO, auto_score__isnull=True, item__points__gt=0
    ).select_related("item"):
        no_data.setdefault(row.visit_id, []).append(row.item)
    scores = []
    for member in members:
        rng = random.Random(f"observation-demo-{member.visit_id}")
        quality = rng.uniform(0.55, 0.98)
        rng = random.Random(f"observation-demo-{member.visit_id}-{member.user_id}")
        for item in items + no_data.get(member.visit_id, []):
            share = min(1.0, max(0.0, rng.gauss(quality, 0.1)))
            scores.append(
                ObserverScore(member=member, item=item, score=round_half(item.points * Decimal(str(share))))
            )
    ObserverScore.objects.bulk_create(scores, batch_size=5000, ignore_conflicts=True)
    now = timezone.now()
    VisitMember.objects.filter(pk__in=[m.pk for m in members]).update(submitted_at=now)
    Visit.objects.filter(pk__in=[v.pk for v in visits]).update(
        status=Visit.Status.SUBMITTED, submitted_at=now, strengths="三会一课记录完整，阵地建设规范。"
    )
    problems = []
    for visit in visits:
        rng = random.Random(f"observation-demo-problem-{visit.pk}")
        if rng.random() < 0.35:
            problems.append(
                Rectification(
                    visit=visit,
                    branch_id=visit.branch_id,
                    description=rng.choice(PROBLEMS),
                    deadline=(visit.date or today) + timedelta(days=60),
                )
            )
    Rectification.objects.bulk_create(problems)


@transaction.atomic
def seed(*, scale, today):
    edition = default_edition.load(Edition, Dimension, Item, Tier)
    units = list(
        Organization.objects.filter(kind=Organization.Kind.UNIT_COMMITTEE, is_active=True).order_by("pk")
    )
    if len(units) < 4:
        return 0
    _categories(units)
    leader = User.objects.filter(username="sheng").first()
    small = len(units) < 10
    items = list(edition.items.filter(points__gt=0).exclude(mode=Item.Mode.AUTO))
    created = 0
    last_title = f"{today.year - 1}年度党支部标准化规范化建设交叉观摩"
    if not ObservationRound.objects.filter(title=last_title).exists():
        year = today.year - 1
        round_ = _round(
            title=last_title,
            year=year,
            edition=edition,
            units=units,
            start=today.replace(year=year, month=5, day=6),
            end=today.replace(year=year, month=6, day=26),
            small=small,
            seed=year,
            leader=leader,
            per_unit=2,
        )
        # Last year's teams were told last year: no fresh notices for them.
        services._advance(round_, ObservationRound.Status.SCHEDULED, ObservationRound.Status.IN_PROGRESS)
        visits = list(round_.visits.all())
        _score_visits(round_, visits, items, today)
        services.round_publish(round_=round_, published_on=today.replace(year=year, month=7, day=10))
        RectificationItem.objects.filter(observation_problem__visit__round=round_).update(
            status=RectificationItem.Status.VERIFIED, response="已整改", verified_at=timezone.now()
        )
        round_.visits.filter(kind=Visit.Kind.REINSPECTION).update(
            status=Visit.Status.CLOSED, outcome="复查整改到位", closed_at=timezone.now()
        )
        services.round_close(round_=ObservationRound.objects.get(pk=round_.pk))
        created += 1
    this_title = f"{today.year}年度党支部标准化规范化建设交叉观摩"
    if not ObservationRound.objects.filter(title=this_title).exists():
        round_ = _round(
            title=this_title,
            year=today.year,
            edition=edition,
            units=units,
            start=today - timedelta(days=14),
            end=today + timedelta(days=21),
            small=small,
            seed=today.year,
            leader=leader,
            # last year's lagging branches come on top of one random branch per unit
            per_unit=1 if not small else 2,
        )
        services.round_start(round_=round_)
        done = list(round_.visits.filter(date__lt=today))
        _score_visits(round_, done, items, today)
        created += 1
    return created
