"""述职评议 demo data: last year's cycles finished and published (ballots, votes, comments,
results) and this year's cycles in progress, for every unit committee and for the provincial
level. Deterministic (one Random per cycle) and idempotent (existing cycles are left alone).
Bulk inserts keep the province scale (3,000 secretaries, ~90,000 votes) to seconds.
"""

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from assessments.models import DutyBallot, DutyComment, DutyCycle, DutyReport, DutyVote
from branches.models import Organization, RectificationItem, SourceKind, User

from . import services

SEED = 2027
OUTLINE = "\n".join(
    [
        "一、学习贯彻习近平新时代中国特色社会主义思想和党中央决策部署情况",
        "二、履行党建工作第一责任人职责情况",
        "三、落实“三会一课”等组织生活制度情况",
        "四、党员教育管理监督和发展党员情况",
        "五、推动党建与业务深度融合情况",
        "六、存在的问题及原因分析",
        "七、下一步工作打算和上年度问题整改情况",
    ]
)
TEXTS = [
    "全年围绕中心工作抓党建，坚持把党的政治建设摆在首位，按要求组织集中学习和专题研讨。",
    "认真履行第一责任人职责，亲自研究部署支部重点工作，定期听取支部委员工作汇报。",
    "按时召开支部委员会、党员大会和党小组会，规范开展主题党日，按季度讲授党课。",
    "落实党员积分管理，开展谈心谈话全覆盖，稳妥做好发展党员工作。",
    "结合业务工作设立党员先锋岗，推动党建工作与业务工作同谋划、同部署、同考核。",
    "理论学习的深度还不够，组织生活形式较为单一，部分台账记录不够规范。",
    "下一步将围绕上述问题制定整改清单，明确时限和责任人，确保整改到位。",
]
LEADERS = ["机关党委书记", "机关党委副书记", "机关纪委书记"]
GRADE_MIX = ["good"] * 6 + ["fairly_good"] * 3 + ["average"]
MID_MIX = ["good", "fairly_good", "fairly_good", "fairly_good", "average"]
LOW_MIX = ["fairly_good", "average", "average", "poor"]
CODE_ALPHABET = services.CODE_ALPHABET


def _sections(cycle, rng):
    sections = [{"heading": services.FACTS_HEADING, "text": "（已根据本年度台账数据填写）"}]
    for index, heading in enumerate(cycle.headings):
        sections.append({"heading": heading, "text": TEXTS[index % len(TEXTS)]})
    return sections


def _code(rng):
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(services.CODE_LENGTH))


def _ballots_and_votes(cycle, rng, *, cast_share, leave_unused_for=()):
    """Personal ballots for the listed raters; most are cast. Returns (ballots, votes)."""
    reports = list(cycle.reports.exclude(status=DutyReport.Status.VACANT).values_list("pk", flat=True))
    ballots, votes = [], []
    # Each report gets its own leaning so the ranked list and the grades spread.
    leaning = {pk: rng.random() for pk in reports}
    for rater in cycle.raters.all():
        used = rater.user_id not in leave_unused_for and rng.random() < cast_share
        ballots.append(DutyBallot(cycle=cycle, rater=rater, code=_code(rng), used=used))
        if used:
            for pk in reports:
                pool = GRADE_MIX if leaning[pk] > 0.2 else MID_MIX if leaning[pk] > 0.04 else LOW_MIX
                votes.append(DutyVote(report_id=pk, grade=rng.choice(pool)))
    return ballots, votes


def _rectifications(cycle, rng, published_on):
    """一般/差 results got a tracker item at publication; about half are closed by now."""
    low = cycle.reports.filter(computed_grade__in=["average", "poor"]).select_related("organization")
    closed_at = timezone.make_aware(
        timezone.datetime.combine(published_on + timedelta(days=60), timezone.datetime.min.time())
    )
    items = []
    for report in low:
        done = rng.random() < 0.5
        items.append(
            RectificationItem(
                organization=report.organization,
                source_kind=SourceKind.DUTY_REVIEW,
                source_id=report.pk,
                description=f"{cycle.year} 年度书记抓党建述职评议等次为“{report.get_grade_display()}”，"
                "请对照点评意见和测评情况制定整改清单，按期整改。",
                deadline=published_on + timedelta(days=90),
                status=RectificationItem.Status.VERIFIED if done else RectificationItem.Status.IN_PROGRESS,
                verified_at=closed_at if done else None,
            )
        )
    RectificationItem.objects.bulk_create(items, batch_size=1000)


def _seed_cycle(organization, year, *, finished, today, staff):
    rng = random.Random(f"{SEED}-{organization.pk}-{year}")
    level = services.expected_level(organization)
    if finished:
        due_on, meeting_on = date(year, 12, 20), date(year + 1, 1, 10)
    else:
        due_on, meeting_on = date(year, 12, 20), date(year, 12, 28)
    cycle = DutyCycle.objects.create(
        year=year,
        level=level,
        organization=organization,
        outline=OUTLINE,
        due_on=due_on,
        meeting_on=meeting_on,
        opened_by=staff,
    )
    services.enrol(cycle=cycle)
    services.raters_default(cycle=cycle)
    reports = list(cycle.reports.exclude(status=DutyReport.Status.VACANT))
    demo_secretaries = set(User.objects.filter(username__in=["shuji", "shuji2"]).values_list("pk", flat=True))
    submitted_at = timezone.make_aware(timezone.datetime(year, 12, 15, 10, 0))
    for report in reports:
        report.sections = _sections(cycle, rng)
        # this year: the demo secretaries' own reports stay drafts so they can write them
        if finished or (report.secretary_id not in demo_secretaries and rng.random() < 0.6):
            report.status = DutyReport.Status.SUBMITTED
            report.submitted_at = submitted_at
    DutyReport.objects.bulk_update(reports, ["sections", "status", "submitted_at"], batch_size=1000)
    if finished:
        ballots, votes = _ballots_and_votes(cycle, rng, cast_share=0.9)
        DutyBallot.objects.bulk_create(ballots, batch_size=2000)
        DutyVote.objects.bulk_create(votes, batch_size=5000)
        DutyComment.objects.bulk_create(
            [
                DutyComment(
                    report=r,
                    commenter_name=rng.choice(LEADERS),
                    text="述职内容全面，问题查找较准，整改措施要进一步细化。",
                )
                for r in reports
            ],
            batch_size=2000,
        )
        DutyCycle.objects.filter(pk=cycle.pk).update(status=DutyCycle.Status.CLOSED)
        cycle.refresh_from_db()
        services.cycle_tally(cycle=cycle)
        DutyCycle.objects.filter(pk=cycle.pk).update(
            status=DutyCycle.Status.PUBLISHED,
            published_at=timezone.make_aware(timezone.datetime(year + 1, 1, 15, 9, 0)),
        )
    elif rng.random() < 0.3:
        # some units are already voting: ballots issued, part of them cast; the demo secretaries'
        # ballots stay unused so they can try the ballot page
        ballots, votes = _ballots_and_votes(cycle, rng, cast_share=0.5, leave_unused_for=demo_secretaries)
        DutyBallot.objects.bulk_create(ballots, batch_size=2000)
        DutyVote.objects.bulk_create(votes, batch_size=5000)
        DutyCycle.objects.filter(pk=cycle.pk).update(status=DutyCycle.Status.VOTING)
    return cycle


def seed(*, scale, today):
    """Last year's cycle finished and published, this year's in progress, at both levels."""
    this_year = today.year if today.month >= 7 else today.year - 1
    root = Organization.objects.filter(kind=Organization.Kind.WORK_COMMITTEE, parent=None).first()
    if root is None:
        return
    staff = User.objects.filter(username="danwei").first()
    provincial = User.objects.filter(username="sheng").first()
    existing = set(DutyCycle.objects.values_list("organization_id", "year"))
    units = list(
        Organization.objects.filter(kind=Organization.Kind.UNIT_COMMITTEE, is_active=True).order_by("pk")
    )
    first_unit = units[0].pk if units else None
    with transaction.atomic():
        for year, finished in ((this_year - 1, True), (this_year, False)):
            if (root.pk, year) not in existing:
                _seed_cycle(root, year, finished=finished, today=today, staff=provincial)
            for unit in units:
                if (unit.pk, year) in existing:
                    continue
                cycle = _seed_cycle(unit, year, finished=finished, today=today, staff=staff)
                if not finished and unit.pk == first_unit and cycle.status != DutyCycle.Status.OPEN:
                    # the first unit (the demo staff's) stays open for writing reports
                    DutyBallot.objects.filter(cycle=cycle).delete()
                    DutyVote.objects.filter(report__cycle=cycle).delete()
                    DutyCycle.objects.filter(pk=cycle.pk).update(status=DutyCycle.Status.OPEN)
