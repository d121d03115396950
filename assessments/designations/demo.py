"""Demo data for demonstration and classified guidance: three years of classes (lagging branches
converting), follow-ups in progress with plan items in the rectification tracker, designations,
questions with answers, FAQs and experience-library entries.

Deterministic (seeded random.Random per branch/year) and idempotent (only what is missing is
added; each kind of object is seeded once). Rows are bulk-created, so the ``province`` scale
(about 3,000 branches) takes seconds.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from branches.models import Organization, RectificationItem, RoleAssignment, SourceKind
from branches.policy import policy_all

from ..guidance.search import token_text
from ..models import CheckIn, Classification, Designation, Experience, Faq, FollowUp, Question
from .services import combined_score, grade_for, year_results

Grade = Classification.Grade
Role = RoleAssignment.Role
SEED = "guidance-demo"
BATCH = 2000
LEADERS = ["王副厅长", "李副主任", "张副局长", "赵巡视员", "刘副书记", "陈副厅长", "周副主任"]
PLAN = [
    "补齐三会一课会议记录",
    "按期召开组织生活会并开展批评与自我批评",
    "完善党员发展档案",
    "按月足额收缴党费",
    "规范主题党日活动记录",
]
CHECK_INS = ["联系点领导到支部座谈，查看台账", "督导支部委员会会议", "听取书记整改情况汇报"]

FAQS = [
    (
        "organizational_life",
        "组织生活会每年至少召开几次？",
        "党支部每年至少召开一次组织生活会，一般安排在第四季度，也可根据工作需要随时召开。",
    ),
    (
        "organizational_life",
        "党小组会多长时间开一次？",
        "党小组会一般每月召开一次，内容包括学习、组织生活和党员思想汇报。",
    ),
    (
        "organizational_life",
        "主题党日可以和支部党员大会合并吗？",
        "可以结合开展，但应分别做好会议记录，体现各自的议题。",
    ),
    (
        "member_education_management",
        "党员长期不参加组织生活怎么处理？",
        "先谈心谈话、批评教育；连续六个月不参加组织生活、不交纳党费、不做党所分配的工作的，按规定处置。",
    ),
    (
        "member_education_management",
        "党费收缴基数如何确定？",
        "以每月工资收入中相对固定、经常性的部分为基数，按规定比例按月交纳。",
    ),
    (
        "organization_building",
        "支部委员会任期届满前多久提出换届申请？",
        "一般在任期届满前两个月左右，向上级党组织报送换届请示。",
    ),
    (
        "organization_building",
        "正式党员不足七人的支部要设委员会吗？",
        "不设支部委员会，设书记一名，必要时设副书记一名。",
    ),
    (
        "deliberation_decisions",
        "哪些事项必须经支部委员会集体讨论？",
        "发展党员、党员奖惩、重要工作部署等事项应经支部委员会集体讨论决定。",
    ),
    (
        "basic_duties",
        "支部书记抓党建述职有哪些内容？",
        "述职内容包括履行党建责任、组织生活开展、党员教育管理、存在问题和下步打算。",
    ),
    (
        "basic_support",
        "党员活动室需要具备哪些条件？",
        "应有相对固定的活动场所，悬挂党旗和入党誓词，配备必要的学习资料和制度上墙。",
    ),
    (
        "member_education_management",
        "发展对象的培养考察怎么记录？",
        "填写培养考察登记表，培养联系人按季度记录考察情况，支部委员会定期研究。",
    ),
    (
        "organizational_life",
        "谈心谈话需要留存记录吗？",
        "需要。应记录时间、对象、主要内容，作为组织生活会的前置环节。",
    ),
]
EXPERIENCES = [
    (
        "“三单”工作法推动三会一课落实",
        "年初列任务单、每月发提醒单、年底晒成绩单，三会一课按期召开率达到百分之百。",
        ["organizational_life"],
    ),
    (
        "主题党日+志愿服务",
        "把主题党日与社区志愿服务结合，党员到联系社区开展政策宣讲和便民服务。",
        ["organizational_life", "member_education_management"],
    ),
    (
        "党员积分管理",
        "对党员学习、参会、服务等情况积分，结果运用于评先评优。",
        ["member_education_management"],
    ),
    (
        "支部委员会议事清单",
        "明确必须集体讨论的事项清单，会前征求意见，会后跟踪落实。",
        ["deliberation_decisions"],
    ),
    ("换届提醒台账", "支部建立换届倒计时台账，任期届满前三个月自动提醒。", ["organization_building"]),
    ("党建与业务双述双评", "书记年底同时述党建和业务，群众测评结果相互印证。", ["basic_duties"]),
    ("规范化党员活动室建设", "按照“八有”标准建设活动室，制度上墙、资料齐全。", ["basic_support"]),
    (
        "青年党员导师制",
        "老党员结对青年党员，一对一传帮带。",
        ["member_education_management", "organization_building"],
    ),
]
QUESTION_TITLES = [
    ("organizational_life", "组织生活会一年开几次？"),
    ("organizational_life", "组织生活会每年至少开几次？"),
    ("member_education_management", "流动党员的党费怎么交？"),
    ("organization_building", "支部书记调走后怎么补选？"),
    ("deliberation_decisions", "支部委员会会议的记录要谁签字？"),
    ("basic_support", "党建经费可以买哪些学习资料？"),
]


def _aware(day):
    return timezone.make_aware(datetime.combine(day, time(10)))


def seed(*, scale, today):
    branches = list(
        Organization.objects.filter(kind=Organization.Kind.BRANCH, is_active=True)
        .select_related("unit")
        .order_by("pk")
    )
    if not branches:
        return 0
    staff = dict(
        RoleAssignment.objects.filter(role=Role.UNIT_STAFF).values_list("organization_id", "user_id")
    )
    provincial = (
        RoleAssignment.objects.filter(role=Role.PROVINCIAL_STAFF).values_list("user_id", flat=True).first()
    )
    secretaries = dict(
        RoleAssignment.objects.filter(role=Role.SECRETARY).values_list("organization_id", "user_id")
    )
    created = _classifications(branches, today)
    created += _follow_ups(branches, staff, provincial, today)
    created += _designations(branches, staff, provincial, today)
    created += _guidance(branches, staff, provincial, secretaries, today, scale)
    return created


def _quality(branch):
    return random.Random(f"{SEED}-{branch.pk}").random()


def _score_for(branch, year, today):
    """A believable trend: most branches steady, a few lagging ones improving year by year."""
    rng = random.Random(f"{SEED}-{branch.pk}-{year}")
    quality = _quality(branch)
    base = 58 + quality * 40  # 58..98
    years_back = today.year - 1 - year  # 0 for last year, 2 for three years ago
    if quality < 0.12:  # the weakest improve: lagging three years ago, middle or better later
        base = 50 + (2 - years_back) * 10
    drift = rng.uniform(-3, 3)
    return Decimal(str(round(max(20.0, min(100.0, base + drift)) * 2) / 2))


@transaction.atomic
def _classifications(branches, today):
    values = policy_all()
    years = [today.year - 3, today.year - 2, today.year - 1]
    existing = set(Classification.objects.filter(year__in=years).values_list("branch_id", "year"))
    reviewed = year_results([b.pk for b in branches], today.year - 1)
    rows = []
    for year in years:
        for branch in branches:
            if (branch.pk, year) in existing:
                continue
            review = reviewed.get(branch.pk) if year == today.year - 1 else None
            if review is not None:
                score = combined_score(review["total"], None, values)
                vetoed = review["vetoed"]
            else:
                score, vetoed = _score_for(branch, year, today), False
            grade = grade_for(score, vetoed=vetoed, values=values)
            rows.append(
                Classification(
                    branch=branch,
                    year=year,
                    score=score,
                    computed_grade=grade,
                    grade=grade,
                    inputs={
                        "review_total": str(score),
                        "vetoed": vetoed,
                        "observation": None,
                        "duty_grade": None,
                    },
                    computed_at=_aware(datetime(year + 1, 1, 15).date()),
                )
            )
    Classification.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


@transaction.atomic
def _follow_ups(branches, staff, provincial, today):
    if FollowUp.objects.exists():
        return 0
    by_key = {(c.branch_id, c.year): c for c in Classification.objects.filter(year__gte=today.year - 3)}
    rank = Classification.RANK
    follow_ups, opened = [], set()
    for year in (today.year - 3, today.year - 2, today.year - 1):
        for branch in branches:
            row = by_key.get((branch.pk, year))
            if row is None or row.grade != Grade.LAGGING or branch.pk in opened:
                continue
            rng = random.Random(f"{SEED}-fu-{branch.pk}-{year}")
            later = [by_key.get((branch.pk, y)) for y in range(year + 1, today.year)]
            converted = next(
                (c for c in later if c is not None and rank[c.grade] >= rank[Grade.MIDDLE]), None
            )
            opened_on = datetime(year + 1, 2, 1).date() + timedelta(days=rng.randint(0, 40))
            follow_up = FollowUp(
                branch=branch,
                classification=row,
                contact_leader_name=rng.choice(LEADERS),
                reassess_due=opened_on + timedelta(days=rng.choice([120, 150, 180])),
                opened_by_id=staff.get(branch.unit_id) or provincial,
                opened_at=_aware(opened_on),
            )
            if converted is not None:
                follow_up.status = FollowUp.Status.CLOSED
                follow_up.reassessed_grade = converted.grade
                follow_up.reassessed_score = converted.score
                follow_up.closed_at = _aware(datetime(converted.year + 1, 1, 20).date())
                follow_up.closing_note = f"{converted.year}年度定级为{converted.get_grade_display()}"
            else:
                opened.add(branch.pk)
                if year == today.year - 1:  # in progress: due in the coming months, a few overdue
                    follow_up.reassess_due = today + timedelta(days=rng.randint(-20, 120))
            follow_ups.append(follow_up)
    FollowUp.objects.bulk_create(follow_ups, batch_size=BATCH)
    items, check_ins = [], []
    for follow_up in follow_ups:
        rng = random.Random(f"{SEED}-plan-{follow_up.branch_id}")
        closed = follow_up.status == FollowUp.Status.CLOSED
        for index, text in enumerate(rng.sample(PLAN, 2)):
            deadline = follow_up.opened_at.date() + timedelta(days=60 + 30 * index)
            done = closed or rng.random() < 0.4
            items.append(
                RectificationItem(
                    organization_id=follow_up.branch_id,
                    source_kind=SourceKind.GUIDANCE_FOLLOW_UP,
                    source_id=follow_up.pk,
                    description=text,
                    deadline=deadline,
                    status=RectificationItem.Status.VERIFIED
                    if done
                    else RectificationItem.Status.IN_PROGRESS,
                    created_by_id=follow_up.opened_by_id,
                    created_at=follow_up.opened_at,
                    verified_at=follow_up.opened_at + timedelta(days=50 + 30 * index) if done else None,
                )
            )
        for index in range(rng.randint(1, 3)):
            held = follow_up.opened_at.date() + timedelta(days=20 + 35 * index)
            if held <= today:
                check_ins.append(
                    CheckIn(
                        follow_up=follow_up,
                        held_on=held,
                        note=CHECK_INS[index % len(CHECK_INS)],
                        recorded_by_id=follow_up.opened_by_id,
                    )
                )
    RectificationItem.objects.bulk_create(items, batch_size=BATCH)
    CheckIn.objects.bulk_create(check_ins, batch_size=BATCH)
    return len(follow_ups)


@transaction.atomic
def _designations(branches, staff, provincial, today):
    if Designation.objects.exists():
        return 0
    best = {}
    for branch_id, score in Classification.objects.filter(year__gte=today.year - 3).values_list(
        "branch_id", "score"
    ):
        if score is not None and score > best.get(branch_id, 0):
            best[branch_id] = score
    strong = [b for b in branches if best.get(b.pk, 0) >= 90]
    rows = []
    for index, branch in enumerate(strong):
        rng = random.Random(f"{SEED}-des-{branch.pk}")
        roll = rng.random()
        if roll > 0.25:
            continue
        kind = Designation.Kind.PILOT if roll < 0.04 else Designation.Kind.DEMONSTRATION
        dims = rng.sample(
            [
                "organizational_life",
                "member_education_management",
                "basic_duties",
                "organization_building",
                "deliberation_decisions",
                "basic_support",
            ],
            2,
        )
        nominated = datetime(today.year - rng.choice([0, 1, 2]), 3, 1).date()
        row = Designation(
            branch=branch,
            kind=kind,
            reason="三会一课规范，党员教育管理有特色，连续两年评审为示范等次。",
            dimensions=f",{','.join(dims)},",
            nominated_by_id=staff.get(branch.unit_id),
            nominated_at=_aware(nominated),
        )
        if index % 9 == 0 and nominated.year == today.year:
            row.status = Designation.Status.NOMINATED  # waiting for provincial staff
        else:
            row.status = Designation.Status.APPROVED
            row.decided_by_id = provincial
            row.decided_at = _aware(nominated + timedelta(days=30))
            row.valid_from = nominated + timedelta(days=30)
            row.valid_until = row.valid_from.replace(year=row.valid_from.year + 3) - timedelta(days=1)
            row.criteria_snapshot = [
                {
                    "key": "latest_tier_model",
                    "label": "最近一次定稿评审为示范等次",
                    "passed": True,
                    "detail": "",
                },
                {"key": "no_veto", "label": "无一票否决项", "passed": True, "detail": ""},
            ]
        rows.append(row)
    Designation.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


@transaction.atomic
def _guidance(branches, staff, provincial, secretaries, today, scale):
    if Faq.objects.exists() or Question.objects.exists():
        return 0
    answerer = provincial
    faqs = []
    for index, (dimension, question, answer) in enumerate(FAQS):
        faqs.append(
            Faq(
                question=question,
                answer=answer,
                dimension=dimension,
                asked_count=1 + index % 4,
                search_tokens=token_text(question, answer),
                published_by_id=answerer,
                published_at=_aware(today - timedelta(days=200 - index * 10)),
            )
        )
    Faq.objects.bulk_create(faqs)
    units = {}
    for branch in branches:
        units.setdefault(branch.unit_id, []).append(branch)
    questions = []
    for unit_index, (unit_id, unit_branches) in enumerate(sorted(units.items())):
        rng = random.Random(f"{SEED}-q-{unit_id}")
        for number in range(3 if scale == "small" else 2):
            branch = rng.choice(unit_branches)
            dimension, title = QUESTION_TITLES[(unit_index + number) % len(QUESTION_TITLES)]
            asked = today - timedelta(days=rng.randint(1, 40))
            question = Question(
                branch=branch,
                asked_by_id=secretaries.get(branch.pk),
                dimension=dimension,
                title=title,
                created_at=_aware(asked),
            )
            if rng.random() < 0.6:
                question.status = Question.Status.ANSWERED
                question.answer = "请参照常见问题中的解答执行，如有特殊情况请联系机关党委。"
                question.answered_by_id = staff.get(unit_id) or answerer
                question.answered_at = _aware(asked + timedelta(days=2))
            questions.append(question)
    Question.objects.bulk_create(questions, batch_size=BATCH)
    # Asked by many: the same question from other branches merged into the first, published once.
    same = [q for q in questions if q.dimension == "organizational_life"]
    if same:
        first = same[0]
        first.status, first.faq = Question.Status.ANSWERED, faqs[0]
        first.answer, first.answered_by_id = faqs[0].answer, answerer
        first.answered_at = first.answered_at or first.created_at
        first.save(update_fields=["status", "faq", "answer", "answered_by", "answered_at"])
        Question.objects.filter(pk__in=[q.pk for q in same[1:]]).update(
            status=Question.Status.MERGED, duplicate_of=first, faq=faqs[0]
        )
        Faq.objects.filter(pk=faqs[0].pk).update(asked_count=len(same))
    experiences = []
    picks = branches[:: max(1, len(branches) // (len(EXPERIENCES) * (1 if scale == "small" else 4)))]
    for index, branch in enumerate(picks):
        title, summary, dims = EXPERIENCES[index % len(EXPERIENCES)]
        experiences.append(
            Experience(
                title=title
                if index < len(EXPERIENCES)
                else f"{title}（{branch.unit.unit_name or branch.unit.name}）",
                summary=summary,
                dimensions=f",{','.join(dims)},",
                branch=branch,
                search_tokens=token_text(title, summary, branch.name),
                published_by_id=staff.get(branch.unit_id) or answerer,
                published_at=_aware(today - timedelta(days=index * 3 + 1)),
            )
        )
    Experience.objects.bulk_create(experiences, batch_size=BATCH)
    return len(faqs) + len(questions) + len(experiences)
