from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from branches.models import Activity, MonthlyReport
from tests.conftest import database_unchanged
from tests.factories import Kind as OrgKind
from tests.factories import MemberFactory, make_org

from .conftest import Kind, record

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
Status = MonthlyReport.Status


@pytest.fixture(autouse=True)
def march_2026():
    with time_machine.travel(datetime(2026, 3, 11, 10, tzinfo=TZ), tick=False):
        yield


def filed(branch, month=date(2026, 2, 1), status=Status.SUBMITTED, late=False):
    return MonthlyReport.objects.create(
        branch=branch,
        month=month,
        due_on=date(month.year, month.month + 1, 5),
        status=status,
        first_submitted_at=datetime(2026, 3, 3, tzinfo=TZ),
        submitted_at=datetime(2026, 3, 3, tzinfo=TZ),
        is_late=late,
    )


def test_secretary_records_an_activity_through_the_form(client_for, personas, tree):
    member = MemberFactory(branch=tree["branch_a"], name="缺席者")
    client = client_for(personas["secretary"])
    url = f"/reports/branch/{tree['branch_a'].pk}/activities/new/"
    assert client.get(url).status_code == 200
    data = {
        "kind": "committee",
        "held_on": "2026-03-10",
        "place": "会议室",
        "chair": "张",
        "recorder": "李",
        "topic": "研究工作",
        "expected_full": 5,
        "expected_probationary": 0,
        "present_full": 4,
        "present_probationary": 0,
        "leave_full": 0,
        "leave_probationary": 0,
        "absent_full": 1,
        "absent_probationary": 0,
        "absent_members": [member.pk],
        "decisions-TOTAL_FORMS": 2,
        "decisions-INITIAL_FORMS": 0,
    }
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context["formset"].errors,
        response.context["formset"].non_form_errors(),
    )
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/activities/{activity.pk}/"
    assert list(activity.absent_members.all()) == [member]
    data["present_full"] = 3
    response = client.post(url, data)
    assert "正式党员人数不符：应到人数须等于实到、请假、缺席人数之和。" in response.content.decode()


def test_secretary_cannot_file_or_record_for_another_branch(client_for, personas, tree):
    client = client_for(personas["secretary"])
    assert client.get(f"/reports/branch/{tree['branch_b'].pk}/2026-2/").status_code == 404
    assert client.get(f"/reports/branch/{tree['branch_c'].pk}/activities/new/").status_code == 404
    assert not MonthlyReport.objects.exists()


def test_staff_cannot_submit_a_branch_report(client_for, personas, tree):
    report = filed(tree["branch_a"], status=Status.RETURNED)
    client = client_for(personas["unit_staff"])
    assert client.get(report.get_absolute_url()).status_code == 200
    with database_unchanged():
        assert client.post(report.get_absolute_url(), {"action": "submit"}).status_code == 403


def test_unit_staff_only_see_their_unit(client_for, personas, tree):
    filed(tree["branch_a"])
    other = filed(tree["branch_c"])
    client = client_for(personas["unit_staff"])
    page = client.get("/reports/review/?month=2026-02").content.decode()
    assert "甲厅第一党支部" in page and "乙厅第一党支部" not in page
    assert client.get(other.get_absolute_url()).status_code == 404
    with database_unchanged():
        assert client.post(f"/reports/review/{other.pk}/", {"action": "accept"}).status_code == 404


def test_secretaries_cannot_open_the_review_queue(client_for, personas):
    assert client_for(personas["secretary"]).get("/reports/review/").status_code == 403


def test_staff_return_with_a_comment_through_the_page(client_for, personas, tree):
    report = filed(tree["branch_a"])
    client = client_for(personas["unit_staff"])
    client.post(f"/reports/review/{report.pk}/", {"action": "return", "comment": ""})
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    client.post(f"/reports/review/{report.pk}/", {"action": "return", "comment": "补充签到表"})
    report.refresh_from_db()
    assert (report.status, report.review_comment) == (Status.RETURNED, "补充签到表")


def test_queue_filters_by_status_and_lateness(client_for, personas, tree):
    filed(tree["branch_a"], late=True)
    filed(tree["branch_b"], status=Status.ACCEPTED)
    client = client_for(personas["unit_staff"])
    late = client.get("/reports/review/?month=2026-02&late=1").content.decode()
    assert "甲厅第一党支部" in late and "甲厅第二党支部" not in late
    accepted = client.get("/reports/review/?month=2026-02&status=accepted").content.decode()
    assert "甲厅第二党支部" in accepted and "甲厅第一党支部" not in accepted


def test_rates_show_completeness_on_time_and_unfiled_branches(client_for, personas, tree):
    filed(tree["branch_a"], late=True)
    response = client_for(personas["provincial"]).get("/reports/rates/?month=2026-02")
    rows = {row["unit"].name: row for row in response.context["rows"]}
    assert (
        rows["甲厅机关党委"]["expected"],
        rows["甲厅机关党委"]["filed"],
        rows["甲厅机关党委"]["on_time"],
    ) == (2, 1, 0)
    assert rows["甲厅机关党委"]["completeness"] == 0.5
    unfiled = [b.name for b in response.context["page_obj"]]
    assert unfiled == ["甲厅第二党支部", "乙厅第一党支部"]


def test_export_has_chinese_headers_and_only_the_viewers_unit(client_for, personas, tree):
    filed(tree["branch_a"])
    filed(tree["branch_c"])
    response = client_for(personas["unit_staff"]).get("/reports/export/?month=2026-02")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("单位", "党支部", "月份", "状态")
    assert [r[1] for r in rows[1:]] == ["甲厅第一党支部"]


def _render_panel(panel, user, rf):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = user
    template_name, context = panel(request)
    return render_to_string(template_name, {"panel": context}, request=request)


def test_home_panels_for_secretary_and_staff(personas, tree, rf):
    from branches.reports import panels

    record(tree["branch_a"], Kind.COMMITTEE, date(2026, 3, 2))
    page = _render_panel(panels.secretary_reports_panel, personas["secretary"], rf)
    assert "2026年2月月度报告（截止 2026-03-05）" in page
    missing = page.split("本月尚未开展")[1].split("</p>")[0]
    assert "主题党日（每月）" in missing and "支部委员会（每月）" not in missing
    assert panels.secretary_reports_panel(_request(rf, personas["unit_staff"])) is None
    filed(tree["branch_a"])
    staff_page = _render_panel(panels.staff_reports_panel, personas["unit_staff"], rf)
    assert "按时报送率" in staff_page and "50%" in staff_page
    assert panels.staff_reports_panel(_request(rf, personas["secretary"])) is None


def _request(rf, user):
    request = rf.get("/")
    request.user = user
    return request


def _populate(tree, n):
    unit = tree["unit_a"]
    for i in range(n):
        branch = make_org(f"扩充支部{n}-{i}", OrgKind.BRANCH, unit)
        filed(branch)
        for month in (1, 2):
            record(branch, Kind.THEME_DAY, date(2026, month, 5))
            record(tree["branch_a"], Kind.COMMITTEE, date(2026, month, 6 + i % 3))


@pytest.mark.parametrize("url", ["/reports/review/?month=2026-02", "/reports/rates/?month=2026-02"])
def test_staff_pages_use_constant_queries(url, client_for, personas, tree, django_assert_num_queries):
    client = client_for(personas["unit_staff"])
    counts = []
    for n in (2, 12):
        _populate(tree, n)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(url)  # warm up session and caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_branch_grid_page_uses_constant_queries(client_for, personas, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(personas["secretary"])
    url = f"/reports/branch/{tree['branch_a'].pk}/?year=2026"
    counts = []
    for n in (2, 15):
        for i in range(n):
            record(tree["branch_a"], Kind.CELL, date(2026, 1 + i % 3, 2), cell=tree["cell_a"])
            record(tree["branch_a"], Kind.ASSEMBLY, date(2026, 1 + i % 3, 3))
        filed(tree["branch_a"], month=date(2026, 1 + len(counts), 1))
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert "支部党员大会（每季度）" in response.content.decode()


def test_attachments_are_served_only_inside_the_branch_scope(client_for, personas, tree, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    activity = record(tree["branch_a"], Kind.COMMITTEE, date(2026, 3, 2))
    client = client_for(personas["secretary"])
    upload = SimpleUploadedFile("签到表.pdf", b"%PDF-1.4", content_type="application/pdf")
    client.post(f"/reports/activities/{activity.pk}/attachments/", {"kind": "sign_in", "file": upload})
    attachment = activity.attachments.get()
    response = client.get(f"/reports/attachments/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4"
    assert client_for(personas["outsider"]).get(f"/reports/attachments/{attachment.pk}/").status_code == 404
    bad = SimpleUploadedFile("x.exe", b"MZ")
    response = client_for(personas["secretary"]).post(
        f"/reports/activities/{activity.pk}/attachments/", {"kind": "other", "file": bad}, follow=True
    )
    assert "不支持的文件类型“exe”" in response.content.decode()


def test_an_activity_cannot_be_moved_out_of_an_accepted_month(client_for, personas, tree):
    activity = record(tree["branch_a"], Kind.COMMITTEE, date(2026, 2, 10), expected=5, present=5)
    filed(tree["branch_a"], status=Status.ACCEPTED)
    data = {
        "kind": Kind.COMMITTEE,
        "held_on": "2026-03-02",
        "place": "会议室",
        "chair": "张",
        "recorder": "李",
        "topic": "改期",
        "expected_full": 5,
        "expected_probationary": 0,
        "present_full": 5,
        "present_probationary": 0,
        "leave_full": 0,
        "leave_probationary": 0,
        "absent_full": 0,
        "absent_probationary": 0,
        "version": activity.version,
        "decisions-TOTAL_FORMS": 0,
        "decisions-INITIAL_FORMS": 0,
    }
    response = client_for(personas["secretary"]).post(f"/reports/activities/{activity.pk}/edit/", data)
    assert "2026年02月的月度报告已通过" in response.content.decode()
    activity.refresh_from_db()
    assert activity.held_on == date(2026, 2, 10)


def test_bad_month_and_year_parameters_do_not_break_pages(client_for, personas, tree):
    client = client_for(personas["secretary"])
    assert client.get(f"/reports/branch/{tree['branch_a'].pk}/2026-13/").status_code == 404
    assert client.get(f"/reports/branch/{tree['branch_a'].pk}/?year=abc").status_code == 200
    response = client.get(f"/reports/branch/{tree['branch_a'].pk}/2026-12/", follow=True)
    assert "不能填报尚未开始的月份。" in response.content.decode()


def test_posting_to_a_locked_report_says_it_is_locked(client_for, personas, tree):
    report = filed(tree["branch_a"])
    response = client_for(personas["secretary"]).post(
        report.get_absolute_url(), {"action": "save", "version": report.version}, follow=True
    )
    assert "报告已报送，处于锁定状态，不能修改。" in response.content.decode()


def test_staff_compliance_overview_lists_their_branches_with_constant_queries(client_for, personas, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record(tree["branch_a"], Kind.ASSEMBLY, date(2026, 2, 3))
    client = client_for(personas["unit_staff"])
    counts = []
    for n in (1, 8):
        for i in range(n):
            branch = make_org(f"概览支部{n}-{i}", OrgKind.BRANCH, tree["unit_a"])
            record(branch, Kind.THEME_DAY, date(2026, 1, 5))
        client.get("/reports/compliance/?year=2026")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/reports/compliance/?year=2026")
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    rows = {row["branch"].name: row for row in response.context["rows"]}
    assert "乙厅第一党支部" not in rows
    assembly = rows["甲厅第一党支部"]["cells"][0]
    assert (assembly["met"], assembly["due"], assembly["state"]) == (1, 1, "met")
    assert rows["甲厅第二党支部"]["cells"][2]["applicable"] is False  # no cells in branch_b


def test_attachment_policy_by_content_and_safe_downloads(
    client_for, personas, tree, settings, tmp_path, caplog
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    activity = record(tree["branch_a"], Kind.COMMITTEE, date(2026, 3, 2))
    client = client_for(personas["secretary"])
    post = f"/reports/activities/{activity.pk}/attachments/"
    for name, content in [
        ("minutes.pdf", b"MZ\x90\x00" + b"\x00" * 60),  # a Windows executable renamed .pdf
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("page.html", b"<html><script>alert(1)</script></html>"),
    ]:
        response = client.post(
            post, {"kind": "other", "file": SimpleUploadedFile(name, content)}, follow=True
        )
        assert response.status_code == 200
    assert not activity.attachments.exists()
    client.post(
        post, {"kind": "photo", "file": SimpleUploadedFile("../活动<照片>.png", b"\x89PNG\r\n\x1a\n....")}
    )
    attachment = activity.attachments.get()
    assert attachment.original_name == "活动<照片>.png"
    assert "/" not in attachment.file.name.split("activities/", 1)[1].split("/", 2)[-1]
    response = client.get(f"/reports/attachments/{attachment.pk}/")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    (tmp_path / attachment.file.name).unlink()
    assert client.get(f"/reports/attachments/{attachment.pk}/").status_code == 404
    assert "stored file missing" in caplog.text


@pytest.mark.parametrize("year", [9999, 99999, 1000])
def test_far_years_in_the_report_url_are_404(client_for, personas, tree, year):
    response = client_for(personas["secretary"]).get(f"/reports/branch/{tree['branch_a'].pk}/{year}-12/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "params", [{"year": "99999999999"}, {"year": "abc"}, {"month": "9999-12"}, {"month": "x-y"}]
)
def test_malformed_filters_fall_back_instead_of_failing(client_for, personas, tree, params):
    client = client_for(personas["admin"])
    assert client.get(f"/reports/branch/{tree['branch_a'].pk}/", params).status_code == 200
    assert client.get("/reports/review/", params).status_code == 200
    assert client.get("/reports/rates/", params).status_code == 200


def test_malformed_version_on_a_report_form_is_a_message(client_for, personas, tree):
    client = client_for(personas["secretary"])
    url = f"/reports/branch/{tree['branch_a'].pk}/2026-02/"
    client.get(url)
    response = client.post(url, {"version": "abc", "action": "save"})
    assert response.status_code in (200, 302, 409)


def test_the_queue_shows_the_whole_backlog_oldest_first_with_its_age(client_for, personas, tree):
    from datetime import timedelta

    from django.utils import timezone

    old = filed(tree["branch_a"], month=date(2025, 9, 1))
    recent = filed(tree["branch_b"], month=date(2026, 2, 1))
    handled = filed(tree["branch_b"], month=date(2026, 1, 1), status=Status.ACCEPTED)
    now = timezone.now()
    MonthlyReport.objects.filter(pk=old.pk).update(submitted_at=now - timedelta(days=40))
    MonthlyReport.objects.filter(pk=recent.pk).update(submitted_at=now - timedelta(days=3))
    client = client_for(personas["unit_staff"])
    response = client.get("/reports/review/")
    assert [r.pk for r in response.context["page_obj"]] == [old.pk, recent.pk]  # accepted one not listed
    page = response.content.decode()
    assert "40 天" in page and "3 天" in page
    everything = client.get("/reports/review/?status=all").context["page_obj"]
    # the handled report was submitted first, yet the ones waiting come before it
    assert [r.pk for r in everything] == [old.pk, recent.pk, handled.pk]
    home = client.get("/").content.decode()
    assert 'id="backlog-pending"' in home and "40 天" in home


def test_requirement_and_check_codes_never_show_to_users(client_for, personas, tree):
    client = client_for(personas["secretary"])
    overview = client.get(f"/reports/branch/{tree['branch_a'].pk}/?year=2026").content.decode()
    assert "支部党员大会（每季度）" in overview
    assert "LIFE-0" not in overview and "STUDY" not in overview
    detail = client.get(f"/orgs/{tree['branch_a'].pk}/").content.decode()
    assert "COM-0" not in detail and "ORG-0" not in detail
