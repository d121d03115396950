"""Permissions on every renewal URL, page contents and pinned query counts."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from branches.models import Postponement, TermReminder
from branches.renewals import services
from tests.factories import make_org

from .conftest import make_term

pytestmark = pytest.mark.django_db
TODAY = date(2027, 8, 5)  # branch_a and branch_c overdue (T = 2027-06-30), branch_b in term


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(date(2027, 8, 5), tick=False):
        yield


@pytest.fixture
def postponement(terms, personas):
    return Postponement.objects.create(
        term=terms["a"], until=date(2028, 1, 31), reason="机构改革", requested_by=personas["secretary"]
    )


def url(name, *args):
    return reverse(f"renewals:{name}", args=args)


STAFF_PAGES = ["supervision", "calendar", "postponement-list"]


@pytest.mark.parametrize("name", STAFF_PAGES)
@pytest.mark.parametrize(
    ("persona", "status"), [("secretary", 403), ("unit_staff", 200), ("provincial", 200), ("admin", 200)]
)
def test_staff_pages_forbid_secretaries(client_for, personas, terms, name, persona, status):
    assert client_for(personas[persona]).get(url(name)).status_code == status


@pytest.mark.parametrize("name", [*STAFF_PAGES, "calendar-subscribe"])
def test_pages_require_login(client, terms, name):
    response = client.get(url(name))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def _branch_urls(tree):
    a = tree["branch_a"].pk
    return {
        "timeline": url("branch-timeline", a),
        "request": url("step-record", a, "request"),
        "request_approval": url("step-record", a, "request_approval"),
        "candidate_approval": url("step-record", a, "candidate_approval"),
        "election": url("election", a),
        "postpone": url("postponement-request", a),
        "complete": url("complete", a),
        "results": url("results", a),
    }


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        (
            "secretary",
            {
                "timeline": 200,
                "request": 200,
                "request_approval": 403,
                "candidate_approval": 403,
                "election": 200,
                "postpone": 200,
                "complete": 403,
                "results": 404,
            },
        ),
        (
            "unit_staff",
            {
                "timeline": 200,
                "request": 403,
                "request_approval": 200,
                "candidate_approval": 200,
                "election": 403,
                "postpone": 403,
                "complete": 404,
                "results": 403,
            },
        ),
        (
            "provincial",
            {
                "timeline": 200,
                "request": 403,
                "request_approval": 200,
                "candidate_approval": 403,
                "election": 403,
                "postpone": 403,
                "complete": 403,
                "results": 403,
            },
        ),
        (
            "outsider",
            {
                "timeline": 404,
                "request": 404,
                "request_approval": 404,
                "candidate_approval": 404,
                "election": 404,
                "postpone": 404,
                "complete": 404,
                "results": 404,
            },
        ),
    ],
)
def test_branch_pages_follow_roles(client_for, personas, tree, terms, persona, expected):
    client = client_for(personas[persona])
    got = {key: client.get(address).status_code for key, address in _branch_urls(tree).items()}
    assert got == expected


def test_unknown_step_is_404(client_for, personas, tree, terms):
    response = client_for(personas["secretary"]).get(url("step-record", tree["branch_a"].pk, "election"))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"), [("secretary", 403), ("outsider", 404), ("unit_staff", 200), ("provincial", 200)]
)
def test_postponement_decision_needs_supervise(client_for, personas, postponement, persona, status):
    assert (
        client_for(personas[persona]).get(url("postponement-decide", postponement.pk)).status_code == status
    )


def test_supervision_list_shows_overdue_branches_in_scope_only(client_for, personas, terms):
    response = client_for(personas["unit_staff"]).get(url("supervision"))
    content = response.content.decode()
    assert "甲厅第一党支部" in content and "已超期 36 天" in content
    assert "乙厅第一党支部" not in content  # other unit
    assert "甲厅第二党支部" not in content  # in term
    assert "乙厅第一党支部" in client_for(personas["provincial"]).get(url("supervision")).content.decode()


def test_supervision_filter_and_search(client_for, personas, tree, terms, postponement):
    client = client_for(personas["provincial"])
    urgent = make_org("甲厅第三党支部", "branch", tree["unit_a"])
    make_term(urgent, date(2024, 8, 20))  # expires 2027-08-20: within a month
    page = client.get(url("supervision") + "?state=urgent").content.decode()
    assert "甲厅第三党支部" in page and "甲厅第一党支部" not in page
    page = client.get(url("supervision") + "?state=overdue&q=乙厅").content.decode()
    assert "乙厅第一党支部" in page and "甲厅第一党支部" not in page
    services.renewal_sweep(today=TODAY)
    page = client.get(url("supervision") + "?state=supervision").content.decode()
    assert "乙厅第一党支部" in page and (TODAY + timedelta(days=30)).strftime("%Y-%m-%d") in page
    assert '督办通知 <span class="badge bg-warning text-dark">待签收</span>' in page
    assert "甲厅第三党支部" not in page


def test_secretary_records_request_through_the_form(client_for, personas, tree, terms):
    client = client_for(personas["secretary"])
    response = client.post(
        url("step-record", tree["branch_a"].pk, "request"),
        {"version": 0, "done_on": "2027-08-01", "note": "支委会研究同意"},
    )
    assert response.status_code == 302
    page = client.get(url("branch-timeline", tree["branch_a"].pk)).content.decode()
    assert "支委会研究同意" in page and "办理：上报候选人" not in page  # next step is the approval
    assert "换届请示已报送，等待上级批复。" in page  # not a bare "已保存"


def test_stale_form_shows_message(client_for, personas, tree, terms):
    client = client_for(personas["secretary"])
    client.post(url("step-record", tree["branch_a"].pk, "request"), {"version": 0, "done_on": "2027-08-01"})
    services.renewal_get_or_start(term=terms["a"])
    response = client_for(personas["admin"]).post(
        url("step-record", tree["branch_a"].pk, "request_approval"), {"version": 0, "done_on": "2027-08-02"}
    )
    assert "该换届已被他人更新，请刷新页面后重试。" in response.content.decode()


def test_election_form_shows_arithmetic_errors(client_for, personas, tree, terms, voters):
    renewal = services.renewal_get_or_start(term=terms["a"])
    renewal.status = "candidates_approved"
    renewal.save()
    data = {
        "version": 0,
        "held_on": "2027-08-01",
        "expected_voters": 10,
        "present_voters": 7,
        "ballots_issued": 7,
        "ballots_returned": 7,
        "seats": 3,
        f"votes_{voters[0].pk}": 7,
        f"votes_{voters[1].pk}": 6,
        f"votes_{voters[2].pk}": 6,
    }
    response = client_for(personas["secretary"]).post(url("election", tree["branch_a"].pk), data)
    content = response.content.decode()
    assert "到会人数不足：应到 10 人，实到 7 人，至少需要 8 人" in content
    assert "候选人至少 4 人，现有 3 人" in content


def _panel(func, user):
    from django.template.loader import render_to_string

    request = _request(user)
    template, context = func(request)
    return render_to_string(template, {"panel": context}, request=request)


def test_home_panels_show_countdown_steps_and_supervision_counts(personas, terms):
    from branches.renewals import panels

    services.renewal_sweep(today=TODAY)
    page = _panel(panels.secretary_renewal_panel, personas["secretary"])
    assert "换届倒计时" in page and "已超期 36 天" in page and "换届请示" in page
    assert "【督办通知】甲厅第一党支部超期未换届" in page  # acknowledgement still owed
    staff_page = _panel(panels.staff_renewal_panel, personas["unit_staff"])
    assert "换届督促" in staff_page and "督办名单" in staff_page
    assert panels.staff_renewal_panel(_request(personas["secretary"])) is None


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_calendar_lists_deadlines_by_month(client_for, personas, terms):
    page = client_for(personas["provincial"]).get(url("calendar") + "?month=2028-06").content.decode()
    assert "2028年6月到期的支部" in page and "甲厅第二党支部" in page
    assert client_for(personas["provincial"]).get(url("calendar") + "?month=bad").status_code == 404


def _more_terms(tree, n, start):
    for i in range(n):
        branch = make_org(f"扩展{start + i}党支部", "branch", tree["unit_a"])
        term = make_term(branch, date(2024, 5, 1) + timedelta(days=i * 7))
        TermReminder.objects.create(
            term=term, stage="supervision", due_on=date(2027, 6, 1), deadline=date(2027, 9, 1), status="sent"
        )
        services.renewal_get_or_start(term=term)


def _queries(client, address):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(address).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("name", ["supervision", "calendar", "postponement-list"])
def test_staff_page_query_count_is_constant(
    client_for, personas, tree, terms, django_assert_num_queries, name
):
    client = client_for(personas["unit_staff"])
    _more_terms(tree, 2, 0)
    small = _queries(client, url(name))
    _more_terms(tree, 15, 2)
    with django_assert_num_queries(small):
        client.get(url(name))


def test_supervision_list_exports_excel_with_chinese_headers(client_for, personas, terms):
    from io import BytesIO

    from openpyxl import load_workbook

    services.renewal_sweep(today=TODAY)
    response = client_for(personas["provincial"]).get(url("supervision") + "?format=xlsx&state=overdue")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "党支部",
        "所属单位",
        "任期届满",
        "换届期限",
        "状态",
        "超期天数",
        "换届进度",
        "督办整改期限",
        "最近提醒",
        "书记签收",
    )
    names = sorted(r[0] for r in rows[1:])
    assert names == ["乙厅第一党支部", "甲厅第一党支部"]
    assert {r[4] for r in rows[1:]} == {"督办中"} and {r[5] for r in rows[1:]} == {36}
    assert {r[8:] for r in rows[1:]} == {("督办通知", "待签收")}


def test_secretary_cannot_export_supervision_list(client_for, personas, terms):
    assert client_for(personas["secretary"]).get(url("supervision") + "?format=xlsx").status_code == 403


def test_oversized_document_is_refused(client_for, personas, tree, terms, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("请示.pdf", b"x" * (1024 * 1024 + 1), content_type="application/pdf")
    response = client_for(personas["secretary"]).post(
        url("step-record", tree["branch_a"].pk, "request"),
        {"version": 0, "done_on": "2027-08-01", "document": big},
    )
    assert "文件过大（1.0 MB），上限为 1.0 MB。" in response.content.decode()


def test_step_document_is_stored_and_linked(client_for, personas, tree, terms, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    paper = SimpleUploadedFile("qingshi.pdf", b"%PDF-1.4 request", content_type="application/pdf")
    client = client_for(personas["secretary"])
    client.post(
        url("step-record", tree["branch_a"].pk, "request"),
        {"version": 0, "done_on": "2027-08-01", "document": paper},
    )
    step = services.RenewalStep.objects.get()
    assert (tmp_path / step.document.name).read_bytes() == b"%PDF-1.4 request"
    link = url("step-document", step.pk)
    assert link in client.get(url("branch-timeline", tree["branch_a"].pk)).content.decode()
    assert b"".join(client.get(link).streaming_content) == b"%PDF-1.4 request"
    # Documents are not public media: a secretary of another unit's branch gets 404.
    assert client_for(personas["outsider"]).get(link).status_code == 404


def test_timeline_query_count_does_not_grow_with_history(
    client_for, personas, tree, terms, voters, django_assert_num_queries
):
    client = client_for(personas["unit_staff"])
    address = url("branch-timeline", tree["branch_a"].pk)
    renewal = services.renewal_get_or_start(term=terms["a"])
    steps = iter(services.SIMPLE_STEPS)
    services.renewal_step_record(
        renewal=renewal,
        step=next(steps),
        done_on=date(2027, 8, 1),
        user=personas["admin"],
        version=renewal.version,
    )
    client.get(address)  # warm-up: caches filled on a first view
    small = _queries(client, address)
    for step in steps:
        services.renewal_step_record(
            renewal=renewal,
            step=step,
            done_on=date(2027, 8, 1),
            user=personas["admin"],
            version=renewal.version,
        )
    Postponement.objects.create(term=terms["a"], until=date(2027, 12, 1), reason="a", status="rejected")
    Postponement.objects.create(term=terms["a"], until=date(2027, 11, 1), reason="b", status="approved")
    services.renewal_sweep(today=TODAY)
    with django_assert_num_queries(small):
        client.get(address)


def test_renamed_executable_document_is_refused_and_downloads_are_safe(
    client_for, personas, tree, terms, settings, tmp_path, caplog
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    client = client_for(personas["secretary"])
    exe = SimpleUploadedFile("请示.pdf", b"MZ\x90\x00" + b"\x00" * 60, content_type="application/pdf")
    response = client.post(
        url("step-record", tree["branch_a"].pk, "request"),
        {"version": 0, "done_on": "2027-08-01", "document": exe},
    )
    assert response.status_code == 200 and "文件内容与扩展名“pdf”不符" in response.content.decode()
    assert not services.RenewalStep.objects.exists()
    paper = SimpleUploadedFile("../../请示 <1>.pdf", b"%PDF-1.4 request", content_type="text/html")
    client.post(
        url("step-record", tree["branch_a"].pk, "request"),
        {"version": 0, "done_on": "2027-08-01", "document": paper},
    )
    step = services.RenewalStep.objects.get()
    assert ".." not in step.document.name and "<" not in step.document.name
    response = client.get(url("step-document", step.pk))
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    (tmp_path / step.document.name).unlink()
    missing = client.get(url("step-document", step.pk))
    assert missing.status_code == 404
    assert "stored file missing" in caplog.text


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2026-13", "abc", "99999-01"])
def test_calendar_month_out_of_range_is_404(client_for, personas, tree, terms, month):
    response = client_for(personas["unit_staff"]).get(url("calendar"), {"month": month})
    assert response.status_code == 404


def test_secretary_menu_leads_to_the_branch_renewal(client_for, personas, tree):
    client = client_for(personas["secretary"])
    assert 'href="/renewals/mine/"' in client.get("/").content.decode()
    response = client.get("/renewals/mine/")
    assert response.status_code == 302 and response.url == f"/renewals/branch/{tree['branch_a'].pk}/"
    assert client_for(personas["provincial"]).get("/renewals/mine/").status_code == 404
