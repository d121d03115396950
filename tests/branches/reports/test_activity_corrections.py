"""A secretary corrects (type included) or soft-deletes a record while the month is open."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from branches.models import Activity, MonthlyReport
from branches.reports import compliance, selectors, services
from tests.factories import MemberFactory

from .conftest import Kind, activity_fields

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 1)


def correct(activity, user, **overrides):
    fields = activity_fields(**{"kind": activity.kind, **overrides})
    return services.activity_update(
        activity=activity, user=user, version=activity.version, today=date(2026, 3, 12), **fields
    )


def kinds_counted(branch):
    counts, _cells = compliance.load_counts([branch.pk], MARCH, date(2026, 3, 31))
    return {kind: n for (kind, _month), n in counts.get(branch.pk, {}).items()}


def test_the_type_of_a_record_can_be_corrected_and_compliance_follows(create_activity, personas, tree):
    activity = create_activity(kind=Kind.COMMITTEE)
    assert kinds_counted(tree["branch_a"]) == {Kind.COMMITTEE: 1}
    activity = correct(activity, personas["secretary"], kind=Kind.THEME_DAY)
    assert activity.kind == Kind.THEME_DAY
    assert kinds_counted(tree["branch_a"]) == {Kind.THEME_DAY: 1}


def test_a_meeting_with_nobody_expected_is_refused(create_activity):
    with pytest.raises(ValidationError) as excinfo:
        create_activity(expected_full=0, present_full=0, leave_full=0, absent_full=0)
    assert any("应到人数为 0" in m for m in excinfo.value.messages)
    # a heart-to-heart talk is not a meeting with a roster
    assert create_activity(kind=Kind.TALK, expected_full=0, present_full=0, leave_full=0, absent_full=0)


def test_committee_meetings_record_decisions(create_activity):
    activity = create_activity(
        kind=Kind.COMMITTEE, decisions=[{"subject": "确定发展对象", "votes_for": 4, "passed": True}]
    )
    assert [d.subject for d in activity.decisions.all()] == ["确定发展对象"]


@pytest.mark.parametrize("strict", [True, False])
def test_a_motion_never_passes_with_exactly_half_of_the_votes(strict):
    problems = compliance.vote_problems(
        expected_full=10,
        present_full=10,
        votes_for=5,
        votes_against=5,
        votes_abstain=0,
        passed=True,
        strict_majority=strict,
    )
    assert "赞成票未超过应到会有表决权正式党员的半数，该事项不能通过。" in problems
    # "half or more" may still apply to attendance: 5 of 10 present is a quorum when not strict
    quorum_problem = "到会有表决权的正式党员未超过应到人数的半数，不能进行表决。"
    at_half = compliance.vote_problems(
        expected_full=10,
        present_full=5,
        votes_for=5,
        votes_against=0,
        votes_abstain=0,
        passed=False,
        strict_majority=strict,
    )
    assert (quorum_problem in at_half) is strict


def test_soft_delete_needs_a_reason_and_removes_the_record_from_every_figure(create_activity, personas, tree):
    branch, secretary = tree["branch_a"], personas["secretary"]
    member = MemberFactory(branch=branch)
    activity = create_activity(present_full=4, leave_full=0, absent_full=1, absent_members=[member])
    with pytest.raises(ValidationError) as excinfo:
        services.activity_delete(activity=activity, user=secretary, version=activity.version, reason=" ")
    assert excinfo.value.messages == ["请填写删除原因。"]
    services.activity_delete(activity=activity, user=secretary, version=activity.version, reason="重复录入")

    assert not Activity.objects.filter(pk=activity.pk).exists()
    kept = Activity.all_objects.get(pk=activity.pk)
    assert kept.deletion_reason == "重复录入" and kept.deleted_by == secretary
    assert list(selectors.branch_activities(branch)) == []
    assert kinds_counted(branch) == {}
    assert selectors.report_derived(branch, MARCH, today=date(2026, 4, 2))["activities"] == []
    assert compliance.load_attendance([branch.pk], MARCH, date(2026, 3, 31)) == {}
    assert list(branch.activities.all()) == []
    assert [a.pk for a in selectors.deleted_activities(branch, year=2026)] == [activity.pk]
    history = kept.history.order_by("-history_date").first()
    assert history.history_change_reason == "删除：重复录入"


def test_after_acceptance_only_reopening_allows_a_correction(create_activity, personas, tree):
    activity = create_activity(held_on=date(2026, 3, 10))
    report = MonthlyReport.objects.create(
        branch=tree["branch_a"],
        month=MARCH,
        due_on=date(2026, 4, 5),
        status=MonthlyReport.Status.ACCEPTED,
        first_submitted_at="2026-04-02T10:00:00+08:00",
    )
    with pytest.raises(ValidationError):
        services.activity_delete(
            activity=activity, user=personas["secretary"], version=activity.version, reason="x"
        )
    with pytest.raises(ValidationError):
        correct(activity, personas["secretary"], kind=Kind.THEME_DAY)
    services.report_reopen(report=report, user=personas["unit_staff"], comment="请更正")
    services.activity_delete(
        activity=activity, user=personas["secretary"], version=activity.version, reason="录错"
    )
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_delete_page_asks_first_and_post_deletes(create_activity, personas, client_for, tree):
    activity = create_activity()
    outsider = client_for(personas["outsider"])
    assert outsider.get(f"/reports/activities/{activity.pk}/delete/").status_code == 404
    client = client_for(personas["secretary"])
    page = client.get(f"/reports/activities/{activity.pk}/delete/")
    assert page.status_code == 200 and "删除原因" in page.content.decode()
    assert Activity.objects.filter(pk=activity.pk).exists()
    response = client.post(
        f"/reports/activities/{activity.pk}/delete/", {"reason": "", "version": activity.version}
    )
    assert response.status_code == 200 and Activity.objects.filter(pk=activity.pk).exists()
    response = client.post(
        f"/reports/activities/{activity.pk}/delete/", {"reason": "重复录入", "version": activity.version}
    )
    assert response.status_code == 302
    assert client.get(f"/reports/activities/{activity.pk}/").status_code == 404
    overview = client.get(f"/reports/branch/{tree['branch_a'].pk}/?year=2026").content.decode()
    assert "重复录入" in overview and 'id="deleted-activities"' in overview


def test_new_meeting_form_prefills_attendance_from_the_roster(personas, client_for, tree):
    from branches.models import Member

    MemberFactory.create_batch(3, branch=tree["branch_a"])
    MemberFactory(
        branch=tree["branch_a"],
        status=Member.Status.PROBATIONARY,
        full_since=None,
        joined_on=date(2026, 3, 1),
        probation_ends_on=date(2027, 3, 1),
    )
    form = client_for(personas["secretary"]).get(f"/reports/branch/{tree['branch_a'].pk}/activities/new/")
    assert form.context["form"]["expected_full"].value() == 3
    assert form.context["form"]["expected_probationary"].value() == 1
    assert 'id="attendance-roster"' in form.content.decode()


@pytest.mark.parametrize("status", ["submitted", "resubmitted", "returned"])
def test_a_record_can_be_corrected_and_deleted_while_the_report_is_filed_but_not_accepted(
    create_activity, personas, tree, status
):
    branch, secretary = tree["branch_a"], personas["secretary"]
    kept = create_activity(held_on=date(2026, 3, 5), topic="保留")
    activity = create_activity(held_on=date(2026, 3, 10), kind=Kind.COMMITTEE, topic="原题")
    report = MonthlyReport.objects.create(
        branch=branch,
        month=MARCH,
        due_on=date(2026, 4, 5),
        status=status,
        first_submitted_at="2026-04-02T10:00:00+08:00",
        snapshot=selectors.report_derived(branch, MARCH, today=date(2026, 4, 2)),
    )
    assert len(report.snapshot["activities"]) == 2

    activity = correct(activity, secretary, kind=Kind.THEME_DAY, topic="更正后")
    assert activity.kind == Kind.THEME_DAY
    assert kinds_counted(branch) == {Kind.COMMITTEE: 1, Kind.THEME_DAY: 1}
    report.refresh_from_db()
    awaiting = status != "returned"
    if awaiting:  # the reviewer's figures follow the correction
        assert sorted(a["topic"] for a in report.snapshot["activities"]) == ["保留", "更正后"]
    assert report.amended_after_submission is awaiting

    services.activity_delete(activity=activity, user=secretary, version=activity.version, reason="重复")
    report.refresh_from_db()
    if awaiting:
        assert [a["topic"] for a in report.snapshot["activities"]] == [kept.topic]
    notes = list(report.events.filter(action="amend").values_list("comment", flat=True))
    assert notes == ["更正活动记录：2026-03-10 更正后", "删除活动记录：2026-03-10 更正后（重复）"]
    assert report.status == status  # the correction does not change where the report is


def test_the_amended_flag_shows_to_the_reviewer_and_clears_on_resubmission(
    create_activity, personas, tree, client_for
):
    branch = tree["branch_a"]
    activity = create_activity(held_on=date(2026, 3, 10))
    report = MonthlyReport.objects.create(
        branch=branch,
        month=MARCH,
        due_on=date(2026, 4, 5),
        status=MonthlyReport.Status.SUBMITTED,
        first_submitted_at="2026-04-02T10:00:00+08:00",
    )
    staff = client_for(personas["unit_staff"])
    assert "报送后有修改" not in staff.get(report.get_absolute_url()).content.decode()
    correct(activity, personas["secretary"], topic="改了")
    page = staff.get(report.get_absolute_url()).content.decode()
    assert "报送后有修改" in page and "更正活动记录：2026-03-10 改了" in page
    assert "报送后有修改" in staff.get("/reports/review/").content.decode()

    report.refresh_from_db()
    services.report_return(report=report, user=personas["unit_staff"], comment="请补充")
    report.refresh_from_db()
    report.declaration = True
    report.dues_members_due = report.dues_members_paid = 5
    report.dues_amount = 50
    report.gap_reason = "测试"
    report.save()
    report = services.report_submit(
        report=report, user=personas["secretary"], version=report.version, today=date(2026, 4, 3)
    )
    assert report.status == MonthlyReport.Status.RESUBMITTED and not report.amended_after_submission
