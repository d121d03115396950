"""Sign-in sheet import: preview before saving, error workbook, re-import changes nothing."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from tests.factories import MemberFactory
from training import imports
from training.models import Attendance, AttendanceImport, MemberYearHours

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def sheet(rows, header=("姓名", "支部", "党员编号", "学时")):
    workbook = Workbook()
    ws = workbook.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("签到表.xlsx", buffer.getvalue())


@pytest.fixture
def event(make_event):
    return make_event(hours="8")


def start(event, user, upload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.import_start(event=event, user=user, upload=upload, max_bytes=10_000_000)
    job.refresh_from_db()
    return job


def confirm(job, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_confirm(job=job, user=user)
    job.refresh_from_db()
    return job


@pytest.fixture
def rows(tree, people):
    a = people["branch_a"]["members"]
    b = people["branch_b"]["members"]
    # a namesake of branch_a's member 2 in branch_b: matching by name alone is ambiguous
    MemberFactory(branch=tree["branch_b"], name=a[2].name)
    return [
        (a[0].name, tree["branch_a"].name, None, None),  # matched by name + branch, event hours
        (a[1].name, None, a[1].pk, 6),  # matched by member number
        (a[2].name, None, None, None),  # ambiguous: two people of that name, no branch
        ("查无此人", tree["branch_a"].name, None, None),  # unknown
        (b[1].name, tree["branch_b"].name, None, "八"),  # invalid hours
        (people["branch_c"]["members"][1].name, tree["branch_c"].name, None, None),  # outside unit_a: unknown
        (a[0].name, None, a[0].pk, None),  # same person twice
    ]


def test_preview_shows_matched_ambiguous_unknown_and_saves_nothing(
    tree, personas, rows, event, django_capture_on_commit_callbacks
):
    job = start(event, personas["unit_staff"], sheet(rows), django_capture_on_commit_callbacks)
    assert job.status == AttendanceImport.Status.PREVIEWED
    assert job.preview["counts"] == {"matched": 2, "ambiguous": 1, "unknown": 2, "invalid": 2}
    by_row = {row[0]: row for row in job.preview["rows"]}
    assert by_row[4][2] == "ambiguous" and tree["branch_b"].name in by_row[4][4]
    assert by_row[8][2] == "invalid" and "第 2 行" in by_row[8][4]
    assert not Attendance.objects.exists()


def test_error_workbook_lists_rows_not_imported_with_reasons(
    personas, rows, event, django_capture_on_commit_callbacks
):
    job = start(event, personas["unit_staff"], sheet(rows), django_capture_on_commit_callbacks)
    ws = load_workbook(BytesIO(bytes(job.error_workbook))).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][0] == "行号"
    assert [v[0] for v in values[1:]] == [4, 5, 6, 7, 8]
    assert {v[5] for v in values[1:]} == {"重名待确认", "未找到", "数据有误"}
    assert all(v[6] for v in values[1:])


def test_confirm_writes_matched_rows_and_reimport_changes_nothing(
    people, personas, rows, event, django_capture_on_commit_callbacks
):
    user = personas["unit_staff"]
    job = confirm(
        start(event, user, sheet(rows), django_capture_on_commit_callbacks),
        user,
        django_capture_on_commit_callbacks,
    )
    assert job.status == AttendanceImport.Status.DONE
    assert job.result == {"created": 2, "updated": 0, "unchanged": 0}
    a = people["branch_a"]["members"]
    hours = dict(Attendance.objects.values_list("member_id", "hours_credited"))
    assert hours == {a[0].pk: Decimal("8.0"), a[1].pk: Decimal("6.0")}
    assert MemberYearHours.objects.get(member=a[1], year=YEAR, tier="all").hours == Decimal("6.0")
    snapshot = list(
        Attendance.objects.order_by("pk").values("pk", "status", "hours_credited", "passed", "updated_at")
    )
    rollup = list(MemberYearHours.objects.order_by("pk").values_list("pk", "hours"))

    again = confirm(
        start(event, user, sheet(rows), django_capture_on_commit_callbacks),
        user,
        django_capture_on_commit_callbacks,
    )
    assert again.result == {"created": 0, "updated": 0, "unchanged": 2}
    assert (
        list(
            Attendance.objects.order_by("pk").values("pk", "status", "hours_credited", "passed", "updated_at")
        )
        == snapshot
    )
    assert list(MemberYearHours.objects.order_by("pk").values_list("pk", "hours")) == rollup


def test_confirm_twice_is_refused(personas, rows, event, django_capture_on_commit_callbacks):
    user = personas["unit_staff"]
    job = confirm(
        start(event, user, sheet(rows), django_capture_on_commit_callbacks),
        user,
        django_capture_on_commit_callbacks,
    )
    with pytest.raises(imports.ValidationError):
        imports.import_confirm(job=job, user=user)
    assert Attendance.objects.count() == 2


def test_missing_columns_and_non_workbooks_fail_with_a_message(
    personas, event, django_capture_on_commit_callbacks
):
    user = personas["unit_staff"]
    job = start(event, user, sheet([("张三",)], header=("姓名",)), django_capture_on_commit_callbacks)
    assert job.status == AttendanceImport.Status.FAILED and "支部" in job.message
    job = start(
        event, user, SimpleUploadedFile("x.xlsx", b"not a workbook"), django_capture_on_commit_callbacks
    )
    assert job.status == AttendanceImport.Status.FAILED and "Excel" in job.message
    with pytest.raises(imports.ValidationError):
        imports.import_start(event=event, user=user, upload=SimpleUploadedFile("x.csv", b"a"), max_bytes=10)


def test_secretary_of_another_branch_cannot_import(personas, event):
    with pytest.raises(PermissionDenied):
        imports.import_start(event=event, user=personas["secretary"], upload=sheet([]), max_bytes=10_000)
    assert not AttendanceImport.objects.exists()
