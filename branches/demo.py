"""A believable demo province, built deterministically and idempotently with bulk inserts.

Units are identified by their 机关 name; a unit that already exists is left alone, so running
the seed twice changes nothing and ``--scale province`` after the small scale only adds the
missing units. Each unit draws from its own Random(seed, index), so the same unit always gets
the same branches, members and terms whatever ran before.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from .models import Member, Organization, Post, RoleAssignment, Term, User
from .services import organization_create, organization_ids, organization_path

Kind = Organization.Kind
Category = Organization.Category
SEED = 2027
DEMO_PASSWORD = "demo-2027"


@dataclass(frozen=True)
class Scale:
    units: int
    branches_per_unit: tuple  # (min, max)
    members_per_branch: tuple  # (min, max)


SCALES = {
    "small": Scale(units=4, branches_per_unit=(6, 9), members_per_branch=(5, 36)),
    "province": Scale(units=124, branches_per_unit=(22, 28), members_per_branch=(12, 30)),
}

UNIT_NAMES = [
    "省发展和改革委员会",
    "省教育厅",
    "省科学技术厅",
    "省工业和信息化厅",
    "省公安厅",
    "省民政厅",
    "省司法厅",
    "省财政厅",
    "省人力资源和社会保障厅",
    "省自然资源厅",
    "省生态环境厅",
    "省住房和城乡建设厅",
    "省交通运输厅",
    "省水利厅",
    "省农业农村厅",
    "省商务厅",
    "省文化和旅游厅",
    "省卫生健康委员会",
    "省退役军人事务厅",
    "省应急管理厅",
    "省审计厅",
    "省市场监督管理局",
    "省统计局",
    "省医疗保障局",
    "省林业局",
    "省高级人民法院",
    "省人民检察院",
    "省地方金融管理局",
    "省机关事务管理局",
    "省信访局",
    "省粮食和物资储备局",
    "省能源局",
    "省监狱管理局",
    "省药品监督管理局",
    "省知识产权局",
    "省体育局",
    "省广播电视局",
    "省数据局",
    "省乡村振兴局",
    "省人民防空办公室",
]
INSTITUTE_FIELDS = [
    "地质调查",
    "水文水资源",
    "农业科学",
    "林业科学",
    "环境监测",
    "交通规划设计",
    "建筑科学",
    "疾病预防控制",
    "质量技术监督",
    "信息",
    "档案",
    "社会科学",
    "气象服务",
    "测绘",
    "公共资源交易",
    "标准化",
    "经济信息",
    "公共卫生",
    "水利水电勘测",
    "土地整理",
    "政务服务",
    "教育考试",
]
INSTITUTE_KINDS = ["研究院", "中心", "服务中心", "研究所"]
DEPARTMENTS = [
    "办公室",
    "政策法规处",
    "人事处",
    "财务处",
    "规划处",
    "综合处",
    "监督检查处",
    "科技处",
    "信息中心",
    "离退休干部处",
    "机关服务中心",
    "宣传教育处",
    "行政审批处",
    "安全管理处",
    "统计处",
    "对外合作处",
    "督查室",
    "研究室",
    "法制处",
    "市场处",
    "项目管理处",
    "质量管理处",
    "运行监测处",
    "资产管理处",
    "培训中心",
    "档案室",
    "后勤保障处",
    "审计处",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰晓东海波鹏飞云峰宇辉婷雪梅琳颖晨浩然"


def unit_names(count):
    names = list(UNIT_NAMES)
    extra = (f"省{field}{kind}" for kind in INSTITUTE_KINDS for field in INSTITUTE_FIELDS)
    while len(names) < count:
        names.append(next(extra))
    return names[:count]


def category_for(name):
    if any(word in name for word in ("法院", "检察院", "公安", "司法", "监狱")):
        return Category.JUDICIAL
    if name.endswith(("院", "中心", "所")):
        return Category.PUBLIC_INSTITUTION
    return Category.PARTY_GOVERNMENT


def person_name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _random_date(rng, start, end):
    return start + timedelta(days=rng.randrange(max(1, (end - start).days)))


def _term_window(rng, today):
    """(elected_on, ends_on) spread so some terms are overdue and some expire soon."""
    roll = rng.random()
    if roll < 0.08:
        ends = today - timedelta(days=rng.randint(5, 420))  # overdue, a few beyond a year
    elif roll < 0.14:
        ends = today + timedelta(days=rng.randint(1, 30))
    elif roll < 0.22:
        ends = today + timedelta(days=rng.randint(31, 91))
    elif roll < 0.34:
        ends = today + timedelta(days=rng.randint(92, 183))
    else:
        ends = today + timedelta(days=rng.randint(184, 3 * 365 - 40))
    elected = Term.compute_ends_on(ends, -3)
    return elected, ends


def _create_children(parent, specs):
    """Bulk-insert tree nodes below ``parent`` and fill in their paths."""
    ids = organization_ids(len(specs))
    return Organization.objects.bulk_create(
        [
            Organization(
                pk=pk, parent=parent, depth=parent.depth + 1, path=organization_path(pk, parent), **spec
            )
            for pk, spec in zip(ids, specs, strict=True)
        ]
    )


def _seed_unit(root, name, index, scale, today):
    rng = random.Random(f"{SEED}-{index}")
    unit = organization_create(
        name=f"{name}机关党委",
        kind=Kind.UNIT_COMMITTEE,
        parent=root,
        unit_name=name,
        category=category_for(name),
        established_on=date(1990 + rng.randrange(25), 7, 1),
    )
    branch_count = rng.randint(*scale.branches_per_unit)
    departments = rng.sample(DEPARTMENTS, min(branch_count, len(DEPARTMENTS)))
    specs = []
    for number in range(branch_count):
        dept = departments[number] if number < len(departments) else f"第{number + 1}"
        specs.append(
            {
                "name": f"{name}{dept}党支部",
                "kind": Kind.BRANCH,
                "unit": unit,
                "category": unit.category,
                "unit_name": name,
                "established_on": date(2000 + rng.randrange(20), rng.randint(1, 12), 1),
            }
        )
    if index % 3 == 2:  # every third unit hosts a joint branch of small affiliated bodies
        specs.append(
            {
                "name": f"{name}直属单位联合党支部",
                "kind": Kind.BRANCH,
                "unit": unit,
                "category": unit.category,
                "unit_name": name,
                "is_joint": True,
                "units_covered": rng.choice((3, 4, 6)),
            }
        )
    if index == 1:
        specs.append(
            {
                "name": f"{name}专项工作临时党支部",
                "kind": Kind.BRANCH,
                "unit": unit,
                "category": unit.category,
                "unit_name": name,
                "is_temporary": True,
            }
        )
    # Every fourth unit has a general branch (党总支) over a quarter of its branches (at least 3).
    grouped = max(3, branch_count // 4) if index % 4 == 3 else 0
    split = branch_count - grouped
    branches = _create_children(unit, specs[:split] + specs[branch_count:])
    general = None
    if grouped:
        (general,) = _create_children(
            unit,
            [{**specs[0], "name": f"{name}机关党总支", "kind": Kind.GENERAL_BRANCH, "established_on": None}],
        )
        branches += _create_children(general, specs[split:branch_count])

    sizes = {branch.pk: rng.randint(*scale.members_per_branch) for branch in branches}
    cell_specs = []
    for branch in branches:
        if sizes[branch.pk] > 24:
            for cell_no in range(1, 3 + (sizes[branch.pk] > 32)):
                cell_specs.append(
                    (
                        branch,
                        {
                            "name": f"第{cell_no}党小组",
                            "kind": Kind.PARTY_CELL,
                            "unit": unit,
                            "category": unit.category,
                        },
                    )
                )
    cells_by_branch = {}
    for branch in branches:
        mine = [spec for owner, spec in cell_specs if owner is branch]
        if mine:
            cells_by_branch[branch.pk] = _create_children(branch, mine)

    members = []
    for branch in branches:
        cells = cells_by_branch.get(branch.pk, [])
        for _ in range(sizes[branch.pk]):
            birth = _random_date(rng, date(1962, 1, 1), date(1999, 12, 31))
            probationary = rng.random() < 0.06
            if probationary:
                joined = today - timedelta(days=rng.randint(30, 330))
                full_since, probation_end = None, Term.compute_ends_on(joined, 1)
            else:
                joined = _random_date(rng, birth + timedelta(days=19 * 366), today - timedelta(days=500))
                full_since, probation_end = Term.compute_ends_on(joined, 1), None
            members.append(
                Member(
                    branch=branch,
                    cell=rng.choice(cells) if cells else None,
                    name=person_name(rng),
                    gender=rng.choice((Member.Gender.MALE, Member.Gender.FEMALE)),
                    birth_date=birth,
                    joined_on=joined,
                    full_since=full_since,
                    status=Member.Status.PROBATIONARY if probationary else Member.Status.FULL,
                    probation_ends_on=probation_end,
                    is_leading_cadre=rng.random() < 0.1,
                )
            )
    Member.objects.bulk_create(members, batch_size=2000)

    full_by_branch = {}
    for member in Member.objects.filter(branch__unit=unit, status=Member.Status.FULL).order_by("pk"):
        full_by_branch.setdefault(member.branch_id, []).append(member)

    terms, post_plans = [], []
    if general:  # its committee is elected from the members of its branches
        full_by_branch[general.pk] = [
            member
            for branch in branches
            if branch.parent_id == general.pk
            for member in full_by_branch.get(branch.pk, [])
        ]
    for branch in [*branches, general] if general else branches:
        if branch.is_temporary:
            continue  # temporary branches hold no renewal elections (BWR Art. 8)
        full = full_by_branch.get(branch.pk, [])
        elected, ends = _term_window(rng, today)
        has_committee = len(full) >= 7 or (len(full) >= 5 and rng.random() < 0.3)
        if len(full) >= 7 and rng.random() < 0.05:
            has_committee = False  # a few branches that should have a committee but do not
        terms.append(
            Term(branch=branch, elected_on=elected, ends_on=ends, length_years=3, has_committee=has_committee)
        )
        post_plans.append((branch, full, elected, has_committee))
    terms = Term.objects.bulk_create(terms)

    posts = []
    roles = [Post.Role.ORGANIZATION, Post.Role.PUBLICITY, Post.Role.DISCIPLINE]
    for term, (_branch, full, elected, has_committee) in zip(terms, post_plans, strict=True):
        if not full:
            continue
        holders = rng.sample(full, min(len(full), 5 if has_committee else 2))
        approved = elected + timedelta(days=rng.randint(7, 25)) if rng.random() < 0.93 else None
        if rng.random() < 0.97:
            posts.append(
                Post(
                    term=term,
                    member=holders[0],
                    role=Post.Role.SECRETARY,
                    started_on=elected,
                    approved_on=approved,
                )
            )
        if len(holders) > 1 and (has_committee or rng.random() < 0.3):
            posts.append(
                Post(
                    term=term,
                    member=holders[1],
                    role=Post.Role.DEPUTY_SECRETARY,
                    started_on=elected,
                    approved_on=approved,
                )
            )
        if has_committee:
            for member, role in zip(holders[2:], roles, strict=False):
                if rng.random() < 0.95:
                    posts.append(Post(term=term, member=member, role=role, started_on=elected))
    Post.objects.bulk_create(posts, batch_size=2000)
    return unit


DEMO_USERS = [
    # username, display name, role, which node: "root", "unit" (first unit), "branch" (first branch)
    ("admin", "系统管理员", RoleAssignment.Role.ADMIN, "root"),
    ("sheng", "省直机关工委 王处长", RoleAssignment.Role.PROVINCIAL_STAFF, "root"),
    ("danwei", "机关党委 李干事", RoleAssignment.Role.UNIT_STAFF, "unit"),
    ("shuji", "支部书记", RoleAssignment.Role.SECRETARY, "branch"),
    ("shuji2", "支部书记（第二单位）", RoleAssignment.Role.SECRETARY, "branch2"),
]


def _seed_users(root):
    first_unit = Organization.objects.filter(kind=Kind.UNIT_COMMITTEE).order_by("pk").first()
    second_unit = Organization.objects.filter(kind=Kind.UNIT_COMMITTEE).order_by("pk")[1:2].first()

    def first_branch(unit):
        return (
            Organization.objects.filter(kind=Kind.BRANCH, unit=unit, is_temporary=False, terms__isnull=False)
            .order_by("pk")
            .first()
        )

    nodes = {
        "root": root,
        "unit": first_unit,
        "branch": first_branch(first_unit),
        "branch2": first_branch(second_unit),
    }
    created = []
    for username, display, role, node_key in DEMO_USERS:
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": display,
                "email": f"{username}@demo.example.org",
                "is_staff": role == RoleAssignment.Role.ADMIN,
                "is_superuser": role == RoleAssignment.Role.ADMIN,
            },
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created.append(username)
        RoleAssignment.objects.get_or_create(user=user, role=role, organization=nodes[node_key])
        if role == RoleAssignment.Role.SECRETARY:
            secretary = (
                Post.objects.filter(
                    term__branch=nodes[node_key],
                    term__status=Term.Status.ACTIVE,
                    role=Post.Role.SECRETARY,
                )
                .select_related("member")
                .first()
            )
            if secretary and secretary.member.user_id is None:
                Member.objects.filter(pk=secretary.member_id).update(user=user)
                User.objects.filter(pk=user.pk).update(display_name=f"{secretary.member.name}（书记）")
    return created


def seed_province(*, scale_name="small", today, log=print):
    """Create the root, the units missing at this scale, and the demo users."""
    scale = SCALES[scale_name]
    with transaction.atomic():
        root = Organization.objects.filter(kind=Kind.WORK_COMMITTEE, parent=None).first()
        if root is None:
            root = organization_create(name="省直机关工委", kind=Kind.WORK_COMMITTEE)
    existing = set(Organization.objects.filter(kind=Kind.UNIT_COMMITTEE).values_list("unit_name", flat=True))
    added = 0
    for index, name in enumerate(unit_names(scale.units)):
        if name in existing:
            continue
        with transaction.atomic():
            _seed_unit(root, name, index, scale, today)
        added += 1
        if added % 20 == 0:
            log(f"  … {added} units added")
    with transaction.atomic():
        users = _seed_users(root)
    return {"units_added": added, "users_created": users, "root": root}
