"""Sign-in sheet import (签到表导入) on the shared spreadsheet import engine.

``AttendanceSheetSpec`` (kind ``training``, registered in ``TrainingConfig.ready``) reads the
first sheet of an uploaded sign-in sheet, matches each row to a member of the organizer's scope
and plans the attendance rows; the engine does the rest (reading, preview, error workbook,
Celery tasks, progress, one transaction on confirm). The job is a ``branches.ImportJob`` with
``params={"event": pk}``.

Rows are matched on 党员编号 (the branch roster number ``Member.number``; the member's id in
the portal is still accepted) or on 姓名 + 支部. Rows that cannot be matched are tagged
``ambiguous`` (namesakes), ``unknown`` or ``invalid`` and skipped (a *partial* import: guests
on a sign-in sheet do not block the others). Matched rows plan as create / update / unchanged
against the stored attendance, so importing the same sheet twice changes nothing.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches import permissions
from branches.imports import engine
from branches.imports import services as import_services
from branches.imports.engine import CODE, Column, ImportSpec, Plan, RowResult, SheetPlan, SheetSpec
from branches.models import ImportJob

from .models import Attendance, TrainingEvent
from .services import eligible_members, refresh_member_years

KIND = "training"
SHEET = "签到表"
MATCHED, AMBIGUOUS, UNKNOWN, INVALID = "matched", "ambiguous", "unknown", "invalid"
STATUS_LABELS = {
    MATCHED: gettext_lazy("已匹配"),
    AMBIGUOUS: gettext_lazy("重名待确认"),
    UNKNOWN: gettext_lazy("未找到"),
    INVALID: gettext_lazy("数据有误"),
}
TRUE_WORDS = {"通过", "合格", "是", "yes", "y", "1", "true", "pass", "passed"}
FALSE_WORDS = {"未通过", "不合格", "否", "no", "n", "0", "false", "fail", "failed"}
ABSENT_WORDS = {"缺席", "未到", "请假", "否", "no", "absent"}
PROGRESS_EVERY = 500


class AttendanceSheetSpec(ImportSpec):
    kind = KIND
    title = gettext_lazy("培训签到表")
    partial = True
    sheets = (
        SheetSpec(
            name=SHEET,
            first_sheet=True,
            columns=(
                Column("name", "姓名", required=True),
                Column("branch", "支部", aliases=("所在支部", "党支部", "所在党支部"), width=24),
                Column("number", "党员编号", kind=CODE, aliases=("编号",)),
                Column("hours", "学时", aliases=("认定学时",)),
                Column("passed", "测试", aliases=("测试结果", "是否通过", "考试结果")),
                Column("present", "签到", aliases=("出勤", "是否出勤")),
            ),
            any_of=("branch", "number"),
            key=("name", "branch", "number"),
            notes="按“党员编号”（支部花名册编号）或“姓名 + 支部”匹配党员；学时留空按本班次学时；"
            "测试填“通过/未通过”；签到填“缺席”则不计学时。",
        ),
    )

    def job_url(self, job):
        return reverse("training:import-detail", args=[job.pk])

    def require_access(self, user, organization):
        """Whoever organizes the event (the job's organization) imports its sign-in sheet."""
        if organization is None:
            raise PermissionDenied
        permissions.require_organize(user, organization)

    def plan(self, rows, *, job, progress, final=False):
        event = TrainingEvent.objects.select_related("organizer").get(pk=job.params["event"])
        sheet = SheetPlan()
        clean = []
        for index, row in enumerate(rows[SHEET], start=1):
            label = " ".join(str(row.values.get(key) or "") for key in ("name", "branch", "number")).strip()
            if row.errors:
                sheet.add(
                    RowResult(row=row.number, action="error", label=label, errors=row.errors, tag=INVALID)
                )
                continue
            try:
                clean.append((row.number, label, _read_row(row.values, event)))
            except RowProblem as problem:
                sheet.add(
                    RowResult(row=row.number, action="error", label=label, errors=[problem.args], tag=INVALID)
                )
            if index % PROGRESS_EVERY == 0:
                progress(index / len(rows[SHEET]) / 2)
        for result in _match(event, clean):
            sheet.add(result)
        sheet.results.sort(key=lambda result: result.row)
        progress(1.0)
        return Plan(sheets={SHEET: sheet}, data=event)

    @transaction.atomic
    def apply(self, plan, *, job, progress):
        event = plan.data
        results = plan.sheets[SHEET].results
        wanted = {r.data[0]: r.data for r in results if r.action in ("create", "update")}
        existing = {
            a.member_id: a for a in Attendance.objects.filter(event=event, member_id__in=list(wanted))
        }
        create, update = [], []
        for member_id, (_member, status, hours, passed) in wanted.items():
            row = existing.get(member_id)
            if row is None:
                create.append(
                    Attendance(
                        event=event,
                        member_id=member_id,
                        status=status,
                        hours_credited=hours,
                        passed=passed,
                        source=Attendance.Source.IMPORT,
                    )
                )
            else:
                row.status, row.hours_credited, row.passed = status, hours, passed
                row.source = Attendance.Source.IMPORT
                update.append(row)
        Attendance.objects.bulk_create(create, batch_size=2000)
        progress(0.5)
        Attendance.objects.bulk_update(
            update, ["status", "hours_credited", "passed", "source", "updated_at"], batch_size=2000
        )
        refresh_member_years(list(wanted), years={event.end_on.year})
        progress(1.0)
        return {
            "created": len(create),
            "updated": len(update),
            "unchanged": sum(1 for r in results if r.action == "unchanged"),
            "skipped": sum(1 for r in results if r.action == "error"),
        }


spec = engine.register(AttendanceSheetSpec())


def _problem(row, label, tag, message):
    return RowResult(row=row, action="error", label=label, errors=[(STATUS_LABELS[tag], message)], tag=tag)


class RowProblem(Exception):
    """A value that makes no sense: ``args`` are (column header, message)."""


def _read_row(values, event):
    """The attendance a clean row asks for; RowProblem when a value makes no sense."""
    number = values.get("number") or ""
    hours = values.get("hours")
    if hours in (None, ""):
        hours = event.hours
    else:
        try:
            hours = Decimal(engine.half_width(str(hours))).quantize(Decimal("0.1"))
        except InvalidOperation:
            raise RowProblem(_("学时"), _("学时“%(value)s”不是数字。") % {"value": hours}) from None
        if hours < 0 or hours > event.hours:
            raise RowProblem(_("学时"), _("学时应在 0 到 %(max)s 之间。") % {"max": event.hours})
    passed = str(values.get("passed") or "").lower()
    if passed and passed not in TRUE_WORDS | FALSE_WORDS:
        raise RowProblem(_("测试"), _("测试结果“%(value)s”无法识别（通过/未通过）。") % {"value": passed})
    attended = str(values.get("present") or "").lower() not in ABSENT_WORDS
    return {
        "name": values["name"],
        "branch": values.get("branch") or "",
        "number": number,
        "status": Attendance.Status.ATTENDED if attended else Attendance.Status.ABSENT,
        "hours": hours if attended else Decimal("0"),
        "passed": (passed in TRUE_WORDS) if passed and event.has_test and attended else None,
    }


def _match(event, rows):
    """RowResults for clean rows, matched to members of the organizer's scope in four queries."""
    members = eligible_members(event)
    names = {row["name"] for _no, _label, row in rows}
    numbers = {row["number"] for _no, _label, row in rows if row["number"]}
    fields = ("pk", "name", "branch__name")
    by_name, by_number, by_pk = {}, {}, {}
    for pk, name, branch in members.filter(name__in=names).values_list(*fields):
        by_name.setdefault(name, []).append((pk, branch))
    for number, pk, name, branch in members.filter(number__in=numbers).values_list("number", *fields):
        by_number.setdefault(number, []).append((pk, name, branch))
    ids = {int(n) for n in numbers if n.isdigit() and len(n) < 19}
    for pk, name, branch in members.filter(pk__in=ids).values_list(*fields):
        by_pk[str(pk)] = [(pk, name, branch)]
    matched, results, seen = [], [], {}
    for row_no, label, row in rows:
        member_id, tag, message = _match_one(row, by_name, by_number, by_pk)
        if member_id is not None and member_id in seen:
            tag, message = INVALID, _("与第 %(row)s 行是同一人。") % {"row": seen[member_id]}
        if tag != MATCHED:
            results.append(_problem(row_no, label, tag, message))
            continue
        seen[member_id] = row_no
        matched.append((row_no, label, member_id, row))
    stored = {
        a["member_id"]: a
        for a in Attendance.objects.filter(event=event, member_id__in=list(seen)).values(
            "member_id", "status", "hours_credited", "passed"
        )
    }
    for row_no, label, member_id, row in matched:
        data = (member_id, row["status"], row["hours"], row["passed"])
        old = stored.get(member_id)
        result = RowResult(
            row=row_no, action="create", key=str(member_id), label=label, data=data, tag=MATCHED
        )
        if old is not None:
            changes = [
                (header, before, after)
                for header, before, after in (
                    (
                        _("状态"),
                        Attendance.Status(old["status"]).label,
                        Attendance.Status(row["status"]).label,
                    ),
                    (_("学时"), old["hours_credited"], row["hours"]),
                    (_("测试"), old["passed"], row["passed"]),
                )
                if before != after
            ]
            result.action, result.changes = ("update" if changes else "unchanged"), changes
        results.append(result)
    return results


def _match_one(row, by_name, by_number, by_pk):
    """(member id, tag, message) of one row."""
    if row["number"]:
        candidates = [c for c in by_number.get(row["number"], ()) if c[1] == row["name"]]
        if row["branch"] and len(candidates) > 1:
            candidates = [c for c in candidates if c[2] == row["branch"]]
        if not candidates:  # the member's id in the portal, as earlier sheets used
            candidates = [c for c in by_pk.get(row["number"], ()) if c[1] == row["name"]]
        if len(candidates) == 1:
            return candidates[0][0], MATCHED, ""
        if candidates:
            where = "、".join(sorted({c[2] for c in candidates}))
            return None, AMBIGUOUS, _("编号重复：%(where)s。请填写支部全称。") % {"where": where}
        if not row["branch"]:
            return None, UNKNOWN, _("党员编号与姓名对不上，或不在主办组织范围内。")
    candidates = by_name.get(row["name"], [])
    if row["branch"]:
        exact = [c for c in candidates if c[1] == row["branch"]]
        candidates = exact or [c for c in candidates if row["branch"] in c[1]]
    if not candidates:
        return None, UNKNOWN, _("主办组织范围内没有此姓名和支部的党员。")
    if len(candidates) > 1:
        where = "、".join(sorted({branch for _pk, branch in candidates}))
        return None, AMBIGUOUS, _("重名：%(where)s。请填写支部全称或党员编号。") % {"where": where}
    return candidates[0][0], MATCHED, ""


# --- services -------------------------------------------------------------------------------------


def jobs_for_event(event):
    return ImportJob.objects.filter(kind=KIND, params__event=event.pk)


def counts(job):
    """{matched, ambiguous, unknown, invalid} of a previewed job."""
    found = dict.fromkeys(STATUS_LABELS, 0)
    for sheet in (job.preview or {}).get("sheets", ()):
        for tag, count in sheet.get("tags", {}).items():
            found[tag] = found.get(tag, 0) + count
    return found


def import_start(*, event, user, upload):
    """Store an uploaded sheet and queue its preview. Nothing about attendance is written."""
    permissions.require_organize(user, event.organizer)
    return import_services.import_job_create(
        kind=KIND, upload=upload, user=user, organization=event.organizer, params={"event": event.pk}
    )


def import_confirm(*, job, user):
    """Queue the write of a previewed job's matched rows; a second click is refused."""
    event = TrainingEvent.objects.select_related("organizer").get(pk=job.params["event"])
    permissions.require_organize(user, event.organizer)
    return import_services.import_job_confirm(job=job, user=user)
