"""Sign-in sheet import (签到表导入): read → match → preview → confirm in one transaction.

Everything specific to training sits in ``AttendanceSheetSpec``; the generic steps around it
(``run_preview``, ``run_confirm``, the error workbook, progress on the job row) are the small
interface the shared spreadsheet import engine (branches/imports/engine.py, built in parallel)
provides. At merge the spec moves onto that engine and ``AttendanceImport`` onto its ImportJob:

    spec.columns            header aliases → field
    spec.read_row(values)   raw cells → dict of clean values, or raises ValidationError
    spec.match(rows)        [RowOutcome] with status matched / ambiguous / unknown / invalid
    spec.apply(outcomes)    writes the matched rows, returns {"created", "updated", "unchanged"}

Re-importing the same sheet changes nothing: apply writes only rows whose status, hours or
test result differ from what is stored.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from branches.xlsx import xlsx_bytes

from .models import Attendance, AttendanceImport
from .services import eligible_members, refresh_member_years

MATCHED, AMBIGUOUS, UNKNOWN, INVALID = "matched", "ambiguous", "unknown", "invalid"
STATUS_LABELS = {
    MATCHED: "已匹配",
    AMBIGUOUS: "重名待确认",
    UNKNOWN: "未找到",
    INVALID: "数据有误",
}
MAX_ROWS = 20000
PROGRESS_EVERY = 500
TRUE_WORDS = {"通过", "合格", "是", "yes", "y", "1", "true", "pass", "passed"}
FALSE_WORDS = {"未通过", "不合格", "否", "no", "n", "0", "false", "fail", "failed"}
ABSENT_WORDS = {"缺席", "未到", "请假", "否", "no", "absent"}


@dataclass
class RowOutcome:
    row_no: int
    values: dict
    status: str
    member_id: int | None = None
    message: str = ""

    def as_json(self):
        return [self.row_no, self.values, self.status, self.member_id, self.message]

    @classmethod
    def from_json(cls, item):
        return cls(*item)


class AttendanceSheetSpec:
    """Rows of a sign-in sheet: name with branch, or member number (the member's id in the portal)."""

    columns = {
        "name": ("姓名",),
        "branch": ("支部", "所在支部", "党支部", "所在党支部"),
        "number": ("党员编号", "编号"),
        "hours": ("学时", "认定学时"),
        "passed": ("测试", "测试结果", "是否通过", "考试结果"),
        "present": ("签到", "出勤", "是否出勤"),
    }
    required = ("name",)

    def __init__(self, event):
        self.event = event

    def read_row(self, values):
        name = str(values.get("name") or "").strip()
        if not name:
            raise ValidationError(_("姓名为空。"))
        number = values.get("number")
        number = str(number).strip() if number not in (None, "") else ""
        if number.endswith(".0"):
            number = number[:-2]
        if number and not number.isdigit():
            raise ValidationError(_("党员编号“%(value)s”不是数字。") % {"value": number})
        hours = values.get("hours")
        if hours in (None, ""):
            hours = self.event.hours
        else:
            try:
                hours = Decimal(str(hours)).quantize(Decimal("0.1"))
            except InvalidOperation:
                raise ValidationError(_("学时“%(value)s”不是数字。") % {"value": hours}) from None
            if hours < 0 or hours > self.event.hours:
                raise ValidationError(_("学时应在 0 到 %(max)s 之间。") % {"max": self.event.hours})
        passed = str(values.get("passed") or "").strip().lower()
        if passed and passed not in TRUE_WORDS | FALSE_WORDS:
            raise ValidationError(_("测试结果“%(value)s”无法识别（通过/未通过）。") % {"value": passed})
        present = str(values.get("present") or "").strip().lower()
        attended = present not in ABSENT_WORDS
        return {
            "name": name,
            "branch": str(values.get("branch") or "").strip(),
            "number": number,
            "hours": str(hours if attended else Decimal("0")),
            "passed": (passed in TRUE_WORDS) if passed and self.event.has_test and attended else None,
            "attended": attended,
        }

    def match(self, rows):
        """Match clean rows to members of the organizer's scope with two queries in all."""
        members = eligible_members(self.event)
        names = {row["name"] for _no, row in rows}
        numbers = {int(row["number"]) for _no, row in rows if row["number"]}
        by_name = {}
        for pk, name, branch in members.filter(name__in=names).values_list("pk", "name", "branch__name"):
            by_name.setdefault(name, []).append((pk, branch))
        by_number = dict(members.filter(pk__in=numbers).values_list("pk", "name"))
        outcomes, seen = [], {}
        for row_no, row in rows:
            outcome = self._match_one(row_no, row, by_name, by_number)
            if outcome.status == MATCHED:
                if outcome.member_id in seen:
                    outcome.status = INVALID
                    outcome.message = _("与第 %(row)s 行是同一人。") % {"row": seen[outcome.member_id]}
                else:
                    seen[outcome.member_id] = row_no
            outcomes.append(outcome)
        return outcomes

    def _match_one(self, row_no, row, by_name, by_number):
        if row["number"]:
            name = by_number.get(int(row["number"]))
            if name is None:
                return RowOutcome(row_no, row, UNKNOWN, message=_("党员编号不存在或不在主办组织范围内。"))
            if name != row["name"]:
                return RowOutcome(
                    row_no, row, UNKNOWN, message=_("党员编号对应的姓名是“%(name)s”。") % {"name": name}
                )
            return RowOutcome(row_no, row, MATCHED, member_id=int(row["number"]))
        candidates = by_name.get(row["name"], [])
        if row["branch"]:
            exact = [c for c in candidates if c[1] == row["branch"]]
            candidates = exact or [c for c in candidates if row["branch"] in c[1]]
        if not candidates:
            return RowOutcome(row_no, row, UNKNOWN, message=_("主办组织范围内没有此姓名和支部的党员。"))
        if len(candidates) > 1:
            where = "、".join(sorted({branch for _pk, branch in candidates}))
            return RowOutcome(
                row_no,
                row,
                AMBIGUOUS,
                message=_("重名：%(where)s。请填写支部全称或党员编号。") % {"where": where},
            )
        return RowOutcome(row_no, row, MATCHED, member_id=candidates[0][0])

    @transaction.atomic
    def apply(self, outcomes):
        matched = {o.member_id: o.values for o in outcomes if o.status == MATCHED}
        existing = {
            a.member_id: a for a in Attendance.objects.filter(event=self.event, member_id__in=list(matched))
        }
        create, update, unchanged = [], [], 0
        for member_id, values in matched.items():
            status = Attendance.Status.ATTENDED if values["attended"] else Attendance.Status.ABSENT
            hours = Decimal(values["hours"])
            row = existing.get(member_id)
            if row is None:
                create.append(
                    Attendance(
                        event=self.event,
                        member_id=member_id,
                        status=status,
                        hours_credited=hours,
                        passed=values["passed"],
                        source=Attendance.Source.IMPORT,
                    )
                )
            elif (row.status, row.hours_credited, row.passed) == (status, hours, values["passed"]):
                unchanged += 1
            else:
                row.status, row.hours_credited, row.passed = status, hours, values["passed"]
                row.source = Attendance.Source.IMPORT
                update.append(row)
        Attendance.objects.bulk_create(create, batch_size=2000)
        Attendance.objects.bulk_update(
            update, ["status", "hours_credited", "passed", "source"], batch_size=2000
        )
        refresh_member_years(
            [a.member_id for a in create] + [a.member_id for a in update], years={self.event.end_on.year}
        )
        return {"created": len(create), "updated": len(update), "unchanged": unchanged}


# --- the generic steps (what the shared engine provides) ---------------------------------------


def _progress(job, processed, **fields):
    AttendanceImport.objects.filter(pk=job.pk).update(processed=processed, **fields)


def read_sheet(content, spec):
    """[(row_no, {field: raw value})] from the first sheet; the header row names the columns."""
    try:
        workbook = load_workbook(BytesIO(bytes(content)), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        raise ValidationError(_("无法读取文件：请上传 Excel 工作簿（.xlsx）。")) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    positions = {}
    for index, title in enumerate(header):
        title = str(title or "").strip()
        for field_name, aliases in spec.columns.items():
            if title in aliases and field_name not in positions:
                positions[field_name] = index
    missing = [spec.columns[name][0] for name in spec.required if name not in positions]
    if missing:
        raise ValidationError(_("表头缺少列：%(cols)s。") % {"cols": "、".join(missing)})
    if "branch" not in positions and "number" not in positions:
        raise ValidationError(_("表头需要“支部”或“党员编号”列，用于区分同名党员。"))
    out = []
    for row_no, cells in enumerate(rows, start=2):
        if not any(cell not in (None, "") for cell in cells):
            continue
        out.append((row_no, {name: cells[i] if i < len(cells) else None for name, i in positions.items()}))
        if len(out) > MAX_ROWS:
            raise ValidationError(_("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS})
    workbook.close()
    return out


def run_preview(job):
    """Parse and match the sheet; store counts, rows and the error workbook. Nothing is saved."""
    spec = AttendanceSheetSpec(job.event)
    try:
        raw = read_sheet(job.content, spec)
    except ValidationError as error:
        _progress(job, 0, status=AttendanceImport.Status.FAILED, message=" ".join(error.messages))
        return
    _progress(job, 0, total=len(raw))
    clean, outcomes = [], []
    for index, (row_no, values) in enumerate(raw, start=1):
        try:
            clean.append((row_no, spec.read_row(values)))
        except ValidationError as error:
            display = {key: "" if value is None else str(value) for key, value in values.items()}
            outcomes.append(RowOutcome(row_no, display, INVALID, message=" ".join(error.messages)))
        if index % PROGRESS_EVERY == 0:
            _progress(job, index // 2)
    outcomes.extend(spec.match(clean))
    outcomes.sort(key=lambda o: o.row_no)
    counts = {status: 0 for status in STATUS_LABELS}
    for outcome in outcomes:
        counts[outcome.status] += 1
    job.preview = {"counts": counts, "rows": [o.as_json() for o in outcomes]}
    job.error_workbook = error_workbook(outcomes) if counts[MATCHED] < len(outcomes) else None
    job.status = AttendanceImport.Status.PREVIEWED
    job.processed = len(raw)
    job.save(update_fields=["preview", "error_workbook", "status", "processed"])


def run_confirm(job):
    """Write the matched rows of the preview in one transaction."""
    spec = AttendanceSheetSpec(job.event)
    outcomes = [RowOutcome.from_json(item) for item in job.preview.get("rows", [])]
    result = spec.apply(outcomes)
    AttendanceImport.objects.filter(pk=job.pk).update(
        status=AttendanceImport.Status.DONE, result=result, processed=job.total, finished_at=timezone.now()
    )
    return result


ERROR_HEADERS = ("行号", "姓名", "支部", "党员编号", "学时", "问题类型", "说明")


def error_workbook(outcomes):
    """The rows that were not matched, with the reason, as an .xlsx to fix and upload again."""
    return xlsx_bytes(
        title=_("未导入的行"),
        headers=[_(h) for h in ERROR_HEADERS],
        widths=(6, 12, 24, 10, 6, 12, 50),
        rows=(
            [
                outcome.row_no,
                outcome.values.get("name"),
                outcome.values.get("branch"),
                outcome.values.get("number"),
                outcome.values.get("hours"),
                _(STATUS_LABELS[outcome.status]),
                outcome.message,
            ]
            for outcome in outcomes
            if outcome.status != MATCHED
        ),
    )


# --- starting jobs (services) ---------------------------------------------------------------------


@transaction.atomic
def import_start(*, event, user, upload, max_bytes):
    """Store an uploaded sheet and queue its preview. Nothing about attendance is written."""
    from . import access
    from .tasks import import_preview

    if not access.may_organize(user, event.organizer):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    if upload is None:
        raise ValidationError(_("请选择签到表文件。"))
    if not upload.name.lower().endswith(".xlsx"):
        raise ValidationError(_("请上传 Excel 工作簿（.xlsx）。"))
    if upload.size > max_bytes:
        raise ValidationError(_("文件过大。"))
    job = AttendanceImport.objects.create(
        event=event, uploaded_by=user, filename=upload.name[:200], content=upload.read()
    )
    transaction.on_commit(lambda: import_preview.delay(job.pk))
    return job


@transaction.atomic
def import_confirm(*, job, user):
    """Queue the write of a previewed job; a second click (or a second tab) is a no-op."""
    from . import access
    from .tasks import import_confirm as confirm_task

    if not access.may_organize(user, job.event.organizer):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    if not job.preview.get("counts", {}).get(MATCHED):
        raise ValidationError(_("没有可导入的已匹配行。"))
    claimed = AttendanceImport.objects.filter(pk=job.pk, status=AttendanceImport.Status.PREVIEWED).update(
        status=AttendanceImport.Status.IMPORTING, processed=0
    )
    if not claimed:
        raise ValidationError(_("该签到表已确认导入或正在导入。"))
    transaction.on_commit(lambda: confirm_task.delay(job.pk))
    return job
