"""The default standard (domain.md §6.4–6.5): six dimensions, 100 points, four tiers.

Plain data plus a loader that works with historical models (``apps.get_model``), so the data
migration and the ``load_default_edition`` command share it. Admins change everything later
by cloning the edition in the portal; nothing here is used at scoring time.
"""

from decimal import Decimal

NAME = "2027 版（默认）"
YEAR = 2027

A, S, M = "auto", "semi", "manual"

# (code, name, name_en, points, items); item = (code, requirement, points, evidence, mode, rule_key, veto)
DIMENSIONS = [
    (
        "basic_duties",
        "基本职责",
        "Basic duties",
        15,
        [
            (
                "1.1",
                "年度工作计划于1月31日前经支委会审议通过，12月31日前形成年度工作总结",
                3,
                "工作计划、总结及审议会议记录",
                A,
                "basic.plan_and_summary",
                False,
            ),
            (
                "1.2",
                "每月至少开展1次集体政治学习，记录主题和学习材料（可结合主题党日）",
                3,
                "标注“学习”的会议记录",
                A,
                "basic.study_monthly",
                False,
            ),
            ("1.3", "书记和各委员职责清单成文并公开", 2, "职责清单", S, "basic.responsibility_list", False),
            (
                "1.4",
                "党建与中心工作融合：每年至少2项支部研究或支持单位中心工作的记录",
                3,
                "标注“中心工作”的决策和活动记录",
                S,
                "basic.center_work",
                False,
            ),
            (
                "1.5",
                "每年至少开展1次廉政或警示教育，纪检委员在组织生活会上报告",
                2,
                "标注“廉政”的记录",
                A,
                "basic.integrity_education",
                False,
            ),
            (
                "1.6",
                "每半年至少开展1次志愿服务或联系群众活动，组织生活会前征求群众意见",
                2,
                "活动记录和意见征求记录",
                S,
                "basic.mass_work",
                False,
            ),
            (
                "1.V",
                "支部发生因管理松懈导致的严重违纪案件（由工委工作人员认定）",
                0,
                "纪律处分决定",
                M,
                "",
                True,
            ),
        ],
    ),
    (
        "deliberation_decisions",
        "议事决策",
        "Deliberation and decisions",
        15,
        [
            ("2.1", "每季度召开党员大会（4次）", 4, "会议记录", A, "life.assembly_quarterly", False),
            (
                "2.2",
                "每月召开支委会（12次）；未设支委会的由书记每月形成工作记录",
                4,
                "会议记录",
                A,
                "life.committee_monthly",
                False,
            ),
            (
                "2.3",
                "党员大会表决均符合到会人数和多数通过规定，记录票数",
                2,
                "表决记录",
                A,
                "life.assembly_votes_valid",
                False,
            ),
            (
                "2.4",
                "重要事项先经支委会研究，再提交党员大会决定",
                2,
                "决策与支委会议题的关联",
                A,
                "decision.committee_first",
                False,
            ),
            (
                "2.5",
                "决策事项有责任人和状态，按期办结率不低于90%",
                2,
                "决策跟踪台账",
                A,
                "decision.follow_up",
                False,
            ),
            (
                "2.6",
                "党务公开：计划、党费、发展党员、换届等信息向党员公开",
                1,
                "公开记录或照片",
                M,
                "",
                False,
            ),
            (
                "2.V",
                "全年有两个及以上季度未召开党员大会，或全年未召开组织生活会",
                0,
                "会议记录",
                A,
                "life.assembly_missing_veto",
                True,
            ),
        ],
    ),
    (
        "organizational_life",
        "组织生活",
        "Organizational life",
        25,
        [
            (
                "3.1",
                "每月在固定日期开展主题党日（12次），记录主题和内容",
                5,
                "主题党日记录",
                A,
                "life.theme_day_monthly",
                False,
            ),
            (
                "3.2",
                "每季度讲1次党课（4次），书记每年至少讲1次",
                4,
                "党课记录",
                A,
                "life.lecture_quarterly",
                False,
            ),
            ("3.3", "设党小组的，各党小组每月召开党小组会", 3, "党小组会记录", A, "life.cell_monthly", False),
            (
                "3.4",
                "每年至少召开1次组织生活会，会前谈心谈话，形成问题清单和整改清单并整改到位",
                5,
                "会议记录和整改台账",
                S,
                "life.org_life_meeting_yearly",
                False,
            ),
            (
                "3.5",
                "开展民主评议党员，正式党员全部评定等次，“优秀”不超过三分之一",
                3,
                "评议记录",
                A,
                "life.democratic_review",
                False,
            ),
            (
                "3.6",
                "正式党员平均参会率不低于目标（默认85%），无连续6个月不参加组织生活的党员",
                3,
                "出勤记录",
                A,
                "life.attendance",
                False,
            ),
            (
                "3.7",
                "党员领导干部参加双重组织生活达到规定次数",
                2,
                "出勤记录",
                A,
                "life.dual_org_life",
                False,
            ),
        ],
    ),
    (
        "member_education_management",
        "党员教育管理",
        "Member education and management",
        20,
        [
            (
                "4.1",
                "党员按月足额交纳党费，无连续3个月以上欠缴，按时上缴",
                4,
                "党费台账",
                A,
                "members.dues_paid",
                False,
            ),
            (
                "4.2",
                "党员年度学习不少于32学时的比例（年中按比例折算）",
                3,
                "培训记录",
                A,
                "members.study_hours",
                False,
            ),
            ("4.3", "谈心谈话每年覆盖全体委员之间和全体党员", 3, "谈话记录", A, "members.talks", False),
            (
                "4.4",
                "发展党员程序规范、时限合规、档案完整",
                4,
                "发展党员档案",
                A,
                "members.development",
                False,
            ),
            (
                "4.5",
                "转入党员1个月内报到登记，无过期介绍信，流动党员有跟踪",
                2,
                "组织关系转接记录",
                A,
                "members.transfers",
                False,
            ),
            (
                "4.6",
                "党员名册准确：每月报送党员变动情况，年底与机关党委统计一致",
                2,
                "月报和核对记录",
                S,
                "members.roster_reconciled",
                False,
            ),
            ("4.7", "关怀激励：走访困难、退休、患病党员，开展“政治生日”等活动", 2, "活动记录", M, "", False),
        ],
    ),
    (
        "organization_building",
        "组织建设",
        "Organization building",
        15,
        [
            (
                "5.1",
                "支部设置符合规定（不少于3名正式党员、党员一般不超过50人、联合支部覆盖单位不超过5个）",
                2,
                "党员名册和组织登记",
                A,
                "org.setup_compliant",
                False,
            ),
            (
                "5.2",
                "班子健全：按规定设立支委会、委员人数合规、书记等职务无空缺，书记和副书记经上级批准",
                3,
                "委员会记录",
                A,
                "org.committee_complete",
                False,
            ),
            (
                "5.3",
                "按期换届：任期未超期（或延期经批准且不超过12个月）",
                4,
                "届次记录",
                A,
                "org.term_on_time",
                False,
            ),
            ("5.4", "委员出缺后在规定期限内补选", 2, "委员任职记录", A, "org.vacancies_filled", False),
            (
                "5.5",
                "书记培训：本年度至少参加1次集中培训，新任书记6个月内完成培训",
                3,
                "培训记录",
                A,
                "training.secretary_trained",
                False,
            ),
            (
                "5.6",
                "党员人数较多或分散的支部划分党小组并明确组长",
                1,
                "党小组登记",
                S,
                "org.cells_set_up",
                False,
            ),
            ("5.V", "任期届满超过12个月未换届", 0, "届次记录", A, "org.term_overdue_veto", True),
        ],
    ),
    (
        "basic_support",
        "基础保障",
        "Basic support",
        10,
        [
            (
                "6.1",
                "三会一课、主题党日、组织生活会、民主评议、谈心谈话、党费、发展党员、党务公开、档案管理等制度成文",
                2,
                "制度文本",
                S,
                "support.systems_written",
                False,
            ),
            (
                "6.2",
                "台账资料完整及时，每月按时报送月报（12次）",
                3,
                "月报报送时间和抽查",
                A,
                "support.monthly_report_on_time",
                False,
            ),
            (
                "6.3",
                "有活动室或共享活动场所，悬挂党旗、入党誓词和制度，设党务公开栏和网上群组",
                2,
                "照片；交叉观摩“看”环节",
                M,
                "",
                False,
            ),
            ("6.4", "有支部活动经费预算，使用有记录", 1, "经费记录", M, "", False),
            (
                "6.5",
                "上次检查或交叉观摩发现的问题全部按期整改",
                2,
                "问题整改台账",
                A,
                "support.rectification_closed",
                False,
            ),
            ("6.V", "检查中发现台账资料弄虚作假", 0, "检查记录", M, "", True),
        ],
    ),
]

# (code, name, cut-off); a triggered veto item forces the lowest tier.
TIERS = [
    ("model", "示范", 90),
    ("compliant", "达标", 75),
    ("basically_compliant", "基本达标", 60),
    ("non_compliant", "不达标", 0),
]


# English requirement texts of the items above (domain.md §6.4 and the veto items of §6.5).
REQUIREMENTS_EN = {
    "1.1": "An annual work plan was approved by the committee by 31 Jan, and a year-end summary was filed by 31 Dec",
    "1.2": "Political study: at least 1 collective study session each month, with topic and material recorded (may be held on the theme day)",
    "1.3": "Responsibility list: the duties of the secretary and each committee member are written down and published",
    "1.4": "Party building joined with the unit's central work: at least 2 recorded items per year where the branch discussed or supported the unit's core tasks",
    "1.5": "Supervision and integrity: at least 1 integrity or warning-education session per year; the discipline member reports at the organizational-life meeting",
    "1.6": "Mass work: at least 1 volunteer or mass-service activity per half year, and opinions from non-members collected before the organizational-life meeting",
    "1.V": "A serious disciplinary case in the branch attributable to lax management (decided by working-committee staff)",
    "2.1": "Members' assembly held in each quarter (4 of 4)",
    "2.2": "Committee meeting held in each month (12 of 12); branches without a committee: the secretary's monthly work note instead",
    "2.3": "Every assembly vote met the quorum and majority rules, with vote counts recorded",
    "2.4": "Important matters were first discussed by the committee, then decided by the assembly",
    "2.5": "Decisions are followed up: each decision has an owner and a status, and at least 90% are closed by their due date",
    "2.6": "Party-affairs disclosure: plan, dues, development and renewal information published to members",
    "2.V": "No members' assembly in two or more quarters of the year, or no organizational-life meeting in the year",
    "3.1": "Theme day held every month (12 of 12) on the branch's fixed day, with theme and content recorded",
    "3.2": "Party lecture each quarter (4 of 4); the secretary lectures at least once a year",
    "3.3": "Cell meetings monthly in each cell (where cells exist)",
    "3.4": "Organizational-life meeting held at least once a year, with pre-meeting talks, a problem list and a rectification list, and rectifications closed",
    "3.5": 'Democratic review held; every full member graded; "excellent" at most 1/3',
    "3.6": "Average attendance of full members at or above the target (default 85%), and no member with 6 months of non-attendance",
    "3.7": "Leading cadres attended dual organizational life the required number of times",
    "4.1": "Dues paid monthly and in full by every member; no arrears of 3 or more months; handed over on schedule",
    "4.2": "Study hours: share of members with at least 32 hours per year (pro-rated during the year)",
    "4.3": "Heart-to-heart talks cover all committee pairs and all members at least once a year",
    "4.4": "Development work follows the procedure and deadlines, with complete files",
    "4.5": "Transfers handled: incoming members registered within 1 month of arrival; no expired letters; mobile members tracked",
    "4.6": "Roster accurate: monthly member-change report filed; data match the organ committee's statistics at year end",
    "4.7": 'Care and encouragement: visits to members in hardship, retired members or members with illness; "Party birthday" talks',
    "5.1": "Set-up compliant (at least 3 full members, normally no more than 50 members, a joint branch covering at most 5 units)",
    "5.2": "Committee complete: committee set up as required, membership compliant, no vacant posts; secretary and deputy approved by the higher level",
    "5.3": "Renewal on time: the term has not expired (or the postponement was approved and is at most 12 months)",
    "5.4": "Vacancies filled by by-election within the set period",
    "5.5": "Secretary trained: at least 1 concentrated training this year; a new secretary trained within 6 months of taking office",
    "5.6": "Cells set up where the branch is large or scattered, with leaders named",
    "5.V": "Term expired for more than 12 months without renewal",
    "6.1": "Core systems in writing: three meetings and one lecture, theme day, organizational-life meeting, democratic review, talks, dues, development, affairs disclosure, records management",
    "6.2": "Records and archives complete and timely, with the monthly report filed on time every month (12 of 12)",
    "6.3": "Venue: an activity room or shared room with the Party flag, the oath and the systems displayed; a disclosure board; an online group",
    "6.4": "Funding: a branch activity budget exists, and its use is recorded",
    "6.5": "Rectification: all issues from the last inspection or cross-observation closed by their deadlines",
    "6.V": "Falsified records found in inspection",
}


def load(Edition, Dimension, Item, Tier):
    """Create the default edition once (published); returns it. Safe to call again."""
    existing = Edition.objects.filter(name=NAME).first()
    if existing is not None:
        return existing
    edition = Edition.objects.create(
        name=NAME,
        year=YEAR,
        total_points=Decimal(100),
        status="published",
        notes="默认六个维度，共100分（domain.md §6.4）。",
    )
    items = []
    for order, (code, name, name_en, points, rows) in enumerate(DIMENSIONS, start=1):
        dimension = Dimension.objects.create(
            edition=edition, code=code, name=name, name_en=name_en, order=order, max_points=points
        )
        for item_order, (icode, requirement, ipoints, evidence, mode, rule_key, veto) in enumerate(rows, 1):
            items.append(
                Item(
                    edition=edition,
                    dimension=dimension,
                    code=icode,
                    order=item_order,
                    requirement=requirement,
                    requirement_en=REQUIREMENTS_EN.get(icode, ""),
                    points=ipoints,
                    evidence=evidence,
                    mode=mode,
                    rule_key=rule_key,
                    is_veto=veto,
                )
            )
    Item.objects.bulk_create(items)
    Tier.objects.bulk_create(
        Tier(edition=edition, code=code, name=name, min_score=cut) for code, name, cut in TIERS
    )
    return edition
