"""Sign-in sheet import on the import engine: preview before saving, error workbook, re-import
changes nothing."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from branches.imports import engine
from branches.models import ImportJob
from tests.factories import MemberFactory
from training import imports
from training.models import Attendance, MemberYearHours

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


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def event(make_event):
    return make_event(hours="8")


def start(event, user, upload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.import_start(event=event, user=user, upload=upload)
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
    a[1].number = "A-017"
    a[1].save()
    return [
        (a[0].name, tree["branch_a"].name, None, None),  # matched by name + branch, event hours
        (a[1].name, None, "A-017", 6),  # matched by the roster number (Member.number)
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
    assert (job.kind, job.status, job.params) == ("training", ImportJob.Status.PREVIEW, {"event": event.pk})
    assert imports.counts(job) == {"matched": 2, "ambiguous": 1, "unknown": 2, "invalid": 2}
    assert job.preview["sheets"][0]["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 5}
    by_row = {row["row"]: row for row in job.preview["sheets"][0]["samples"]["error"]}
    assert by_row[4]["tag"] == "ambiguous" and tree["branch_b"].name in by_row[4]["errors"][0][1]
    assert by_row[8]["tag"] == "invalid" and "第 2 行" in by_row[8]["errors"][0][1]
    assert by_row[6]["errors"][0][0] == "学时"  # an unreadable value names its column
    assert not Attendance.objects.exists()


def test_error_workbook_lists_rows_not_imported_with_reasons(
    personas, rows, event, django_capture_on_commit_callbacks
):
    job = start(event, personas["unit_staff"], sheet(rows), django_capture_on_commit_callbacks)
    ws = load_workbook(BytesIO(engine.error_workbook(job))).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][:4] == ("姓名", "支部", "党员编号", "学时") and values[0][-1] == "错误说明"
    assert [v[0] for v in values[1:]] == [r[0] for r in rows]  # the uploaded rows, to fix and re-upload
    explained = [v[-1] for v in values[1:]]
    assert explained[:2] == [None, None]  # matched rows carry no error
    assert explained[2].startswith("重名待确认：") and explained[3].startswith("未找到：")
    assert explained[4].startswith("学时：") and explained[6].startswith("数据有误：")


def test_confirm_writes_matched_rows_and_reimport_changes_nothing(
    people, personas, rows, event, django_capture_on_commit_callbacks
):
    user = personas["unit_staff"]
    job = confirm(
        start(event, user, sheet(rows), django_capture_on_commit_callbacks),
        user,
        django_capture_on_commit_callbacks,
    )
    assert job.status == ImportJob.Status.DONE
    assert job.result == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 5}
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
    assert imports.counts(again) == {"matched": 2, "ambiguous": 1, "unknown": 2, "invalid": 2}
    assert again.preview["sheets"][0]["counts"]["unchanged"] == 2  # the preview already says so
    assert again.result == {"created": 0, "updated": 0, "unchanged": 2, "skipped": 5}
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
    with pytest.raises(ValidationError):
        imports.import_confirm(job=job, user=user)
    assert Attendance.objects.count() == 2


def test_hours_changed_since_the_first_import_plan_as_updates(
    people, personas, rows, event, django_capture_on_commit_callbacks
):
    user = personas["unit_staff"]
    confirm(
        start(event, user, sheet(rows), django_capture_on_commit_callbacks),
        user,
        django_capture_on_commit_callbacks,
    )
    rows[1] = (*rows[1][:3], 7)
    job = start(event, user, sheet(rows), django_capture_on_commit_callbacks)
    [update] = job.preview["sheets"][0]["samples"]["update"]
    assert update["changes"] == [["学时", "6.0", "7.0"]]
    job = confirm(job, user, django_capture_on_commit_callbacks)
    assert job.result["updated"] == 1
    assert Attendance.objects.get(member=people["branch_a"]["members"][1]).hours_credited == Decimal("7.0")


def test_member_id_is_still_accepted_as_the_number(
    people, personas, event, django_capture_on_commit_callbacks
):
    member = people["branch_a"]["members"][3]
    job = start(
        event,
        personas["unit_staff"],
        sheet([(member.name, None, member.pk, None)]),
        django_capture_on_commit_callbacks,
    )
    assert imports.counts(job)["matched"] == 1


def test_only_rows_with_errors_is_nothing_to_confirm(personas, event, django_capture_on_commit_callbacks):
    user = personas["unit_staff"]
    job = start(event, user, sheet([("查无此人", "某支部", None, None)]), django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        imports.import_confirm(job=job, user=user)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW


def test_missing_columns_and_non_workbooks_fail_with_a_message(
    personas, event, django_capture_on_commit_callbacks
):
    user = personas["unit_staff"]
    job = start(event, user, sheet([("张三",)], header=("姓名",)), django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED and "支部" in job.message
    for upload in (SimpleUploadedFile("x.xlsx", b"not a workbook"), SimpleUploadedFile("x.csv", b"a")):
        with pytest.raises(ValidationError, match="Excel"):
            imports.import_start(event=event, user=user, upload=upload)
    assert ImportJob.objects.count() == 1


def test_secretary_of_another_branch_cannot_import(personas, event):
    with pytest.raises(PermissionDenied):
        imports.import_start(event=event, user=personas["secretary"], upload=sheet([]))
    assert not ImportJob.objects.exists()


def test_a_row_that_stops_matching_after_the_preview_writes_nothing(
    people, personas, rows, event, django_capture_on_commit_callbacks
):
    """Partial import: the skipped rows are those of the preview; a new error rolls all back."""
    user = personas["unit_staff"]
    job = start(event, user, sheet(rows), django_capture_on_commit_callbacks)
    member = people["branch_a"]["members"][0]
    member.name = "改了名"
    member.save()
    job = confirm(job, user, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.PREVIEW and "未写入任何数据" in job.message
    assert imports.counts(job)["unknown"] == 4  # rows 2 and 8 name the renamed member
    assert not Attendance.objects.exists()


def test_organizing_is_decided_by_branches_permissions(tree, personas):
    from branches import permissions

    staff, secretary = personas["unit_staff"], personas["secretary"]
    assert permissions.can_organize(staff, tree["unit_a"]) and permissions.can_organize(
        staff, tree["branch_a"]
    )
    assert not permissions.can_organize(staff, tree["root"])
    assert permissions.can_organize(secretary, tree["branch_a"])
    assert not permissions.can_organize(secretary, tree["unit_a"])
    assert not permissions.can_organize(secretary, tree["branch_b"])
    with pytest.raises(PermissionDenied):
        permissions.require_organize(personas["outsider"], tree["branch_a"])
