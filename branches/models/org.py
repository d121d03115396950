"""Organization tree, people, committees, terms and the shared notification/policy pieces.

The tree uses a materialized path (``/1/7/42/``) so that "everything under a node" is one
indexed prefix query at any depth.
"""

from datetime import date

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Cast, Concat, Length, Replace
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    # Set by admins (or for demo/imported accounts sharing a published password): until the user
    # picks a new password every page redirects to the password change page.
    must_change_password = models.BooleanField(
        _("下次登录须修改密码"),
        default=False,
        help_text=_("勾选后，该用户登录后必须先修改密码才能使用平台。"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.username


class UnitCategory(models.Model):
    """Admin-configurable kind of unit (党政部门, 政法, 群团, 事业单位, …) used to balance groups."""

    name = models.CharField(_("名称"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("单位类别")
        verbose_name_plural = _("单位类别")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


class Organization(models.Model):
    class Kind(models.TextChoices):
        WORK_COMMITTEE = "work_committee", _("省直机关工委")
        UNIT_COMMITTEE = "unit_committee", _("机关党委")
        GENERAL_BRANCH = "general_branch", _("党总支")
        BRANCH = "branch", _("党支部")
        PARTY_CELL = "party_cell", _("党小组")

    class Category(models.TextChoices):
        PARTY_GOVERNMENT = "party_government", _("党政机关")
        JUDICIAL = "judicial", _("政法机关")
        PUBLIC_INSTITUTION = "public_institution", _("事业单位")
        STATE_ENTERPRISE = "state_enterprise", _("国有企业")
        OTHER = "other", _("其他")

    # Which kinds may sit directly under which: the tree must follow the Party structure.
    ALLOWED_PARENTS = {
        Kind.WORK_COMMITTEE: (),
        Kind.UNIT_COMMITTEE: (Kind.WORK_COMMITTEE,),
        Kind.GENERAL_BRANCH: (Kind.UNIT_COMMITTEE,),
        Kind.BRANCH: (Kind.UNIT_COMMITTEE, Kind.GENERAL_BRANCH),
        Kind.PARTY_CELL: (Kind.BRANCH,),
    }

    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    # The unit committee (机关党委) this node belongs to; null for the work committee itself.
    unit = models.ForeignKey(
        "self",
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="unit_members",
    )
    unit_name = models.CharField(_("机关名称"), max_length=120, blank=True)
    category = models.CharField(
        _("分类"), max_length=24, choices=Category.choices, default=Category.PARTY_GOVERNMENT
    )
    # Units only: the admin-configured category used to balance cross-observation groups.
    unit_category = models.ForeignKey(
        UnitCategory,
        verbose_name=_("单位类别"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
    )
    is_joint = models.BooleanField(_("联合党支部"), default=False)
    units_covered = models.PositiveSmallIntegerField(_("覆盖单位数"), default=1)
    is_temporary = models.BooleanField(_("临时党支部"), default=False)
    locations = models.PositiveSmallIntegerField(_("办公地点数"), default=1)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    # ORG-01 (unit committees only): full members on the unit's roster who belong to no branch,
    # neither one of the unit's own nor a joint branch elsewhere. Members are only ever enrolled
    # in branches, so the unit's office records this number; it is what "a unit with 3 or more
    # full members and no branch" is checked against.
    unaffiliated_full_members = models.PositiveIntegerField(_("未编入支部的正式党员数"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="org_path_prefix", opclasses=["varchar_pattern_ops"]),
            # ORDER BY path (the pattern_ops index above serves only prefixes): lists in tree
            # order walk it and stop after a page (the roster, with member_roster_order).
            models.Index(fields=["path"], name="org_path_order"),
            models.Index(fields=["kind", "unit"], name="org_kind_unit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True, kind="work_committee")
                | Q(parent__isnull=False) & ~Q(kind="work_committee"),
                name="org_root_is_work_committee",
            ),
            # The materialized path cannot be empty or inconsistent, whoever writes the row (the
            # admin, a shell, a bulk insert): "/<ids>/" ending with the node's own id, one segment
            # per level, and only the root at depth 0. That the prefix is the parent's path is
            # kept by the services (organization_create / organization_move), which are tested.
            models.CheckConstraint(
                condition=Q(path__regex=r"^/([0-9]+/)+$"),
                name="org_path_well_formed",
                violation_error_message=_("组织路径格式不正确。"),
            ),
            models.CheckConstraint(
                condition=Q(path__endswith=Concat(Value("/"), Cast("id", models.CharField()), Value("/"))),
                name="org_path_ends_with_own_id",
                violation_error_message=_("组织路径必须以本组织编号结尾。"),
            ),
            models.CheckConstraint(
                condition=Q(depth=Length("path") - Length(Replace("path", Value("/"), Value(""))) - 2),
                name="org_depth_matches_path",
                violation_error_message=_("组织层级与路径不一致。"),
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, depth=0) | Q(parent__isnull=False, depth__gte=1),
                name="org_only_root_at_depth_zero",
                violation_error_message=_("只有根组织的层级为 0。"),
            ),
            models.CheckConstraint(
                condition=Q(units_covered__gte=1),
                name="org_units_covered_positive",
                violation_error_message=_("覆盖单位数至少为 1。"),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("branches:org-detail", args=[self.pk])

    @property
    def is_branch(self):
        return self.kind == self.Kind.BRANCH


class Member(models.Model):
    class Gender(models.TextChoices):
        MALE = "male", _("男")
        FEMALE = "female", _("女")

    class Status(models.TextChoices):
        FULL = "full", _("正式党员")
        PROBATIONARY = "probationary", _("预备党员")

    class State(models.TextChoices):
        ACTIVE = "active", _("在册")
        TRANSFERRED = "transferred", _("已转出")
        REMOVED = "removed", _("已除名")

    branch = models.ForeignKey(
        Organization, verbose_name=_("所在支部"), on_delete=models.PROTECT, related_name="members"
    )
    cell = models.ForeignKey(
        Organization,
        verbose_name=_("党小组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cell_members",
    )
    # The branch's own roster number (党员编号): the stable key of spreadsheet imports.
    number = models.CharField(_("党员编号"), max_length=32, blank=True, default="")
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    joined_on = models.DateField(_("入党日期"))
    status = models.CharField(_("党员类别"), max_length=16, choices=Status.choices, default=Status.FULL)
    probation_ends_on = models.DateField(_("预备期满日期"), null=True, blank=True)
    full_since = models.DateField(_("转正日期"), null=True, blank=True)
    is_leading_cadre = models.BooleanField(_("党员领导干部"), default=False)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.ACTIVE)
    state_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    user = models.OneToOneField(
        User,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    # Optimistic concurrency: every save through services.member_update bumps it, and an edit
    # based on an older version is refused instead of silently overwriting the other editor.
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["branch", "state", "status"], name="member_branch_state"),
            # The roster's order within a branch (branch path, then name, id): a page is read
            # branch by branch in order instead of sorting every member in scope.
            models.Index(fields=["branch", "state", "name", "id"], name="member_roster_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "number"],
                condition=~Q(number=""),
                name="member_number_unique_in_branch",
                violation_error_message=_("本支部已有该党员编号。"),
            ),
            models.CheckConstraint(
                condition=Q(status="full") | Q(probation_ends_on__isnull=False),
                name="member_probation_end_required",
                violation_error_message=_("预备党员必须填写预备期满日期。"),
            ),
            models.CheckConstraint(
                condition=Q(birth_date__lt=models.F("joined_on")),
                name="member_born_before_joining",
                violation_error_message=_("入党日期必须晚于出生日期。"),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("branches:member-detail", args=[self.pk])

    def party_standing_years(self, on=None):
        """Whole years of full membership on a date (党龄 counts from conversion)."""
        return self.standing_years(
            status=self.status,
            full_since=self.full_since,
            joined_on=self.joined_on,
            on=on or timezone.localdate(),
        )

    @classmethod
    def standing_years(cls, *, status, full_since, joined_on, on):
        start = full_since or joined_on
        if status != cls.Status.FULL or start > on:
            return 0
        return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


class Term(models.Model):
    """One term of a branch's committee (or of its lone secretary when it has no committee)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("在任")
        CLOSED = "closed", _("已结束")

    branch = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="terms"
    )
    elected_on = models.DateField(_("选举日期"))
    # Stored per term: the 2018 transition rule lets older terms keep their old length.
    length_years = models.PositiveSmallIntegerField(_("任期（年）"), default=3)
    ends_on = models.DateField(_("任期届满日期"))
    has_committee = models.BooleanField(_("设支部委员会"), default=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    # The ``until`` of the latest approved postponement/advancement (None: none approved), kept
    # by ``renewals.refresh_postponed_until`` whenever a postponement is saved, decided or
    # deleted; the renewal deadline is COALESCE(postponed_until, ends_on) without a subquery
    # per term. Derived, so left out of the term's history.
    postponed_until = models.DateField(null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["postponed_until"])

    class Meta:
        verbose_name = _("届次")
        verbose_name_plural = _("届次")
        ordering = ["-elected_on"]
        indexes = [models.Index(fields=["status", "ends_on"], name="term_status_ends")]
        constraints = [
            models.UniqueConstraint(
                fields=["branch"],
                condition=Q(status="active"),
                name="term_one_active_per_branch",
                violation_error_message=_("该组织已有在任届次，请先结束当前届次。"),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("elected_on")),
                name="term_ends_after_election",
                violation_error_message=_("任期届满日期必须晚于选举日期。"),
            ),
            models.CheckConstraint(
                condition=Q(length_years__gte=1, length_years__lte=5),
                name="term_length_1_to_5",
                violation_error_message=_("任期应为 1 至 5 年。"),
            ),
        ]

    def __str__(self):
        return f"{self.branch} {self.elected_on:%Y-%m-%d}—{self.ends_on:%Y-%m-%d}"

    @staticmethod
    def compute_ends_on(elected_on, length_years):
        try:
            return elected_on.replace(year=elected_on.year + length_years)
        except ValueError:  # 29 February
            return date(elected_on.year + length_years, 2, 28)

    def days_to_expiry(self, today=None):
        return (self.ends_on - (today or timezone.localdate())).days


class Post(models.Model):
    """A committee post held by a member during a term; ``ended_on`` set means vacated."""

    class Role(models.TextChoices):
        SECRETARY = "secretary", _("书记")
        DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
        ORGANIZATION = "organization_officer", _("组织委员")
        PUBLICITY = "publicity_officer", _("宣传委员")
        DISCIPLINE = "discipline_officer", _("纪检委员")
        YOUTH = "youth_officer", _("青年委员")
        OTHER = "other", _("其他委员")

    APPROVAL_ROLES = (Role.SECRETARY, Role.DEPUTY_SECRETARY)

    term = models.ForeignKey(Term, verbose_name=_("届次"), on_delete=models.CASCADE, related_name="posts")
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="posts")
    role = models.CharField(_("职务"), max_length=24, choices=Role.choices)
    started_on = models.DateField(_("任职日期"))
    approved_on = models.DateField(_("上级批准日期"), null=True, blank=True)
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("委员职务")
        verbose_name_plural = _("委员职务")
        ordering = ["term", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["term"],
                condition=Q(role="secretary", ended_on__isnull=True),
                name="post_one_secretary_per_term",
                violation_error_message=_("本届已有在任书记，请先办理原书记离任。"),
            ),
            models.UniqueConstraint(
                fields=["term", "member", "role"],
                condition=Q(ended_on__isnull=True),
                name="post_member_role_once",
                violation_error_message=_("该党员已在本届担任此职务。"),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="post_ends_after_start",
                violation_error_message=_("离任日期不能早于任职日期。"),
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.member}"


class RoleAssignment(models.Model):
    """Grants a user a role over an organization and everything below it."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("系统管理员")
        PROVINCIAL_STAFF = "provincial_staff", _("省直机关工委工作人员")
        UNIT_STAFF = "unit_staff", _("机关党委工作人员")
        SECRETARY = "secretary", _("支部书记")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    organization = models.ForeignKey(
        Organization, verbose_name=_("管辖组织"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "organization"], name="role_assignment_unique"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class PolicySetting(models.Model):
    """An admin-set override of one policy default (see branches/policy.py for the keys)."""

    key = models.CharField(_("键"), max_length=80, unique=True)
    value = models.JSONField(_("值"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")

    def __str__(self):
        return self.key


class JobHeartbeat(models.Model):
    """Last run of each periodic job, so operators can see that beat and workers are alive."""

    name = models.CharField(max_length=80, unique=True)
    last_run_at = models.DateTimeField()
    runs = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.name
