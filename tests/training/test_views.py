"""Every training page: scope (404 outside, 403 visible but not allowed), and constant queries."""

from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from branches.models import ImportJob, Post, Term
from tests.conftest import count_queries
from tests.factories import MemberFactory, make_org
from training import imports
from training.models import Attendance, Tier, TrainingEvent

from .conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit_event(make_event, people, attend):
    event = make_event(tier=Tier.UNIT, title="甲厅轮训班")
    for member in people["branch_a"]["members"][:3]:
        attend(event, member)
    return event


@pytest.fixture
def job(unit_event, personas, django_capture_on_commit_callbacks, settings, tmp_path):
    """A previewed sign-in sheet of ``unit_event`` with one unknown row."""
    settings.MEDIA_ROOT = tmp_path
    workbook = Workbook()
    workbook.active.append(["姓名", "支部"])
    workbook.active.append(["某人", "某支部"])
    buffer = BytesIO()
    workbook.save(buffer)
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.import_start(
            event=unit_event,
            user=personas["unit_staff"],
            upload=SimpleUploadedFile("a.xlsx", buffer.getvalue()),
        )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW and imports.counts(job)["unknown"] == 1
    return job


def pages(tree, people, unit_event, job):
    member = people["branch_a"]["members"][0]
    return {
        "event": reverse("training:event-detail", args=[unit_event.pk]),
        "picker": reverse("training:event-picker", args=[unit_event.pk]) + "?q=党员",
        "import": reverse("training:import-upload", args=[unit_event.pk]),
        "edit": reverse("training:event-edit", args=[unit_event.pk]),
        "job": reverse("training:import-detail", args=[job.pk]),
        "errors": reverse("training:import-errors", args=[job.pk]),
        "unit": reverse("training:coverage-org", args=[tree["unit_a"].pk]),
        "branch": reverse("training:coverage-org", args=[tree["branch_a"].pk]),
        "member": reverse("training:member-hours", args=[member.pk]),
    }


def test_unit_staff_see_every_page_of_their_unit(client_for, tree, people, personas, unit_event, job):
    client = client_for(personas["unit_staff"])
    for name, url in pages(tree, people, unit_event, job).items():
        assert client.get(url).status_code == 200, name
    for url in (
        reverse("training:event-list"),
        reverse("training:event-create"),
        reverse("training:coverage"),
    ):
        assert client.get(url).status_code == 200


def test_other_units_get_404_everywhere(client_for, tree, people, personas, unit_event, job):
    client = client_for(personas["outsider"])  # secretary of branch_c in unit_b
    for name, url in pages(tree, people, unit_event, job).items():
        assert client.get(url).status_code == 404, name
    assert client.post(reverse("training:event-attendance", args=[unit_event.pk])).status_code == 404
    assert client.post(reverse("training:import-confirm", args=[job.pk])).status_code == 404
    assert unit_event.title not in client.get(reverse("training:event-list")).content.decode()


def test_secretary_sees_own_branch_hours_not_the_unit(client_for, tree, people, personas, unit_event, job):
    client = client_for(personas["secretary"])  # secretary of branch_a
    urls = pages(tree, people, unit_event, job)
    response = client.get(urls["branch"])
    assert response.status_code == 200
    assert people["branch_a"]["members"][4].name in response.content.decode()
    assert client.get(urls["member"]).status_code == 200
    assert client.get(urls["unit"]).status_code == 404
    assert client.get(urls["event"]).status_code == 404  # organized by the unit, outside their scope
    assert client.get(reverse("training:mine")).url == urls["branch"]
    assert client.get(reverse("training:coverage")).url == reverse("training:mine")


def test_provincial_staff_see_but_may_not_manage_unit_events(
    client_for, tree, people, personas, unit_event, job
):
    client = client_for(personas["provincial"])
    urls = pages(tree, people, unit_event, job)
    assert client.get(urls["event"]).status_code == 200
    # provincial staff supervise the whole tree, so they may organize under it too
    assert client.get(urls["edit"]).status_code == 200


def test_unit_staff_manage_branch_events_but_do_not_see_provincial_ones(
    client_for, tree, people, personas, make_event
):
    event = make_event(tier=Tier.BRANCH, organizer=tree["branch_a"])
    client = client_for(personas["unit_staff"])
    assert client.get(reverse("training:event-edit", args=[event.pk])).status_code == 200
    # a provincial event is not visible to unit staff at all
    provincial = make_event(tier=Tier.PROVINCIAL, organizer=tree["root"])
    assert client.get(reverse("training:event-detail", args=[provincial.pk])).status_code == 404


def test_forbidden_attendance_post_changes_nothing(client_for, tree, people, personas, make_event, attend):
    event = make_event(tier=Tier.PROVINCIAL, organizer=tree["root"])
    attend(event, people["branch_a"]["members"][0])
    row = Attendance.objects.get(event=event)
    client = client_for(personas["unit_staff"])
    response = client.post(
        reverse("training:event-attendance", args=[event.pk]),
        {"row": row.pk, f"status-{row.pk}": "absent", f"hours-{row.pk}": ""},
    )
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.status == Attendance.Status.ATTENDED


def test_create_event_enrol_and_record_attendance(client_for, tree, people, personas, standard_tag):
    client = client_for(personas["unit_staff"])
    response = client.post(
        reverse("training:event-create"),
        {
            "tier": Tier.UNIT,
            "organizer": tree["unit_a"].pk,
            "title": "标准化专题轮训",
            "start_on": f"{YEAR}-03-01",
            "end_on": f"{YEAR}-03-02",
            "hours": "16",
            "mode": "in_person",
            "audience": "secretaries",
            "tags": [standard_tag.pk],
        },
    )
    event = TrainingEvent.objects.get(title="标准化专题轮训")
    assert response.url == event.get_absolute_url() and event.is_standard
    client.post(reverse("training:event-enrol", args=[event.pk]), {"branch": tree["branch_a"].pk})
    assert event.attendances.count() == 5
    row = event.attendances.get(member=people["branch_a"]["secretary"])
    client.post(
        reverse("training:event-attendance", args=[event.pk]),
        {"row": row.pk, f"status-{row.pk}": "attended", f"hours-{row.pk}": ""},
    )
    row.refresh_from_db()
    assert (row.status, row.hours_credited) == ("attended", 16)
    page = client.get(reverse("training:coverage-org", args=[tree["unit_a"].pk]) + f"?year={YEAR}")
    assert "50.0%" in page.content.decode()  # 1 of 2 branches covered by standard training


def test_tier_must_fit_the_organizer(client_for, tree, personas):
    client = client_for(personas["unit_staff"])
    response = client.post(
        reverse("training:event-create"),
        {
            "tier": Tier.PROVINCIAL,
            "organizer": tree["unit_a"].pk,
            "title": "x",
            "start_on": f"{YEAR}-03-01",
            "end_on": f"{YEAR}-03-01",
            "hours": "4",
            "mode": "online",
            "audience": "all_members",
        },
    )
    assert response.status_code == 200
    assert "主办组织不能是" in response.content.decode()
    assert not TrainingEvent.objects.exists()


def test_enrol_outside_the_organizer_scope_is_refused(client_for, tree, people, personas, unit_event):
    client = client_for(personas["unit_staff"])
    outsider = people["branch_c"]["members"][1]
    client.post(reverse("training:event-enrol", args=[unit_event.pk]), {"member": [outsider.pk]})
    assert not unit_event.attendances.filter(member=outsider).exists()


def grow(tree, people, make_event, attend, n):
    """Add n branches with members, secretaries, committees and attendance under unit_a."""
    event = make_event(tier=Tier.UNIT, title=f"加量{n}")
    for i in range(n):
        branch = make_org(f"加量支部{n}-{i}", "branch", tree["unit_a"])
        unit = make_org(f"加量单位{n}-{i}", "unit_committee", tree["root"])
        make_org(f"加量单位支部{n}-{i}", "branch", unit)
        members = [MemberFactory(branch=branch) for _ in range(3)]
        term = Term.objects.create(
            branch=branch, elected_on=date(YEAR - 1, 1, 1), ends_on=date(YEAR + 2, 1, 1)
        )
        Post.objects.create(
            term=term, member=members[0], role=Post.Role.SECRETARY, started_on=date(YEAR, 1, 1)
        )
        for member in members:
            attend(event, member)
        for member in people["branch_a"]["members"]:
            attend(make_event(tier=Tier.BRANCH, organizer=tree["branch_a"], title=f"支部学习{n}{i}"), member)
    return event


def test_query_counts_do_not_grow_with_data(
    client_for, tree, people, personas, make_event, attend, unit_event
):
    for key in ("branch_b", "branch_c"):  # a new secretary in each unit from the start
        term = people[key]["term"]
        Post.objects.filter(term=term, role=Post.Role.SECRETARY).update(ended_on=date(YEAR, 1, 1))
        Post.objects.create(
            term=term, member=people[key]["members"][1], role=Post.Role.SECRETARY, started_on=date(YEAR, 1, 2)
        )
    urls = {
        "coverage": (personas["provincial"], reverse("training:coverage")),
        "unit": (personas["unit_staff"], reverse("training:coverage-org", args=[tree["unit_a"].pk])),
        "branch": (personas["unit_staff"], reverse("training:coverage-org", args=[tree["branch_a"].pk])),
        "events": (personas["unit_staff"], reverse("training:event-list")),
        "member": (
            personas["unit_staff"],
            reverse("training:member-hours", args=[people["branch_a"]["members"][0].pk]),
        ),
    }
    small = {}
    for name, (user, url) in urls.items():
        small[name] = count_queries(client_for(user), url)
    big_event = grow(tree, people, make_event, attend, 4)
    small_event = count_queries(
        client_for(personas["unit_staff"]), reverse("training:event-detail", args=[unit_event.pk])
    )
    for name, (user, url) in urls.items():
        assert count_queries(client_for(user), url) == small[name], name
    assert (
        count_queries(
            client_for(personas["unit_staff"]), reverse("training:event-detail", args=[big_event.pk])
        )
        == small_event
    )


def test_secretary_organizes_branch_study_but_not_for_the_unit(client_for, tree, people, personas):
    client = client_for(personas["secretary"])
    data = {
        "tier": Tier.BRANCH,
        "organizer": tree["branch_a"].pk,
        "title": "支部集中学习",
        "start_on": f"{YEAR}-04-01",
        "end_on": f"{YEAR}-04-01",
        "hours": "4",
        "mode": "in_person",
        "audience": "all_members",
    }
    response = client.post(reverse("training:event-create"), data)
    event = TrainingEvent.objects.get(title="支部集中学习")
    assert response.url == event.get_absolute_url()
    response = client.post(
        reverse("training:event-create"),
        {**data, "tier": Tier.UNIT, "organizer": tree["unit_a"].pk, "title": "越权"},
    )
    assert response.status_code == 200 and not TrainingEvent.objects.filter(title="越权").exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_pages_render_in_both_languages(client_for, tree, people, personas, unit_event, job, language):
    client = client_for(personas["unit_staff"])
    client.cookies["django_language"] = language
    for url in pages(tree, people, unit_event, job).values():
        assert client.get(url, HTTP_ACCEPT_LANGUAGE=language).status_code == 200
    html = client.get(reverse("training:coverage"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert ("Training coverage" in html) == (language == "en")


def test_the_engine_job_page_sends_a_sign_in_sheet_to_its_event_page(client_for, personas, job):
    client = client_for(personas["unit_staff"])
    response = client.get(reverse("imports:job", args=[job.pk]))
    assert response.status_code == 302
    assert response.url == reverse("training:import-detail", args=[job.pk])
    progress = client.get(reverse("imports:job-progress", args=[job.pk]))
    assert progress.status_code == 200  # the engine's polled progress serves every kind


def test_import_page_queries_do_not_grow_with_the_sheet(
    client_for, people, personas, unit_event, job, django_capture_on_commit_callbacks
):
    client = client_for(personas["unit_staff"])
    url = reverse("training:import-detail", args=[job.pk])
    small = count_queries(client, url), count_queries(client, url + "?show=matched")
    workbook = Workbook()
    workbook.active.append(["姓名", "支部"])
    for member in people["branch_a"]["members"] + people["branch_b"]["members"]:
        workbook.active.append([member.name, member.branch.name])
    for i in range(30):
        workbook.active.append([f"访客{i}", "某支部"])
    buffer = BytesIO()
    workbook.save(buffer)
    with django_capture_on_commit_callbacks(execute=True):
        big = imports.import_start(
            event=unit_event,
            user=personas["unit_staff"],
            upload=SimpleUploadedFile("b.xlsx", buffer.getvalue()),
        )
    assert imports.counts(ImportJob.objects.get(pk=big.pk))["matched"] == 8
    url = reverse("training:import-detail", args=[big.pk])
    assert (count_queries(client, url), count_queries(client, url + "?show=matched")) == small


@pytest.mark.parametrize(
    ("language", "column", "section"),
    [  # Chinese last: the test client leaves the last request's language active in the thread
        (
            "en",
            "Secretaries trained at provincial level in the last 3 years",
            "Secretaries without provincial training in the last 3 years（1）",
        ),
        ("zh-hans", "近3年参加过省级培训的书记占比", "近3年未参加省级培训的书记（1）"),
    ],
)
def test_provincial_cycle_shows_on_coverage_and_drill_down(
    client_for, tree, people, personas, make_event, attend, language, column, section
):
    attend(make_event(tier=Tier.PROVINCIAL, organizer=tree["root"]), people["branch_b"]["secretary"])
    client = client_for(personas["provincial"])
    client.cookies["django_language"] = language
    html = client.get(reverse("training:coverage"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert column in html
    html = client.get(
        reverse("training:coverage-org", args=[tree["unit_a"].pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert column in html
    assert section in html
    missing = html.split('id="h-cycle"')[1].split("</section>")[0]
    assert people["branch_a"]["secretary"].name in missing
    assert people["branch_b"]["secretary"].name not in missing
