"""Pages of 述职评议: scope (404 outside), the journey through the views, query counts at two sizes."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.duty_review import services
from assessments.models import DutyAttachment, DutyBallot, DutyCycle, DutyReport, DutyVote
from branches.models import Organization
from tests.conftest import count_queries
from tests.factories import Role, UserFactory, grant, make_org

from .conftest import submit

pytestmark = pytest.mark.django_db


def test_staff_open_a_cycle_through_the_form(staffed, personas, client_for):
    client = client_for(personas["unit_staff"])
    response = client.get(reverse("duty_review:cycle-new"))
    assert response.status_code == 200
    # unit staff may pick only their own unit committee
    assert list(response.context["form"].fields["organization"].queryset) == [staffed["unit_a"]]
    response = client.post(
        reverse("duty_review:cycle-new"),
        {
            "organization": staffed["unit_a"].pk,
            "year": 2026,
            "outline": "一、学习情况\n二、履职情况",
            "due_on": "2026-12-20",
            "meeting_on": "2026-12-10",
        },
    )
    assert "不能早于" in response.content.decode()
    assert DutyCycle.objects.count() == 0


def test_cycle_pages_are_404_outside_scope(cycle, personas, client_for):
    urls = [
        reverse("duty_review:cycle-detail", args=[cycle.pk]),
        reverse("duty_review:raters", args=[cycle.pk]),
        reverse("duty_review:ballot-sheet", args=[cycle.pk]),
        reverse("duty_review:cycle-ranking", args=[cycle.pk]),
        reverse("duty_review:cycle-export", args=[cycle.pk]),
    ]
    other_unit_staff = UserFactory(username="staff_b")
    grant(
        other_unit_staff,
        Role.UNIT_STAFF,
        cycle.organization.parent.children.exclude(pk=cycle.organization_id).first(),
    )
    for user in (personas["secretary"], personas["outsider"], other_unit_staff):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user.username, url)
    staff = client_for(personas["unit_staff"])
    assert staff.get(urls[0]).status_code == 200
    assert client_for(personas["provincial"]).get(urls[0]).status_code == 200


def test_secretary_sees_only_their_own_report(cycle, personas, client_for, staffed):
    own = cycle.reports.get(secretary=personas["secretary"])
    vacant = cycle.reports.get(organization=staffed["branch_b"])
    secretary = client_for(personas["secretary"])
    response = secretary.get(own.get_absolute_url())
    assert response.status_code == 200
    text = response.content.decode()
    assert "组织生活开展情况" in text  # the pre-filled facts section
    assert "参加培训：0 次，0 学时。" in text  # from the training app's records (none yet)
    assert secretary.get(vacant.get_absolute_url()).status_code == 404
    assert client_for(personas["outsider"]).get(own.get_absolute_url()).status_code == 404
    assert client_for(personas["unit_staff"]).get(own.get_absolute_url()).status_code == 200


def test_secretary_saves_draft_then_submits_through_the_page(cycle, personas, client_for):
    report = cycle.reports.get(secretary=personas["secretary"])
    client = client_for(personas["secretary"])
    data = {"version": report.version, **{f"section_{i}": f"第{i}部分" for i in range(len(report.sections))}}
    assert client.post(report.get_absolute_url(), {**data, "save": "1"}).status_code == 302
    report.refresh_from_db()
    assert report.status == "draft" and report.sections[1]["text"] == "第1部分"
    data["version"] = report.version
    client.post(report.get_absolute_url(), {**data, "submit": "1"})
    report.refresh_from_db()
    assert report.status == "submitted"
    # a locked report: a further POST is forbidden and changes nothing
    assert client.post(report.get_absolute_url(), {**data, "section_0": "改"}).status_code == 403
    report.refresh_from_db()
    assert report.sections[0]["text"] == "第0部分"


def test_attachment_upload_uses_the_shared_validation(cycle, personas, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = cycle.reports.get(secretary=personas["secretary"])
    client = client_for(personas["secretary"])
    url = reverse("duty_review:report-action", args=[report.pk, "attach"])
    client.post(url, {"file": SimpleUploadedFile("run.exe", b"MZ")})
    assert DutyAttachment.objects.count() == 0
    client.post(url, {"file": SimpleUploadedFile("述职材料.pdf", b"%PDF-1.4")})
    attachment = DutyAttachment.objects.get()
    assert attachment.original_name == "述职材料.pdf"
    assert client.get(reverse("duty_review:attachment-download", args=[attachment.pk])).status_code == 200
    assert (
        client_for(personas["outsider"])
        .get(reverse("duty_review:attachment-download", args=[attachment.pk]))
        .status_code
        == 404
    )


def test_ballot_page_votes_once_and_refuses_another_users_ballot(cycle, voters, personas, client_for):
    report = submit(cycle.reports.get(secretary=personas["secretary"]), personas["secretary"])
    services.voting_open(cycle=cycle, user=personas["unit_staff"])
    ballot = DutyBallot.objects.get(rater__user=voters[0])
    assert client_for(voters[1]).get(ballot.get_absolute_url()).status_code == 404
    client = client_for(voters[0])
    response = client.get(ballot.get_absolute_url())
    assert response.status_code == 200
    client.post(ballot.get_absolute_url(), {f"r{report.pk}": "good"})
    response = client.post(ballot.get_absolute_url(), {f"r{report.pk}": "poor"})
    assert "已投出" in response.content.decode()
    assert list(DutyVote.objects.values_list("grade", flat=True)) == ["good"]


def test_sheet_code_works_without_login(cycle, personas, client):
    services.ballots_issue(cycle=cycle, user=personas["unit_staff"], sheet=1)
    report = submit(cycle.reports.get(secretary=personas["secretary"]), personas["secretary"])
    services.voting_open(cycle=cycle, user=personas["unit_staff"])
    code = DutyBallot.objects.get(rater=None).code
    response = client.get(reverse("duty_review:vote-entry"), {"code": code})
    assert response.status_code == 302
    client.post(reverse("duty_review:ballot", args=[code]), {f"r{report.pk}": "fairly_good"})
    assert DutyVote.objects.get().grade == "fairly_good"
    assert client.get(reverse("duty_review:ballot", args=["NOPE"])).status_code == 404


def _close_and_publish(cycle, voters, personas, grade="good"):
    report = cycle.reports.get(secretary=personas["secretary"])
    if report.status != DutyReport.Status.SUBMITTED:
        report = submit(report, personas["secretary"])
    services.voting_open(cycle=cycle, user=personas["unit_staff"])
    for user in voters:
        services.ballot_cast(
            code=DutyBallot.objects.get(rater__user=user).code, user=user, grades={report.pk: grade}
        )
    services.voting_close(cycle=cycle, user=personas["unit_staff"])
    services.cycle_publish(cycle=cycle, user=personas["unit_staff"])
    return report


def test_published_grade_shows_to_the_secretary_on_home_branch_page_and_print(
    cycle, voters, personas, client_for, staffed
):
    report = _close_and_publish(cycle, voters, personas)
    secretary = client_for(personas["secretary"])
    assert "好" in secretary.get(report.get_absolute_url()).content.decode()
    home = secretary.get(reverse("branches:home")).content.decode()
    assert "年度书记述职评议" in home
    org = secretary.get(reverse("branches:org-detail", args=[staffed["branch_a"].pk])).content.decode()
    assert 'id="duty-grade">好' in org
    printed = secretary.get(reverse("duty_review:report-print", args=[report.pk])).content.decode()
    assert "综合得分" in printed
    export = client_for(personas["unit_staff"]).get(reverse("duty_review:cycle-export", args=[cycle.pk]))
    assert export.status_code == 200
    assert "attachment" in export["Content-Disposition"]


def test_result_is_hidden_before_publication(cycle, voters, personas, client_for):
    report = submit(cycle.reports.get(secretary=personas["secretary"]), personas["secretary"])
    services.voting_open(cycle=cycle, user=personas["unit_staff"])
    services.voting_close(cycle=cycle, user=personas["unit_staff"])
    text = client_for(personas["secretary"]).get(report.get_absolute_url()).content.decode()
    assert "评议结果" not in text


def _grow(tree, n, cycle=None):
    for i in range(n):
        make_org(f"增长支部{i}", Organization.Kind.BRANCH, tree["unit_a"])


def test_overview_and_tally_run_the_same_queries_at_two_sizes(staffed, personas, client_for):
    client = client_for(personas["unit_staff"])

    def build(year):
        cycle = services.cycle_open(
            user=personas["unit_staff"],
            organization=staffed["unit_a"],
            year=year,
            outline="一\n二",
            due_on=date(year, 12, 1),
            meeting_on=date(year, 12, 5),
        )
        for i in range(3):
            user = UserFactory(username=f"r{year}-{i}")
            services.rater_add(
                cycle=cycle,
                user=personas["unit_staff"],
                name="代表",
                category="representative",
                rater_user=user,
            )
        services.ballots_issue(cycle=cycle, user=personas["unit_staff"], sheet=2)
        services.voting_open(cycle=cycle, user=personas["unit_staff"])
        for ballot in DutyBallot.objects.filter(cycle=cycle, rater__user__isnull=False).select_related(
            "rater"
        ):
            grades = {
                pk: "good" for pk in cycle.reports.exclude(status="vacant").values_list("pk", flat=True)
            }
            services.ballot_cast(code=ballot.code, user=ballot.rater.user, grades=grades)
        return cycle

    small = build(2025)
    pages = lambda c: [  # noqa: E731
        reverse("duty_review:cycle-detail", args=[c.pk]),
        reverse("duty_review:index"),
    ]
    before = [count_queries(client, url) for url in pages(small)]
    services.voting_close(cycle=small, user=personas["unit_staff"])
    ranking_before = count_queries(client, reverse("duty_review:cycle-ranking", args=[small.pk]))
    _grow(staffed, 8)
    large = build(2026)
    assert large.reports.count() == small.reports.count() + 8
    assert [count_queries(client, url) for url in pages(large)] == before
    services.voting_close(cycle=large, user=personas["unit_staff"])
    assert count_queries(client, reverse("duty_review:cycle-ranking", args=[large.pk])) == ranking_before


def test_ballot_page_runs_the_same_queries_at_two_sizes(staffed, cycle, voters, personas, client_for):
    services.voting_open(cycle=cycle, user=personas["unit_staff"])
    ballot = DutyBallot.objects.get(rater__user=voters[0])
    client = client_for(voters[0])
    before = count_queries(client, ballot.get_absolute_url())
    _grow(staffed, 5)
    services.enrol(cycle=cycle)
    assert count_queries(client, ballot.get_absolute_url()) == before


def test_overview_lists_who_has_not_submitted_within_scope(cycle, personas, client_for, staffed):
    url = reverse("duty_review:overview") + "?year=2026&state=missing"
    response = client_for(personas["unit_staff"]).get(url)
    rows = list(response.context["page_obj"])
    assert [r.organization for r in rows] == [staffed["branch_a"]]
    assert client_for(personas["secretary"]).get(url).status_code == 403
    other = UserFactory(username="staff_b2")
    grant(other, Role.UNIT_STAFF, staffed["unit_b"])
    assert list(client_for(other).get(url).context["page_obj"]) == []


def test_overview_runs_the_same_queries_at_two_sizes(cycle, personas, client_for, staffed):
    client = client_for(personas["provincial"])
    url = reverse("duty_review:overview") + "?year=2026"
    before = count_queries(client, url)
    _grow(staffed, 6)
    services.enrol(cycle=cycle)
    assert count_queries(client, url) == before


def test_next_years_report_is_prefilled_with_last_years_grade(cycle, voters, personas, client_for, staffed):
    _close_and_publish(cycle, voters, personas, grade="average")
    nxt = services.cycle_open(
        user=personas["unit_staff"],
        organization=staffed["unit_a"],
        year=2027,
        outline="一",
        due_on=date(2027, 12, 1),
        meeting_on=date(2027, 12, 5),
    )
    report = nxt.reports.get(secretary=personas["secretary"])
    text = client_for(personas["secretary"]).get(report.get_absolute_url()).content.decode()
    assert "上年度述职评议等次：一般。" in text
