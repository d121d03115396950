"""Import pages: access, scope (404 for another user's job), progress polling, query counts."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from branches.imports import engine
from branches.imports.tasks import import_apply, import_preview
from branches.models import ImportJob, Member
from tests.conftest import count_queries

from .conftest import member, upload, workbook_bytes

pytestmark = pytest.mark.django_db


def test_import_pages_are_for_unit_staff_and_admins(personas, client_for):
    for name in ("unit_staff", "admin"):
        assert client_for(personas[name]).get(reverse("imports:index")).status_code == 200
    for name in ("secretary", "provincial"):
        client = client_for(personas[name])
        assert client.get(reverse("imports:index")).status_code == 403
        assert client.get(reverse("imports:template")).status_code == 403


def test_unit_page_and_menu_link_to_the_import(personas, tree, client_for):
    client = client_for(personas["unit_staff"])
    page = client.get(reverse("branches:org-detail", args=[tree["unit_a"].pk])).content.decode()
    assert reverse("imports:index") in page
    secretary_page = client_for(personas["secretary"]).get(reverse("branches:home")).content.decode()
    assert reverse("imports:index") not in secretary_page


def test_template_download(personas, client_for):
    response = client_for(personas["unit_staff"]).get(reverse("imports:template"))
    assert response["Content-Type"] == engine.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert response.content[:2] == b"PK"


def test_upload_shows_preview_and_another_users_job_is_404(
    personas, small_workbook, client_for, django_capture_on_commit_callbacks
):
    client = client_for(personas["unit_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:upload"), {"file": upload(workbook_bytes(small_workbook))})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "确认导入" in page and "将新建" in page
    assert 'data-count="create">新建 8' in page
    admin = client_for(personas["admin"])
    assert admin.get(job.get_absolute_url()).status_code == 200  # admins see every job
    other = client_for(personas["outsider"])
    assert other.get(job.get_absolute_url()).status_code == 403  # a secretary does not import
    from tests.factories import Role, UserFactory, grant

    colleague = UserFactory(username="colleague")
    grant(colleague, Role.UNIT_STAFF, personas["unit_staff"].role_assignments.first().organization)
    client = client_for(colleague)
    for name in ("imports:job", "imports:job-progress", "imports:job-errors"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("imports:job-confirm", args=[job.pk])).status_code == 404
    assert Member.objects.count() == 0


def test_bad_upload_is_a_message_not_a_500(personas, client_for):
    client = client_for(personas["unit_staff"])
    response = client.post(reverse("imports:upload"), {"file": upload(b"hello", "x.txt")}, follow=True)
    assert response.status_code == 200
    assert "只能上传 Excel 工作簿（.xlsx）" in response.content.decode()
    response = client.post(reverse("imports:upload"), {}, follow=True)
    assert "请选择要上传的 Excel 文件" in response.content.decode()


def test_confirm_from_the_page_writes_and_shows_the_summary(
    personas, small_workbook, client_for, run_import, django_capture_on_commit_callbacks
):
    job = run_import(personas["unit_staff"], small_workbook)
    client = client_for(personas["unit_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:job-confirm", args=[job.pk]))
    assert response["Location"] == job.get_absolute_url()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "已导入" in page and "COM-04" in page
    assert Member.objects.count() == 8
    again = client.post(reverse("imports:job-confirm", args=[job.pk]), follow=True).content.decode()
    assert "该导入已确认或已取消，不能再次确认" in again


def test_job_with_errors_cannot_be_confirmed_and_offers_the_error_workbook(
    personas, small_workbook, client_for, run_import
):
    small_workbook["党员"][0]["性别"] = "不详"
    job = run_import(personas["unit_staff"], small_workbook)
    client = client_for(personas["unit_staff"])
    page = client.get(job.get_absolute_url()).content.decode()
    assert "确认导入" not in page and "下载错误清单" in page
    assert "第 3 行 · <strong>性别</strong>" in page
    response = client.post(reverse("imports:job-confirm", args=[job.pk]), follow=True)
    assert "表格中还有错误" in response.content.decode()
    download = client.get(reverse("imports:job-errors", args=[job.pk]))
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert Member.objects.count() == 0


def test_progress_task_reports_progress_and_runs_once(
    personas, small_workbook, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    from branches.imports import services

    with django_capture_on_commit_callbacks(execute=False):  # the worker has not started yet
        job = services.import_job_create(
            kind="onboarding", upload=upload(workbook_bytes(small_workbook)), user=personas["unit_staff"]
        )
    client = client_for(personas["unit_staff"])
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="0"' in page
    reported = []
    original = engine.Progress.__call__

    def spy(self, fraction, note=None):
        original(self, fraction, note)
        reported.append(cache.get(engine.progress_key(job.pk))["percent"])

    monkeypatch.setattr(engine.Progress, "__call__", spy)
    assert import_preview(job.pk) == ImportJob.Status.PREVIEW
    assert reported[0] == 0 and reported[-1] == 100 and reported == sorted(reported)
    assert import_preview(job.pk) is None  # a second delivery of the task does nothing
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW and job.progress == 100
    fragment = client.get(reverse("imports:job-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"  # finished: the page reloads into the preview

    with django_capture_on_commit_callbacks(execute=False):
        services.import_job_confirm(job=job, user=personas["unit_staff"])
    cache.set(engine.progress_key(job.pk), {"percent": 42, "note": "正在写入"})  # a worker midway
    fragment = client.get(reverse("imports:job-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'value="42"' in fragment.content.decode() and "HX-Refresh" not in fragment
    reported.clear()
    assert import_apply(job.pk) == ImportJob.Status.DONE
    assert reported[-1] == 100 and Member.objects.count() == 8
    assert import_apply(job.pk) == ImportJob.Status.DONE  # run twice: nothing written twice
    assert Member.objects.count() == 8


def test_index_query_count_does_not_grow_with_jobs(personas, client_for, run_import):
    client = client_for(personas["unit_staff"])
    run_import(personas["unit_staff"], {"党员": [member("甲厅/甲厅第一党支部", "1", "甲")]})
    small = count_queries(client, reverse("imports:index"))
    for number in range(2, 8):
        run_import(personas["unit_staff"], {"党员": [member("甲厅/甲厅第一党支部", str(number), "甲")]})
    assert count_queries(client, reverse("imports:index")) == small


def test_job_page_query_count_does_not_grow_with_rows(personas, client_for, run_import):
    client = client_for(personas["unit_staff"])
    few = run_import(personas["unit_staff"], {"党员": [member("甲厅/甲厅第一党支部", "1", "甲")]})
    many = run_import(
        personas["unit_staff"],
        {"党员": [member("甲厅/甲厅第一党支部", str(n), f"党员{n}") for n in range(60)]},
    )
    assert count_queries(client, few.get_absolute_url()) == count_queries(client, many.get_absolute_url())
