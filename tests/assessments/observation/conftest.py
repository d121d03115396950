"""A small province for cross-observation: N units (3 branches × 4 members each), one unit
staff user per unit acting as its observer, a provincial leader and branch secretaries."""

from datetime import date

import pytest

from assessments.models import ObservationRound
from assessments.observation import services
from branches.models import Organization, UnitCategory
from tests.factories import MemberFactory, Role, UserFactory, grant, make_org

Kind = Organization.Kind
YEAR = 2026


def build_world(units=10, branches=3, members=4):
    root = Organization.objects.filter(kind=Kind.WORK_COMMITTEE).first() or make_org(
        "省直机关工委", Kind.WORK_COMMITTEE
    )
    categories = list(UnitCategory.objects.all()) or [UnitCategory.objects.create(name="党政部门")]
    world = {"root": root, "units": [], "branches": {}, "observers": {}, "secretaries": {}}
    for u in range(units):
        unit = make_org(f"第{u + 1}厅机关党委", Kind.UNIT_COMMITTEE, root, unit_name=f"第{u + 1}厅")
        unit.unit_category = categories[u % len(categories)]
        unit.save(update_fields=["unit_category"])
        world["units"].append(unit)
        observer = UserFactory(username=f"obs{u + 1}", display_name=f"观摩员{u + 1}")
        grant(observer, Role.UNIT_STAFF, unit)
        world["observers"][unit.pk] = observer
        world["branches"][unit.pk] = []
        for b in range(branches):
            branch = make_org(f"第{u + 1}厅第{b + 1}党支部", Kind.BRANCH, unit)
            MemberFactory.create_batch(members, branch=branch)
            world["branches"][unit.pk].append(branch)
            secretary = UserFactory(username=f"sec{u + 1}-{b + 1}")
            grant(secretary, Role.SECRETARY, branch)
            world["secretaries"][branch.pk] = secretary
    leader = UserFactory(username="leader", display_name="王振华")
    grant(leader, Role.PROVINCIAL_STAFF, root)
    world["leader"] = leader
    return world


@pytest.fixture
def world(db, edition):
    return build_world()


def make_round(world, edition, *, per_unit=1):
    round_ = services.round_create(
        year=YEAR,
        title="2026年交叉观摩",
        edition=edition,
        units=world["units"],
        window_start=date(2026, 5, 4),
        window_end=date(2026, 5, 29),
        branches_per_unit=per_unit,
    )
    for row in round_.units.all():
        row.observer = world["observers"][row.unit_id]
        row.save(update_fields=["observer"])
    return round_


def scheduled_round(world, edition, *, seed=42, per_unit=1):
    round_ = make_round(world, edition, per_unit=per_unit)
    services.groups_propose(round_=round_)
    for group in round_.groups.all():
        group.leader = world["leader"]
        group.save(update_fields=["leader"])
    services.groups_fix(round_=round_)
    services.sample_draw(round_=round_, seed=seed)
    services.visits_schedule(round_=round_)
    services.round_start(round_=ObservationRound.objects.get(pk=round_.pk))
    return ObservationRound.objects.get(pk=round_.pk)


def fill_and_submit(visit, member, *, value=None):
    """Score every MANUAL/SEMI item (``value`` or full points) and submit."""
    from assessments.models import Item, VisitItem

    no_data = VisitItem.objects.filter(visit=visit, auto_score__isnull=True).values("item_id")
    scored = visit.round.edition.items.filter(points__gt=0).exclude(
        mode=Item.Mode.AUTO
    ) | visit.round.edition.items.filter(points__gt=0, pk__in=no_data)
    for item in scored.distinct():
        points = item.points if value is None else min(item.points, value)
        services.autosave(visit=visit, member=member, field=f"score:{item.pk}", value=str(points))
    if member.role == "leader":
        services.autosave(visit=visit, member=member, field="strengths", value="台账规范")
    services.member_submit(visit=visit, member=member)
