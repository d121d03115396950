"""Onboarding import: a unit's organizations, members, terms and posts from one workbook.

Stable keys (also written in each sheet's notes row of the template):

* organization: its **name path** from the unit committee, e.g. ``甲厅机关党委/第一党总支/第三党支部``
  (the first part may also be the unit's short name, ``甲厅``); names are unique among siblings;
* member: the **党员编号 within the branch** (the branch path plus the number); a member
  entered by hand without a number is matched once by name and birth date and gets the number;
* term: the branch path plus the election date; post: term, member number and post.

Nothing is ever deleted: a member of a listed branch missing from the workbook is reported.
Rows outside the uploader's scope (unit staff: their unit) are errors. Writes go through
``branches.services`` (organization_create/update, members_create_batch, member_update,
term_start/update, post_assign/approve); the ORG/COM checks run on the result.

Memory: the rows are streamed from the engine's spool; the members sheet is planned in chunks
of ``BATCH`` rows with the existing members of each chunk's branches loaded per chunk, and
a confirmed job is written while it is re-planned (members in batches, in the one transaction),
so no sheet's results are held. What stays for the whole run is small per row: the tree of the
listed units, the (branch, number) keys seen (duplicate check), the ids of matched members (the
missing-member report) and the members the posts sheet names.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from types import SimpleNamespace

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from django.db.models import Max, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches import checks, permissions, services
from branches.models import Member, Organization, Post, Term
from branches.permissions import Action
from branches.policy import policy_get

from .engine import (
    BOOL,
    CHOICE,
    CODE,
    DATE,
    INT,
    Column,
    ImportSpec,
    Plan,
    RowResult,
    SheetPlan,
    SheetSpec,
    register,
    show,
)

Kind = Organization.Kind
ORGS, MEMBERS, TERMS, POSTS = "组织", "党员", "届次", "职务"
BATCH = 2000
_SPLIT = re.compile(r"\s*[/／>＞\\]\s*")


def _choices(choices, allowed=None):
    return tuple((value, label) for value, label in choices if allowed is None or value in allowed)


# Headers and sheet names are Chinese in every UI language: a workbook filled by one user must
# match the headers another user's upload is read with.
ORG_COLUMNS = (
    Column("parent", "上级组织", required=True, width=30, hint="如：甲厅机关党委/第一党总支"),
    Column("name", "组织名称", required=True, width=24),
    Column(
        "kind",
        "组织类型",
        kind=CHOICE,
        required=True,
        choices=_choices(Kind.choices, {Kind.GENERAL_BRANCH, Kind.BRANCH, Kind.PARTY_CELL}),
    ),
    Column("category", "分类", kind=CHOICE, choices=_choices(Organization.Category.choices)),
    Column("is_joint", "联合党支部", kind=BOOL),
    Column("units_covered", "覆盖单位数", kind=INT),
    Column("is_temporary", "临时党支部", kind=BOOL),
    Column("locations", "办公地点数", kind=INT),
    Column("established_on", "成立日期", kind=DATE),
)
MEMBER_COLUMNS = (
    Column(
        "branch",
        "所在支部",
        required=True,
        width=30,
        hint="组织路径，如：甲厅机关党委/第一党支部",
    ),
    Column("number", "党员编号", kind=CODE, required=True, hint="本支部内唯一，重复导入时据此匹配"),
    Column("name", "姓名", required=True, width=10),
    Column(
        "gender",
        "性别",
        kind=CHOICE,
        required=True,
        choices=_choices(Member.Gender.choices),
        width=8,
    ),
    Column("birth_date", "出生日期", kind=DATE, required=True),
    Column("joined_on", "入党日期", kind=DATE, required=True),
    Column(
        "status",
        "党员类别",
        kind=CHOICE,
        required=True,
        choices=_choices(Member.Status.choices),
    ),
    Column("full_since", "转正日期", kind=DATE),
    Column("probation_ends_on", "预备期满日期", kind=DATE),
    Column("is_leading_cadre", "党员领导干部", kind=BOOL),
    Column("cell", "党小组", hint="本支部党小组的名称，可不填"),
)
TERM_COLUMNS = (
    Column("org", "组织", required=True, width=30, hint="党支部或党总支的组织路径"),
    Column("elected_on", "选举日期", kind=DATE, required=True),
    Column("length_years", "任期（年）", kind=INT),
    Column("has_committee", "设支部委员会", kind=BOOL),
)
POST_COLUMNS = (
    Column("org", "组织", required=True, width=30),
    Column("elected_on", "届次选举日期", kind=DATE, hint="不填表示当前届次"),
    Column("number", "党员编号", kind=CODE, required=True),
    Column("name", "姓名", width=10, hint="用于核对，须与党员编号一致"),
    Column("role", "职务", kind=CHOICE, required=True, choices=_choices(Post.Role.choices)),
    Column("started_on", "任职日期", kind=DATE, hint="不填时为届次选举日期"),
    Column("approved_on", "上级批准日期", kind=DATE, hint="仅书记、副书记"),
)
MEMBER_FIELDS = [c.key for c in MEMBER_COLUMNS if c.key not in ("branch", "number", "cell")]
ORG_FIELDS = ["category", "is_joint", "units_covered", "is_temporary", "locations", "established_on"]
ORG_H, MEMBER_H, TERM_H, POST_H = (
    {c.key: c.header for c in columns}
    for columns in (ORG_COLUMNS, MEMBER_COLUMNS, TERM_COLUMNS, POST_COLUMNS)
)


@dataclass
class Node:
    """An organization of the tree: existing (``org``) or planned by a row of this import."""

    key: tuple  # (unit id, name, name, ...)
    kind: str
    org: Organization | None = None
    parent: "Node | None" = None
    row: int | None = None
    is_temporary: bool = False
    children: dict = field(default_factory=dict)

    @property
    def label(self):
        return "/".join(self.key[1:])

    def anchor(self):
        """The nearest existing organization (for scope checks of planned nodes)."""
        node = self
        while node is not None and node.org is None:
            node = node.parent
        return node.org if node else None


@dataclass
class State:
    """Everything ``plan`` learnt that ``apply`` needs."""

    nodes: dict = field(default_factory=dict)  # key -> Node
    ambiguous: set = field(default_factory=set)
    members: dict = field(default_factory=dict)  # (branch key, number) -> SimpleNamespace
    terms: dict = field(default_factory=dict)  # (branch key, elected_on) -> SimpleNamespace
    final_term: dict = field(default_factory=dict)  # branch key -> term namespace active after import
    touched: set = field(default_factory=set)  # branch keys the import writes to or lists


class OnboardingSpec(ImportSpec):
    kind = "onboarding"
    title = gettext_lazy("组织与党员信息导入")
    filename = "onboarding-template.xlsx"

    @property
    def sheets(self):
        return (
            SheetSpec(
                ORGS,
                ORG_COLUMNS,
                key=("parent", "name"),
                notes=_(
                    "说明：每行一个下设组织（党总支、党支部、党小组），第 2 行为表头，带 * 为必填，从第 3 行起填写。"
                    "匹配方式：按“上级组织/组织名称”组成的名称路径匹配已有组织（路径从机关党委名称开始，用 / 分隔），"
                    "相同则更新，不同则新建；不会删除任何组织。日期格式如 2026-01-05。"
                ),
            ),
            SheetSpec(
                MEMBERS,
                MEMBER_COLUMNS,
                key=("branch", "number"),
                notes=_(
                    "说明：每行一名党员，不含身份证号。匹配方式：按“所在支部 + 党员编号”匹配（编号在本支部内唯一）；"
                    "已手工录入但没有编号的党员按姓名和出生日期匹配一次并补记编号。"
                    "本表未列出的在册党员不会被删除，只在预览中列出。预备党员须填预备期满日期；转正日期不能早于入党日期。"
                ),
            ),
            SheetSpec(
                TERMS,
                TERM_COLUMNS,
                key=("org", "elected_on"),
                notes=_(
                    "说明：每行一届（党支部或党总支）。匹配方式：按“组织 + 选举日期”匹配。"
                    "新的一届会结束该组织当前的届次及其职务。任期默认 3 年；“设支部委员会”默认为是。"
                ),
            ),
            SheetSpec(
                POSTS,
                POST_COLUMNS,
                key=("org", "elected_on", "number", "role"),
                notes=_(
                    "说明：每行一个委员职务。匹配方式：按“组织 + 届次选举日期 + 党员编号 + 职务”匹配；"
                    "届次选举日期不填表示当前届次。预备党员不能担任委员，每届只能有一名在任书记。"
                ),
            ),
        )

    # --- planning --------------------------------------------------------------------------------

    def plan(self, rows, *, job, progress, final=False):
        """Classify the rows sheet by sheet, streaming the members (bounded memory).

        Re-planning a confirmed job (``final``, inside the write transaction) writes as it
        goes: each sheet's rows go to ``_Writer`` (members in batches of ``BATCH``) while no
        error has been found; an error stops the writing and ``apply_job`` rolls it all back.
        """
        user = job.uploaded_by
        state = State()
        sheets = {name: SheetPlan(keep=False) for name in (ORGS, MEMBERS, TERMS, POSTS)}
        writer = _Writer(state, sheets) if final else None
        plan = Plan(sheets=sheets, data=writer)
        planner = _Planner(user, state, rows, final=final, writer=writer)
        progress(0.05)
        planner.orgs(sheets[ORGS])
        progress(0.15)
        plan.notes.extend(planner.members(sheets[MEMBERS], progress.part(0.15, 0.85)))
        planner.terms(sheets[TERMS])
        progress(0.92)
        planner.posts(sheets[POSTS])
        progress(1.0)
        return plan

    # --- writing ---------------------------------------------------------------------------------

    def apply(self, plan, *, job, progress):
        """The rows were written while re-planning (``plan(final=True)``); finish and sum up."""
        writer = plan.data
        result = {"sheets": [], "notes": plan.to_json()["notes"], "checks": writer.check_summary()}
        progress(0.9)
        for name, sheet in plan.sheets.items():
            counts = sheet.summary().counts
            result["sheets"].append(
                {"name": name, "counts": {a: counts[a] for a in ("create", "update", "unchanged")}}
            )
        result["branch_ids"] = writer.branch_ids[:20]
        progress(1.0)
        return result


spec = register(OnboardingSpec())


def _messages(exc, headers):
    """(header, message) pairs of a ValidationError, naming the column where known."""
    if hasattr(exc, "error_dict"):
        pairs = []
        for name, errors in exc.message_dict.items():
            header = "—" if name == NON_FIELD_ERRORS else headers.get(name, name)
            pairs.extend((header, message) for message in errors)
        return pairs
    return [("—", message) for message in exc.messages]


class _Planner:
    def __init__(self, user, state, rows, *, final=False, writer=None):
        self.user, self.state, self.rows, self.final = user, state, rows, final
        self.writer = writer
        self.sheets = writer.sheets if writer else {}
        self.is_admin = permissions.is_admin(user)
        # Members created by this very transaction (written as it goes) are never "existing".
        self.watermark = Member.objects.aggregate(top=Max("pk"))["top"] or 0 if final else None
        self._load_tree()

    def writing(self):
        """Whether rows are written as they are planned: re-planning a confirmed job, no error yet."""
        return self.writer is not None and not any(
            sheet.summary().counts["error"] for sheet in self.sheets.values()
        )

    # --- the tree --------------------------------------------------------------------------------

    def _first_parts(self):
        firsts = set()
        for name, key in ((ORGS, "parent"), (MEMBERS, "branch"), (TERMS, "org"), (POSTS, "org")):
            for row in self.rows.get(name, ()):
                parts = split_path(row.values.get(key))
                if parts:
                    firsts.add(parts[0])
        return firsts

    def _load_tree(self):
        firsts = self._first_parts()
        units = Organization.objects.filter(kind=Kind.UNIT_COMMITTEE, is_active=True).only(
            "pk", "name", "unit_name", "path", "kind"
        )
        self.units = defaultdict(list)
        for unit in units:
            for name in {unit.name, unit.unit_name} - {""}:
                if name in firsts:
                    self.units[name].append(unit)
        wanted = {unit.pk: unit for found in self.units.values() for unit in found}
        nodes = self.state.nodes
        for unit in wanted.values():
            nodes[(unit.pk,)] = Node(key=(unit.pk,), kind=Kind.UNIT_COMMITTEE, org=unit)
        by_id = {unit.pk: nodes[(unit.pk,)] for unit in wanted.values()}
        below = (
            Organization.objects.filter(unit_id__in=list(wanted), is_active=True)
            .exclude(kind=Kind.UNIT_COMMITTEE)
            .order_by("depth", "pk")
        )
        for org in below:
            parent = by_id.get(org.parent_id)
            if parent is None:
                continue
            key = (*parent.key, org.name)
            if key in nodes:
                self.state.ambiguous.add(key)
                continue
            node = Node(key=key, kind=org.kind, org=org, parent=parent, is_temporary=org.is_temporary)
            nodes[key] = by_id[org.pk] = node

    def resolve(self, text, header):
        """(key, None) for a path, or (None, (header, message)) when its unit is unknown."""
        parts = split_path(text)
        if not parts:
            return None, (header, _("必填项未填写。"))
        units = self.units.get(parts[0], [])
        if not units:
            return None, (
                header,
                _("找不到机关党委“%(name)s”（路径须从机关党委名称开始）。") % {"name": parts[0]},
            )
        if len(units) > 1:
            return None, (header, _("“%(name)s”对应多个机关党委，请写全称。") % {"name": parts[0]})
        return (units[0].pk, *parts[1:]), None

    def node(self, key, header, *, kinds=None):
        """(Node, None) or (None, error) for a resolved key; checks ambiguity, kind and scope."""
        if key in self.state.ambiguous:
            return None, (
                header,
                _("名称路径“%(path)s”对应多个组织，请先在系统中区分名称。") % {"path": self._label(key)},
            )
        node = self.state.nodes.get(key)
        if node is None:
            return None, (
                header,
                _("找不到组织“%(path)s”（请先在“组织”表中列出，或检查名称）。") % {"path": self._label(key)},
            )
        if kinds and node.kind not in kinds:
            names = "、".join(str(Kind(k).label) for k in kinds)
            return None, (
                header,
                _("“%(path)s”是%(kind)s，这里须为%(names)s。")
                % {"path": self._label(key), "kind": Kind(node.kind).label, "names": names},
            )
        error = self.scope_error(node, header)
        return (None, error) if error else (node, None)

    def scope_error(self, node, header):
        anchor = node.anchor()
        if self.is_admin or (anchor is not None and permissions.can(self.user, Action.IMPORT, anchor)):
            return None
        return header, _("“%(path)s”不在您的管辖范围内，只能导入本单位的组织和党员。") % {
            "path": self._label(node.key)
        }

    def _label(self, key):
        node = self.state.nodes.get(key[:1])
        unit = node.org.name if node else "?"
        return "/".join((unit, *key[1:]))

    # --- organizations ---------------------------------------------------------------------------

    def orgs(self, sheet):
        rows = self.rows.get(ORGS, [])
        resolved = []
        for row in rows:
            key, error = self.resolve(row.values.get("parent"), ORG_H["parent"])
            resolved.append((len(key) if key else 0, row.number, row, key, error))
        seen = {}
        planned = []
        for _depth, _number, row, parent_key, error in sorted(resolved, key=lambda item: item[:2]):
            result = RowResult(row=row.number, action="error", errors=list(row.errors))
            values = row.values
            name = values.get("name")
            if parent_key is not None and name:
                result.key = result.label = self._label((*parent_key, name))
            if error:
                result.errors.append(error)
            if result.errors:
                sheet.add(result)
                continue
            parent, error = self.node(parent_key, ORG_H["parent"])
            if error:
                result.errors.append(error)
                sheet.add(result)
                continue
            key = (*parent_key, name)
            if key in seen:
                result.errors.append((ORG_H["name"], _("与第 %(row)d 行重复。") % {"row": seen[key]}))
                sheet.add(result)
                continue
            seen[key] = row.number
            try:
                services.validate_parent(values["kind"], parent)
            except ValidationError as exc:
                result.errors.extend((ORG_H["kind"], m) for m in exc.messages)
                sheet.add(result)
                continue
            given = {name: values[name] for name in ORG_FIELDS if values.get(name) is not None}
            existing = self.state.nodes.get(key)
            if key in self.state.ambiguous:
                result.errors.append((ORG_H["name"], _("名称路径对应多个组织，请先在系统中区分名称。")))
            elif existing is not None and existing.row is None:
                self._org_update(result, existing, values, given)
            else:
                self._org_create(result, key, parent, values, given)
            sheet.add(result)
            if result.action in ("create", "update"):
                planned.append(result)
        if self.writing():
            self.writer.orgs(planned)

    def _org_update(self, result, existing, values, given):
        if existing.kind != values["kind"]:
            result.errors.append(
                (
                    ORG_H["kind"],
                    _("已有组织的类型是%(kind)s，导入不能更改组织类型。")
                    % {"kind": Kind(existing.kind).label},
                )
            )
            return
        changes = {name: value for name, value in given.items() if getattr(existing.org, name) != value}
        candidate = Organization(
            name=existing.org.name, kind=existing.kind, **{**_org_values(existing.org), **changes}
        )
        errors = _org_errors(candidate)
        if errors:
            result.errors.extend(errors)
            return
        existing.is_temporary = candidate.is_temporary
        if changes:
            result.action = "update"
            result.changes = [(ORG_H[n], getattr(existing.org, n), v) for n, v in changes.items()]
            result.data = {"key": existing.key, "changes": changes}
        else:
            result.action = "unchanged"

    def _org_create(self, result, key, parent, values, given):
        candidate = Organization(name=values["name"], kind=values["kind"], **given)
        errors = _org_errors(candidate)
        if errors:
            result.errors.extend(errors)
            return
        node = Node(
            key=key, kind=values["kind"], parent=parent, row=result.row, is_temporary=candidate.is_temporary
        )
        self.state.nodes[key] = node
        result.action = "create"
        result.label = f"{result.label}（{Kind(values['kind']).label}）"
        result.data = {"key": key, "name": values["name"], "kind": values["kind"], "fields": given}

    # --- members ---------------------------------------------------------------------------------

    def members(self, sheet, progress):
        """Plan the members sheet in chunks of ``BATCH`` rows, streamed from the spooled rows.

        Kept for the whole sheet: the (branch, number) keys seen (duplicates), the ids of the
        matched members (the missing-member report) and the members the posts sheet names;
        the existing members are loaded per chunk, for the chunk's branches only.
        """
        rows = self.rows.get(MEMBERS, [])
        total = max(len(rows), 1)
        wanted = self._post_member_keys()
        seen = {}
        matched = set()
        existing = {}
        done = 0
        iterator = iter(rows)
        while chunk := list(islice(iterator, BATCH)):
            prepared = [self._member_branch(row) for row in chunk]
            existing = self._existing_members(
                {
                    branch.org.pk
                    for branch, _error in prepared
                    if branch is not None and branch.org is not None
                },
                existing,
            )
            for row, (branch, error) in zip(chunk, prepared, strict=True):
                result = self._member(sheet, row, branch, error, seen, existing)
                if result.action == "error":
                    continue
                number = row.values["number"]
                if (branch.key, number) in wanted:
                    self.state.members[(branch.key, number)] = result.member
                if result.member.pk is not None:
                    matched.add(result.member.pk)
                if self.writing():
                    self.writer.member(result)
            done += len(chunk)
            progress(done / total)
        if self.writing():
            self.writer.flush_members()
        return self._missing_members(matched)

    def _member_branch(self, row):
        branch, error = None, None
        if row.values.get("branch"):
            key, error = self.resolve(row.values["branch"], MEMBER_H["branch"])
            if error is None:
                branch, error = self.node(key, MEMBER_H["branch"], kinds=(Kind.BRANCH,))
        return branch, error

    def _member(self, sheet, row, branch, error, seen, existing):
        result = RowResult(row=row.number, action="error", errors=list(row.errors))
        values = row.values
        if error:
            result.errors.append(error)
        number = values.get("number")
        if branch is not None and number:
            result.key = f"{branch.label}#{number}"
            result.label = f"{values.get('name') or ''}（{branch.label}，{number}）"
            if (branch.key, number) in seen:
                result.errors.append(
                    (
                        MEMBER_H["number"],
                        _("与第 %(row)d 行的党员编号重复（同一支部内编号须唯一）。")
                        % {"row": seen[(branch.key, number)]},
                    )
                )
            else:
                seen[(branch.key, number)] = row.number
        cell = None
        if branch is not None and values.get("cell"):
            cell = self.state.nodes.get((*branch.key, values["cell"]))
            if cell is None or cell.kind != Kind.PARTY_CELL:
                result.errors.append(
                    (MEMBER_H["cell"], _("本支部没有名为“%(name)s”的党小组。") % {"name": values["cell"]})
                )
        if not result.errors:
            self.state.touched.add(branch.key)
            current = None
            if branch.org is not None:
                by_number, by_person = existing.get(branch.org.pk, ({}, {}))
                current = by_number.get(number)
                if current is None:
                    current = by_person.get((values["name"], values["birth_date"]))
            self._member_row(result, branch, cell, number, values, current)
        sheet.add(result)
        return result

    def _post_member_keys(self):
        """(branch key, number) of every member the posts sheet names (resolved loosely)."""
        keys = set()
        for row in self.rows.get(POSTS, ()):
            key, error = self.resolve(row.values.get("org"), POST_H["org"])
            if error is None and row.values.get("number"):
                keys.add((key, row.values["number"]))
        return keys

    def _existing_members(self, branch_ids, previous):
        """{branch id: (by number, by (name, birth date) among members without a number)} for
        ``branch_ids``, reusing what ``previous`` (the last chunk's) already holds."""
        found = {pk: previous[pk] for pk in branch_ids if pk in previous}
        load = [pk for pk in branch_ids if pk not in found]
        if not load:
            return found
        fields = ["pk", "branch_id", "number", "cell_id", "state", "version", *MEMBER_FIELDS]
        query = Member.objects.filter(branch_id__in=load)
        if self.watermark is not None:
            query = query.filter(pk__lte=self.watermark)
        for pk in load:
            found[pk] = ({}, {})
        for row in query.values(*fields).iterator(chunk_size=5000):
            member = SimpleNamespace(**row)
            by_number, by_person = found[member.branch_id]
            if member.number:
                by_number[member.number] = member
            else:
                by_person.setdefault((member.name, member.birth_date), member)
        return found

    def _member_row(self, result, branch, cell, number, values, current):
        given = {name: values[name] for name in MEMBER_FIELDS if values.get(name) is not None}
        if current is None:
            # Re-planning a confirmed job: these values were checked in the preview and
            # members_create_batch checks them again on write, so no candidate is built here.
            candidate = None if self.final else Member(number=number, **given)
            changes = None
        else:
            base = {name: getattr(current, name) for name in MEMBER_FIELDS}
            changes = {name: value for name, value in given.items() if base[name] != value}
            if current.number != number:
                changes["number"] = number
            cell_id = cell.org.pk if cell is not None and cell.org is not None else None
            if values.get("cell") and (cell is None or cell.org is None or current.cell_id != cell_id):
                changes["cell"] = values["cell"]
            candidate = Member(
                number=number, **{**base, **{k: v for k, v in changes.items() if k not in ("cell", "number")}}
            )
        try:
            if candidate is not None and (current is None or changes):
                # An unchanged row writes nothing: the stored member is not checked again.
                services.member_validate(candidate, batch=True)
        except ValidationError as exc:
            result.errors.extend(_messages(exc, MEMBER_H))
            return
        result.member = SimpleNamespace(
            pk=current.pk if current else None,
            name=given.get("name", current.name if current else ""),
            status=given.get("status", current.status if current else Member.Status.FULL),
            state=current.state if current else Member.State.ACTIVE,
            branch_key=branch.key,
        )
        data = {"branch": branch.key, "cell": cell.key if cell else None, "number": number}
        if current is None:
            result.action, result.data = "create", {**data, "fields": given}
        elif changes:
            result.action = "update"
            result.changes = [
                (MEMBER_H[n], getattr(current, n, None) if n != "cell" else "", v) for n, v in changes.items()
            ]
            fields = {k: v for k, v in changes.items() if k != "cell"}
            result.data = {
                **data,
                "pk": current.pk,
                "version": current.version,
                "fields": fields,
                "set_cell": "cell" in changes,
            }
        else:
            result.action = "unchanged"

    def _missing_members(self, matched):
        """Active members of the listed branches that no row matched (reported, never deleted)."""
        branches = {}
        for key in self.state.touched:
            node = self.state.nodes[key]
            if node.org is not None and node.row is None:  # existed before this import
                branches[node.org.pk] = node
        query = Member.objects.filter(branch_id__in=list(branches), state=Member.State.ACTIVE)
        if self.watermark is not None:
            query = query.filter(pk__lte=self.watermark)
        count, lines = 0, []
        for pk, branch_id, name, number in (
            query.order_by("branch_id", "number", "pk")
            .values_list("pk", "branch_id", "name", "number")
            .iterator(chunk_size=5000)
        ):
            if pk in matched:
                continue
            count += 1
            if len(lines) < 200:
                lines.append(
                    _("%(branch)s：%(name)s（编号 %(number)s）不在本次导入中，未删除。")
                    % {"branch": branches[branch_id].label, "name": name, "number": number or "—"}
                )
        if not count:
            return []
        return [
            (
                _("名册中有 %(count)d 名党员不在本次导入的表格中（不会被删除，请核对是否已转出）")
                % {"count": count},
                lines,
            )
        ]

    # --- terms -----------------------------------------------------------------------------------

    def terms(self, sheet):
        rows = self.rows.get(TERMS, [])
        prepared = []
        for row in rows:
            result = RowResult(row=row.number, action="error", errors=list(row.errors))
            node = None
            if row.values.get("org"):
                key, error = self.resolve(row.values["org"], TERM_H["org"])
                if error is None:
                    node, error = self.node(key, TERM_H["org"], kinds=(Kind.BRANCH, Kind.GENERAL_BRANCH))
                if error:
                    result.errors.append(error)
            prepared.append((node, row, result))
        existing = self._existing_terms([n for n, _r, _x in prepared if n is not None])
        for node, _row, _result in prepared:
            if node is not None and node.key not in self.state.final_term:
                active = [t for t in existing.get(node.key, {}).values() if t.status == Term.Status.ACTIVE]
                self.state.final_term[node.key] = active[0] if active else None
        for key, terms in existing.items():
            for elected_on, term in terms.items():
                self.state.terms[(key, elected_on)] = term
        ordered = sorted(
            prepared, key=lambda item: (item[1].values.get("elected_on") or _MIN, item[1].number)
        )
        seen = {}
        for node, row, result in ordered:
            self._term_row(node, row, result, seen)
            sheet.add(result)
        if self.writing():
            self.writer.terms([r for _n, _row, r in ordered if r.action in ("create", "update")])

    def _term_row(self, node, row, result, seen):
        if result.errors:
            return
        values = row.values
        elected_on = values["elected_on"]
        result.key = f"{node.label}@{show(elected_on)}"
        result.label = _("%(org)s %(day)s 选举") % {"org": node.label, "day": show(elected_on)}
        if (node.key, elected_on) in seen:
            result.errors.append(
                (
                    TERM_H["elected_on"],
                    _("与第 %(row)d 行重复。") % {"row": seen[(node.key, elected_on)]},
                )
            )
            return
        seen[(node.key, elected_on)] = row.number
        self.state.touched.add(node.key)
        length = values.get("length_years")
        if length is not None and not 1 <= length <= 5:
            result.errors.append((TERM_H["length_years"], _("任期应为 1 至 5 年。")))
            return
        current = self.state.terms.get((node.key, elected_on))
        if current is not None and current.pk is not None:
            self._term_update(result, current, values)
        else:
            self._term_create(result, node, values)

    def _existing_terms(self, nodes):
        ids = {n.org.pk: n.key for n in nodes if n.org is not None}
        found = defaultdict(dict)
        rows = Term.objects.filter(branch_id__in=list(ids)).values(
            "pk", "branch_id", "elected_on", "length_years", "has_committee", "status"
        )
        for row in rows:
            term = SimpleNamespace(**row, planned=False)
            found[ids[term.branch_id]][term.elected_on] = term
        return found

    def _term_update(self, result, current, values):
        changes = {}
        for name in ("length_years", "has_committee"):
            if values.get(name) is not None and getattr(current, name) != values[name]:
                changes[name] = values[name]
        if changes:
            result.action = "update"
            result.changes = [(TERM_H[n], getattr(current, n), v) for n, v in changes.items()]
            result.data = {"pk": current.pk, "changes": changes}
            current.has_committee = changes.get("has_committee", current.has_committee)
        else:
            result.action = "unchanged"

    def _term_create(self, result, node, values):
        previous = self.state.final_term.get(node.key)
        branch = node.org or SimpleNamespace(kind=node.kind, is_temporary=node.is_temporary)
        try:
            services.term_start_check(branch=branch, elected_on=values["elected_on"], previous=previous)
        except ValidationError as exc:
            result.errors.extend((TERM_H["elected_on"], m) for m in exc.messages)
            return
        length = values.get("length_years") or policy_get("term.default_length_years")
        has_committee = values.get("has_committee")
        term = SimpleNamespace(
            pk=None,
            elected_on=values["elected_on"],
            length_years=length,
            has_committee=True if has_committee is None else has_committee,
            status=Term.Status.ACTIVE,
            planned=True,
            branch_key=node.key,
        )
        if previous is not None:
            previous.status = Term.Status.CLOSED
            result.label += _("（将结束 %(day)s 选举的现届次）") % {"day": show(previous.elected_on)}
        self.state.terms[(node.key, term.elected_on)] = term
        self.state.final_term[node.key] = term
        result.action = "create"
        result.data = {
            "branch": node.key,
            "elected_on": term.elected_on,
            "length_years": length,
            "has_committee": term.has_committee,
            "closes_previous": previous is not None,
        }

    # --- posts -----------------------------------------------------------------------------------

    def posts(self, sheet):
        rows = self.rows.get(POSTS, [])
        prepared = []
        for row in rows:
            result = RowResult(row=row.number, action="error", errors=list(row.errors))
            node = None
            if row.values.get("org"):
                key, error = self.resolve(row.values["org"], POST_H["org"])
                if error is None:
                    node, error = self.node(key, POST_H["org"], kinds=(Kind.BRANCH, Kind.GENERAL_BRANCH))
                if error:
                    result.errors.append(error)
            prepared.append((node, row, result))
        self._load_post_context(prepared)
        self._post_rows(prepared)
        for _node, _row, result in prepared:
            sheet.add(result)
        if self.writing():
            self.writer.posts([r for _n, _row, r in prepared if r.action in ("create", "update")])

    def _post_rows(self, prepared):
        taken = {}  # (term id) -> row number of the secretary assigned by this sheet
        seen = {}
        for node, row, result in prepared:
            if result.errors:
                continue
            values = row.values
            term = self._term_for(node, values.get("elected_on"))
            number = values["number"]
            member = self.state.members.get((node.key, number)) or self._extra_members.get((node.key, number))
            role_label = Post.Role(values["role"]).label
            result.key = f"{node.label}#{number}/{values['role']}"
            result.label = f"{node.label} · {role_label} · {member.name if member else number}"
            if term is None:
                result.errors.append((POST_H["elected_on"], _("找不到该届次，请先在“届次”表中列出。")))
                continue
            if member is None:
                result.errors.append(
                    (POST_H["number"], _("本支部没有编号为 %(number)s 的党员。") % {"number": number})
                )
                continue
            if values.get("name") and values["name"] != member.name:
                result.errors.append(
                    (
                        POST_H["name"],
                        _("姓名与党员编号不符（编号 %(number)s 是 %(name)s）。")
                        % {"number": number, "name": member.name},
                    )
                )
                continue
            term_id = id(term)
            dedupe = (term_id, number, values["role"])
            if dedupe in seen:
                result.errors.append((POST_H["role"], _("与第 %(row)d 行重复。") % {"row": seen[dedupe]}))
                continue
            seen[dedupe] = row.number
            current = self._current_post(term, member, values["role"])
            if current is not None:
                self._post_update(result, current, values)
                continue
            secretary = values["role"] == Post.Role.SECRETARY and (
                term_id in taken
                or (
                    term.pk is not None
                    and term.status == Term.Status.ACTIVE
                    and term.pk in self._secretary_terms
                )
            )
            try:
                services.post_assign_check(
                    term=term, member=member, role=values["role"], same_branch=True, secretary_taken=secretary
                )
            except ValidationError as exc:
                result.errors.extend((POST_H["role"], m) for m in exc.messages)
                continue
            if values["role"] == Post.Role.SECRETARY:
                taken[term_id] = row.number
            self.state.touched.add(node.key)
            result.action = "create"
            result.data = {
                "branch": node.key,
                "elected_on": term.elected_on,
                "member": (node.key, number),
                "role": values["role"],
                "started_on": values.get("started_on") or term.elected_on,
                "approved_on": values.get("approved_on"),
            }

    def _load_post_context(self, prepared):
        nodes = [n for n, _r, _x in prepared if n is not None]
        branch_ids = {n.org.pk: n.key for n in nodes if n.org is not None}
        numbers = defaultdict(set)  # branch id -> the member numbers the posts sheet names
        for node, row, _result in prepared:
            if node is not None and node.org is not None and row.values.get("number"):
                numbers[node.org.pk].add(row.values["number"])
        self._extra_members = {}
        for row in _members_by_number(numbers, "pk", "branch_id", "number", "name", "status", "state"):
            key = (branch_ids[row["branch_id"]], row["number"])
            self._extra_members[key] = SimpleNamespace(**row, branch_key=key[0])
        for node in nodes:  # branches without a row in the terms sheet
            if node.key not in self.state.final_term and node.org is not None:
                self.state.final_term[node.key] = None
        known = {key for key, _elected_on in self.state.terms}
        missing = [n for n in nodes if n.org is not None and n.key not in known]
        for key, terms in self._existing_terms(missing).items():
            for elected_on, term in terms.items():
                self.state.terms[(key, elected_on)] = term
                if term.status == Term.Status.ACTIVE:
                    self.state.final_term[key] = term
        term_ids = [
            t.pk for t in self.state.terms.values() if t.pk is not None and t.status == Term.Status.ACTIVE
        ]
        self._posts = defaultdict(dict)
        self._secretary_terms = set()
        for row in Post.objects.filter(term_id__in=term_ids, ended_on__isnull=True).values(
            "pk", "term_id", "member_id", "role", "approved_on"
        ):
            self._posts[row["term_id"]][(row["member_id"], row["role"])] = SimpleNamespace(**row)
            if row["role"] == Post.Role.SECRETARY:
                self._secretary_terms.add(row["term_id"])

    def _term_for(self, node, elected_on):
        if elected_on is None:
            return self.state.final_term.get(node.key)
        return self.state.terms.get((node.key, elected_on))

    def _current_post(self, term, member, role):
        if term.pk is None or member.pk is None or term.status != Term.Status.ACTIVE:
            return None
        return self._posts.get(term.pk, {}).get((member.pk, role))

    def _post_update(self, result, current, values):
        approved = values.get("approved_on")
        if approved is None or approved == current.approved_on or current.role not in Post.APPROVAL_ROLES:
            result.action = "unchanged"
            return
        if current.approved_on is not None:
            result.errors.append(
                (
                    POST_H["approved_on"],
                    _("已记录上级批准日期 %(day)s，导入不能修改。") % {"day": show(current.approved_on)},
                )
            )
            return
        result.action = "update"
        result.changes = [(POST_H["approved_on"], None, approved)]
        result.data = {"post": current.pk, "approved_on": approved}


_MIN = date.min


def _org_values(org):
    return {name: getattr(org, name) for name in ORG_FIELDS}


def _org_errors(candidate):
    errors = []
    try:
        candidate.full_clean(
            exclude=["path", "unit", "parent"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        errors.extend(_messages(exc, ORG_H))
    if candidate.units_covered is not None and candidate.units_covered < 1:
        errors.append((ORG_H["units_covered"], _("覆盖单位数至少为 1。")))
    return errors


def _members_by_number(numbers, *fields):
    """Members (as dicts of ``fields``) by {branch id: {number}}: one query on PostgreSQL (the
    pairs are joined as two arrays), a few hundred branches a query elsewhere."""
    if connection.vendor == "postgresql":
        pairs = [(branch_id, number) for branch_id, wanted in numbers.items() for number in wanted]
        if not pairs:
            return
        table = connection.ops.quote_name(Member._meta.db_table)
        ids = RawSQL(
            f"SELECT m.id FROM {table} m JOIN unnest(%s::bigint[], %s::text[]) AS k(branch_id, number)"
            " ON m.branch_id = k.branch_id AND m.number = k.number",
            ([b for b, _n in pairs], [n for _b, n in pairs]),
        )
        yield from Member.objects.filter(pk__in=ids).values(*fields).iterator(chunk_size=5000)
        return
    items = list(numbers.items())
    for start in range(0, len(items), 500):
        condition = Q()
        for branch_id, wanted in items[start : start + 500]:
            condition |= Q(branch_id=branch_id, number__in=sorted(wanted))
        yield from Member.objects.filter(condition).values(*fields)


def split_path(text):
    if not text:
        return []
    return [part for part in _SPLIT.split(str(text).strip()) if part]


class _Writer:
    """Writes planned rows through the services as the planner hands them over, sheet by sheet
    (parents before children; members in batches, nothing kept once written)."""

    def __init__(self, state, sheets):
        self.state, self.sheets = state, sheets
        self.pending = []  # planned member creates not yet written
        self.terms_by_key = {}
        self.branch_ids = []

    def orgs(self, results):
        """Creates level by level (parents first) in batches; updates one by one."""
        levels = defaultdict(list)
        for result in results:
            if result.action == "create":
                levels[len(result.data["key"])].append(result.data)
        for depth in sorted(levels):
            nodes = [self.state.nodes[data["key"]] for data in levels[depth]]
            created = services.organizations_create_batch(
                organizations=[
                    Organization(
                        name=data["name"], kind=data["kind"], parent=node.parent.org, **data["fields"]
                    )
                    for data, node in zip(levels[depth], nodes, strict=True)
                ]
            )
            for node, org in zip(nodes, created, strict=True):
                node.org = org
        for result in results:
            if result.action == "update":
                node = self.state.nodes[result.data["key"]]
                services.organization_update(organization=node.org, **result.data["changes"])

    def member(self, result):
        data = result.data
        if result.action == "create":
            self.pending.append(data)
            if len(self.pending) >= BATCH:
                self.flush_members()
        elif result.action == "update":
            fields = dict(data["fields"])
            if data["set_cell"]:
                fields["cell"] = self.state.nodes[data["cell"]].org if data["cell"] else None
            services.member_update(member=Member(pk=data["pk"]), expected_version=data["version"], **fields)

    def flush_members(self):
        batch = []
        for data in self.pending:
            cell = self.state.nodes[data["cell"]].org if data["cell"] else None
            batch.append(
                Member(
                    branch=self.state.nodes[data["branch"]].org,
                    cell=cell,
                    number=data["number"],
                    **data["fields"],
                )
            )
        if batch:
            services.members_create_batch(members=batch)
        self.pending = []

    def terms(self, results):
        """First terms of branches without one in a batch; the rest in date order (term_start)."""
        first, later = [], []
        for result in results:
            data = result.data
            if result.action == "create" and not data["closes_previous"]:
                first.append(data)
            else:
                later.append((result.action, data))
        created = services.terms_create_batch(
            terms=[
                Term(
                    branch=self.state.nodes[data["branch"]].org,
                    elected_on=data["elected_on"],
                    length_years=data["length_years"],
                    has_committee=data["has_committee"],
                )
                for data in first
            ]
        )
        for data, term in zip(first, created, strict=True):
            self.terms_by_key[(data["branch"], data["elected_on"])] = term
        for action, data in later:
            if action == "update":
                services.term_update(term=Term(pk=data["pk"]), **data["changes"])
                continue
            term = services.term_start(
                branch=self.state.nodes[data["branch"]].org,
                elected_on=data["elected_on"],
                length_years=data["length_years"],
                has_committee=data["has_committee"],
            )
            self.terms_by_key[(data["branch"], data["elected_on"])] = term

    def posts(self, results):
        creates = [r for r in results if r.action == "create"]
        members = self._load_members([r.data["member"] for r in creates])
        missing_terms = {(r.data["branch"], r.data["elected_on"]) for r in creates} - set(self.terms_by_key)
        if missing_terms:
            self._load_terms(missing_terms)
        services.posts_assign_batch(
            posts=[
                Post(
                    term=self.terms_by_key[(r.data["branch"], r.data["elected_on"])],
                    member=members[r.data["member"]],
                    role=r.data["role"],
                    started_on=r.data["started_on"],
                    approved_on=r.data["approved_on"],
                )
                for r in creates
            ]
        )
        for result in results:
            if result.action == "update":
                services.post_approve(
                    post=Post(pk=result.data["post"]), approved_on=result.data["approved_on"]
                )

    def _load_members(self, keys):
        """{(branch key, number): Member} of the members the posts name (written by now)."""
        numbers = defaultdict(set)
        ids = {}
        for branch_key, number in keys:
            branch_id = self.state.nodes[branch_key].org.pk
            numbers[branch_id].add(number)
            ids[branch_id] = branch_key
        fields = ("pk", "branch_id", "number", "status", "state")
        return {
            (ids[row["branch_id"]], row["number"]): Member(
                **{"id" if f == "pk" else f: row[f] for f in fields}
            )
            for row in _members_by_number(numbers, *fields)
        }

    def _load_terms(self, keys):
        ids = {self.state.nodes[k].org.pk: k for k, _d in keys}
        query = Term.objects.filter(branch_id__in=list(ids), elected_on__in={d for _k, d in keys})
        for term in query:
            self.terms_by_key[(ids[term.branch_id], term.elected_on)] = term

    def check_summary(self):
        """ORG/COM checks on every branch the import listed, and on their units."""
        keys = self.state.touched
        orgs = [self.state.nodes[k].org for k in keys if self.state.nodes[k].org is not None]
        units = {self.state.nodes[k[:1]].org for k in keys}
        self.branch_ids = sorted(org.pk for org in orgs if org.kind == Kind.BRANCH)
        targets = [*orgs, *units]
        if not targets:
            return {"checked": 0, "by_check": [], "failing": []}
        results = checks.run_checks(targets)
        by_check = defaultdict(lambda: [0, ""])
        failing = []
        names = {org.pk: org.name for org in targets}
        for org_id, found in results.items():
            for item in checks.failing(found):
                by_check[(item.check_id, item.severity)][0] += 1
                by_check[(item.check_id, item.severity)][1] = item.title
                failing.append((checks.SEVERITY_ORDER[item.severity], names[org_id], org_id, item))
        failing.sort(key=lambda entry: (entry[0], entry[1], entry[3].check_id))
        return {
            "checked": len(targets),
            "by_check": [
                {"check": check_id, "severity": severity, "title": title, "count": count}
                for (check_id, severity), (count, title) in sorted(by_check.items())
            ],
            "failing": [
                {
                    "org": name,
                    "org_id": org_id,
                    "check": item.check_id,
                    "severity": item.severity,
                    "message": item.message,
                }
                for _order, name, org_id, item in failing[:100]
            ],
        }
