"""Demo data: a year of organizational-life records and monthly reports for every branch.

Deterministic (one seeded random.Random per branch, so the result does not depend on the order
branches are visited), idempotent (branches that already have records are skipped; reports rely
on the unique (branch, month) constraint) and built with bulk inserts for the province scale.
"""

import random
from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ..models import (
    Activity,
    Decision,
    Member,
    MonthlyReport,
    Organization,
    ReportEvent,
    RoleAssignment,
)
from ..policy import policy_all
from . import compliance

Kind = Activity.Kind
Status = MonthlyReport.Status
BATCH = 2000

PLACES = ("机关三楼党员活动室", "二楼会议室", "党建活动中心", "机关多功能厅", "线上视频会议")
CHAIRS = ("张建华", "李明", "王芳", "刘洋", "陈静", "杨帆", "赵磊", "黄涛")
RECORDERS = ("孙丽", "周敏", "吴昊", "郑洁", "冯磊", "何静")
TOPICS = {
    Kind.COMMITTEE: ("研究本月党建工作安排", "讨论发展党员工作", "研究主题党日方案", "部署党费收缴和公示"),
    Kind.THEME_DAY: (
        "重温入党誓词主题党日",
        "学习贯彻全会精神主题党日",
        "志愿服务主题党日",
        "红色教育基地参观",
    ),
    Kind.STUDY: (
        "集中学习党章党规",
        "学习习近平新时代中国特色社会主义思想",
        "学习省委文件精神",
        "廉政警示教育学习",
    ),
    Kind.CELL: ("党小组学习讨论", "党小组谈心交流", "党小组工作推进会"),
    Kind.ASSEMBLY: ("接收预备党员", "预备党员转正", "通报季度工作和党费收缴情况", "讨论年度工作计划"),
    Kind.LECTURE: ("书记讲党课：坚定理想信念", "专题党课：加强作风建设", "党课：弘扬伟大建党精神"),
    Kind.ORG_LIFE: ("年度组织生活会",),
    Kind.REVIEW: ("年度民主评议党员",),
}
LECTURERS = ("支部书记", "机关党委书记", "单位主要负责同志", "党校教授")


def _branch_facts():
    """Per active branch: full and probationary members, cells, committee, secretary (4 queries)."""
    branches = list(
        Organization.objects.filter(kind=Organization.Kind.BRANCH, is_active=True)
        .annotate(
            n_full=Count("members", filter=Q(members__state="active", members__status=Member.Status.FULL)),
            n_prob=Count(
                "members", filter=Q(members__state="active", members__status=Member.Status.PROBATIONARY)
            ),
        )
        .order_by("pk")
    )
    ids = [b.pk for b in branches]
    facts = compliance.load_facts(ids)
    secretaries = dict(
        RoleAssignment.objects.filter(
            role=RoleAssignment.Role.SECRETARY, organization_id__in=ids
        ).values_list("organization_id", "user_id")
    )
    reviewers = dict(
        RoleAssignment.objects.filter(role=RoleAssignment.Role.UNIT_STAFF).values_list(
            "organization_id", "user_id"
        )
    )
    return branches, facts, secretaries, reviewers


def _activity(rng, branch, kind, day, *, cell=None):
    expected_full = max(branch.n_full, 1)
    expected_prob = branch.n_prob
    leave = min(rng.choice((0, 0, 0, 1, 1, 2)), expected_full - 1)
    absent = min(rng.choice((0, 0, 0, 0, 1)), expected_full - 1 - leave)
    prob_leave = min(rng.choice((0, 0, 1)), expected_prob)
    return Activity(
        branch_id=branch.pk,
        cell_id=cell,
        kind=kind,
        held_on=day,
        place=rng.choice(PLACES),
        chair=rng.choice(CHAIRS),
        recorder=rng.choice(RECORDERS),
        topic=rng.choice(TOPICS[kind]),
        lecturer=rng.choice(LECTURERS) if kind == Kind.LECTURE else "",
        expected_full=expected_full,
        present_full=expected_full - leave - absent,
        leave_full=leave,
        absent_full=absent,
        expected_probationary=expected_prob,
        present_probationary=expected_prob - prob_leave,
        leave_probationary=prob_leave,
        entered_late=rng.random() < 0.06,
    )


def _branch_year(rng, branch, facts, months, today):
    """Activities of one branch over ``months`` (the current month only up to yesterday)."""
    diligence = rng.uniform(0.72, 0.99)
    activities = []

    def day_in(month, low=1, high=28):
        last = min(high, (today - timedelta(days=1)).day if month == today.replace(day=1) else high)
        return month.replace(day=rng.randint(low, max(low, last))) if last >= low else None

    quarter_months = {}
    for month in months:
        quarter = (month.year, (month.month - 1) // 3)
        quarter_months.setdefault(quarter, rng.choice((0, 1, 2)))
        plan = [Kind.THEME_DAY, Kind.STUDY]
        if facts.has_committee:
            plan.append(Kind.COMMITTEE)
        if (month.month - 1) % 3 == quarter_months[quarter]:
            plan += [Kind.ASSEMBLY, Kind.LECTURE]
        if month.month == 12:
            plan += [Kind.ORG_LIFE, Kind.REVIEW]
        for kind in plan:
            day = day_in(month)
            if day is not None and rng.random() < diligence:
                activities.append(_activity(rng, branch, kind, day))
        for cell_id in facts.cell_ids:
            day = day_in(month)
            if day is not None and rng.random() < diligence - 0.05:
                activities.append(_activity(rng, branch, Kind.CELL, day, cell=cell_id))
    return activities


def _snapshot(activities, branch, labels):
    by_kind = defaultdict(int)
    for a in activities:
        by_kind[labels[a.kind]] += 1
    expected = sum(a.expected_full for a in activities)
    present = sum(a.present_full for a in activities)
    return {
        "activities": [
            {
                "date": f"{a.held_on:%Y-%m-%d}",
                "kind": labels[a.kind],
                "topic": a.topic,
                "expected": a.expected_full + a.expected_probationary,
                "present": a.present_full + a.present_probationary,
                "late": a.entered_late,
            }
            for a in sorted(activities, key=lambda a: a.held_on)
        ],
        "by_kind": dict(by_kind),
        "attendance_rate_full": round(present / expected, 3) if expected else None,
        "roster": {
            "full": branch.n_full,
            "probationary": branch.n_prob,
            "new_probationary": 0,
            "converted": 0,
            "transferred_out": 0,
            "removed": 0,
        },
        "gaps": [],
    }


def _report(rng, branch, month, activities, *, due_on, secretary_id, reviewer_id, tz, labels):
    roll = rng.random()
    if roll < 0.04:
        return None, []  # never filed: shows up in the "not filed" list
    status = (
        Status.ACCEPTED
        if roll < 0.86
        else Status.SUBMITTED
        if roll < 0.93
        else (Status.RETURNED if roll < 0.97 else Status.DRAFT)
    )
    late = rng.random() < 0.1
    offset = rng.randint(1, 9) if late else -rng.randint(0, 6)
    submitted = timezone.make_aware(
        datetime.combine(due_on + timedelta(days=offset), time(9 + rng.randint(0, 8))), tz
    )
    members = max(branch.n_full + branch.n_prob, 1)
    paid = members - (1 if rng.random() < 0.1 else 0)
    report = MonthlyReport(
        branch_id=branch.pk,
        month=month,
        due_on=due_on,
        status=status,
        filer_id=secretary_id,
        dues_members_due=members,
        dues_members_paid=paid,
        dues_amount=Decimal(rng.randint(25, 60) * paid) + Decimal("0.50"),
        dues_handed_over_on=due_on - timedelta(days=rng.randint(0, 4)),
        study_hours=Decimal(rng.choice((2, 3, 3, 4, 4.5, 6))),
        study_topics="学习党章党规和上级文件精神",
        next_month_plan="按计划开展主题党日和集中学习，做好党费收缴。",
        declaration=status != Status.DRAFT,
    )
    events = []
    if status != Status.DRAFT:
        report.first_submitted_at = report.submitted_at = submitted
        report.is_late = late
        report.snapshot = _snapshot(activities, branch, labels)
        events.append(("submit", secretary_id, "", submitted))
    if status == Status.ACCEPTED:
        report.reviewed_by_id, report.reviewed_at = reviewer_id, submitted + timedelta(days=2)
        events.append(("accept", reviewer_id, "", report.reviewed_at))
    elif status == Status.RETURNED:
        report.reviewed_by_id, report.reviewed_at = reviewer_id, submitted + timedelta(days=1)
        report.review_comment = "请补充会议记录和签到表照片。"
        events.append(("return", reviewer_id, report.review_comment, report.reviewed_at))
    return report, events


def seed(*, scale, today):
    """Add a year of records and reports; returns counts of what was created."""
    del scale  # the size follows the organizations that already exist
    tz = timezone.get_current_timezone()
    labels = {value: str(label) for value, label in Kind.choices}  # translated once, not per row
    due_day = policy_all()["report.due_day"]
    current = today.replace(day=1)
    months = [current - relativedelta(months=k) for k in range(12, -1, -1)]
    branches, facts, secretaries, reviewers = _branch_facts()
    done = set(Activity.objects.values_list("branch_id", flat=True).distinct())
    activities, reports, events = [], [], {}
    for branch in branches:
        if branch.pk in done:
            continue
        rng = random.Random(f"reports-demo-{branch.pk}")
        year = _branch_year(rng, branch, facts[branch.pk], months, today)
        activities += year
        by_month = defaultdict(list)
        for a in year:
            by_month[a.held_on.replace(day=1)].append(a)
        for month in months:
            due_on = compliance.report_due_on(month, due_day)
            if due_on >= today:
                continue
            report, report_events = _report(
                rng,
                branch,
                month,
                by_month[month],
                due_on=due_on,
                secretary_id=secretaries.get(branch.pk),
                reviewer_id=reviewers.get(branch.unit_id),
                tz=tz,
                labels=labels,
            )
            if report is not None:
                reports.append(report)
                events[(branch.pk, month)] = report_events
    with transaction.atomic():
        created = Activity.objects.bulk_create(activities, batch_size=BATCH)
        decisions = [
            Decision(activity_id=a.pk, subject=a.topic, votes_for=a.present_full, passed=True)
            for a in created
            if a.kind == Kind.ASSEMBLY
        ]
        Decision.objects.bulk_create(decisions, batch_size=BATCH)
        MonthlyReport.objects.bulk_create(reports, batch_size=BATCH, ignore_conflicts=True)
        ids = dict(
            ((branch_id, month), pk)
            for branch_id, month, pk in MonthlyReport.objects.filter(
                branch_id__in={r.branch_id for r in reports}
            ).values_list("branch_id", "month", "pk")
        )
        have_events = set(
            ReportEvent.objects.filter(report_id__in=ids.values()).values_list("report_id", flat=True)
        )
        rows = [
            ReportEvent(report_id=ids[key], action=action, actor_id=actor, comment=comment, revision=1, at=at)
            for key, items in events.items()
            if key in ids and ids[key] not in have_events
            for action, actor, comment, at in items
        ]
        ReportEvent.objects.bulk_create(rows, batch_size=BATCH)
    return {
        "activities": len(created),
        "decisions": len(decisions),
        "reports": len(reports),
        "events": len(rows),
    }
