"""Cycle enrolment, the report's life, ballots cast once, anonymity, tally, publication, reminders."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from assessments.duty_review import selectors, services
from assessments.models import DutyBallot, DutyCycle, DutyRater, DutyReminder, DutyReport, DutyVote
from branches.models import RectificationItem, SourceKind
from branches.policy import DEFAULTS, policy_set
from notifications.models import Notification
from tests.factories import UserFactory

from .conftest import OUTLINE, submit

pytestmark = pytest.mark.django_db


def test_opening_enrols_every_branch_and_lists_a_vacant_post(cycle, staffed, personas):
    reports = {r.organization_id: r for r in cycle.reports.all()}
    assert set(reports) == {staffed["branch_a"].pk, staffed["branch_b"].pk}
    assert reports[staffed["branch_a"].pk].secretary == personas["secretary"]
    assert reports[staffed["branch_a"].pk].secretary_name == "张书记"
    assert reports[staffed["branch_a"].pk].status == DutyReport.Status.DRAFT
    assert reports[staffed["branch_b"].pk].status == DutyReport.Status.VACANT
    assert [s["heading"] for s in reports[staffed["branch_a"].pk].sections][1:] == OUTLINE.splitlines()
    # the branch secretary is put on the raters list; the vacant branch is not
    assert list(cycle.raters.values_list("user", "category")) == [(personas["secretary"].pk, "secretary")]
    assert (
        Notification.objects.filter(recipient=personas["secretary"], kind="duty_review_opened").count() == 1
    )


def test_only_staff_of_the_level_above_open_a_cycle(staffed, personas):
    args = dict(year=2026, outline="一", due_on=date(2026, 12, 1), meeting_on=date(2026, 12, 5))
    with pytest.raises(PermissionDenied):
        services.cycle_open(user=personas["secretary"], organization=staffed["unit_a"], **args)
    with pytest.raises(PermissionDenied):  # unit staff of unit_a cannot open unit_b's cycle
        services.cycle_open(user=personas["unit_staff"], organization=staffed["unit_b"], **args)
    with pytest.raises(PermissionDenied):  # nor the provincial level's
        services.cycle_open(user=personas["unit_staff"], organization=staffed["root"], **args)
    with pytest.raises(ValidationError, match="只有机关党委或省直机关工委"):
        services.cycle_open(user=personas["provincial"], organization=staffed["branch_a"], **args)
    assert DutyCycle.objects.count() == 0


def test_unit_level_cycle_enrols_unit_committees(staffed, personas):
    cycle = services.cycle_open(
        user=personas["provincial"],
        organization=staffed["root"],
        year=2026,
        outline="一\n二",
        due_on=date(2026, 12, 1),
        meeting_on=date(2026, 12, 5),
    )
    assert cycle.level == DutyCycle.Level.UNIT
    assert set(cycle.reports.values_list("organization", "status")) == {
        (staffed["unit_a"].pk, "vacant"),
        (staffed["unit_b"].pk, "vacant"),
    }


def test_a_second_cycle_for_the_same_year_is_refused(cycle, staffed, personas):
    with pytest.raises(ValidationError, match="已开启"):
        services.cycle_open(
            user=personas["unit_staff"],
            organization=staffed["unit_a"],
            year=2026,
            outline="x",
            due_on=date(2026, 12, 1),
            meeting_on=date(2026, 12, 5),
        )


def test_draft_submit_locks_and_staff_return(cycle, personas):
    report = cycle.reports.get(secretary=personas["secretary"])
    with pytest.raises(ValidationError, match="尚未填写"):
        services.report_submit(report=report, user=personas["secretary"], expected_version=report.version)
    report = submit(report, personas["secretary"])
    assert report.status == DutyReport.Status.SUBMITTED
    with pytest.raises(ValidationError, match="已提交"):
        services.report_save(
            report=report, user=personas["secretary"], expected_version=report.version, texts=["x"] * 4
        )
    with pytest.raises(PermissionDenied):
        services.report_return(report=report, user=personas["secretary"], comment="自己退回")
    report = services.report_return(report=report, user=personas["unit_staff"], comment="请补充问题清单")
    assert (report.status, report.return_comment) == ("returned", "请补充问题清单")
    report = services.report_save(
        report=report, user=personas["secretary"], expected_version=report.version, texts=["改"] * 4
    )
    assert report.sections[0]["text"] == "改"


def test_someone_else_cannot_write_the_report(cycle, personas):
    report = cycle.reports.get(secretary=personas["secretary"])
    with pytest.raises(PermissionDenied):
        services.report_save(
            report=report, user=personas["outsider"], expected_version=report.version, texts=["x"] * 4
        )


def test_stale_draft_is_refused(cycle, personas):
    report = cycle.reports.get(secretary=personas["secretary"])
    old = report.version
    services.report_save(report=report, user=personas["secretary"], expected_version=old, texts=["a"] * 4)
    with pytest.raises(ValidationError, match="已被他人修改"):
        services.report_save(report=report, user=personas["secretary"], expected_version=old, texts=["b"] * 4)
    assert DutyReport.objects.get(pk=report.pk).sections[0]["text"] == "a"


def _open_voting(cycle, personas):
    report = cycle.reports.get(secretary=personas["secretary"])
    submit(report, personas["secretary"])
    return services.voting_open(cycle=cycle, user=personas["unit_staff"]), report


def test_a_ballot_cast_twice_is_refused(cycle, voters, personas):
    cycle, report = _open_voting(cycle, personas)
    ballot = DutyBallot.objects.get(rater__user=voters[0])
    services.ballot_cast(code=ballot.code, user=voters[0], grades={report.pk: "good"})
    with pytest.raises(ValidationError, match="已经投过"):
        services.ballot_cast(code=ballot.code, user=voters[0], grades={report.pk: "poor"})
    assert list(DutyVote.objects.values_list("grade", flat=True)) == ["good"]


def test_a_rater_not_on_the_list_is_refused(cycle, voters, personas):
    cycle, report = _open_voting(cycle, personas)
    stranger = UserFactory(username="stranger")
    ballot = DutyBallot.objects.get(rater__user=voters[0])
    with pytest.raises(ValidationError, match="不在本次测评人名单"):
        services.ballot_cast(code=ballot.code, user=stranger, grades={report.pk: "good"})
    with pytest.raises(ValidationError, match="不在本次测评人名单"):
        services.ballot_check_rater(cycle=cycle, user=stranger)
    assert DutyVote.objects.count() == 0
    assert DutyBallot.objects.filter(used=True).count() == 0


def test_a_removed_rater_loses_the_ballot(cycle, voters, personas):
    cycle, report = _open_voting(cycle, personas)
    rater = DutyRater.objects.get(user=voters[1])
    code = rater.ballot.code
    services.rater_remove(rater=rater, user=personas["unit_staff"])
    with pytest.raises(ValidationError, match="票码无效"):
        services.ballot_cast(code=code, user=voters[1], grades={report.pk: "good"})


def test_every_report_must_be_graded_and_voting_must_be_open(cycle, voters, personas):
    report = cycle.reports.get(secretary=personas["secretary"])
    ballot = DutyBallot.objects.get(rater__user=voters[0])
    with pytest.raises(ValidationError, match="尚未开始"):
        services.ballot_cast(code=ballot.code, user=voters[0], grades={report.pk: "good"})
    cycle, report = _open_voting(cycle, personas)
    with pytest.raises(ValidationError, match="每一位述职人"):
        services.ballot_cast(code=ballot.code, user=voters[0], grades={})
    assert DutyBallot.objects.get(pk=ballot.pk).used is False


def test_sheet_codes_vote_without_an_account(cycle, personas):
    services.ballots_issue(cycle=cycle, user=personas["unit_staff"], sheet=2)
    cycle, report = _open_voting(cycle, personas)
    sheet = DutyBallot.objects.filter(rater=None).first()
    from django.contrib.auth.models import AnonymousUser

    services.ballot_cast(code=sheet.code.lower(), user=AnonymousUser(), grades={report.pk: "fairly_good"})
    assert DutyBallot.objects.get(pk=sheet.pk).used is True


def test_vote_is_not_linked_to_the_rater(cycle, voters, personas):
    """The has-voted mark (ballot) and the vote share no column, key or time ordering."""
    cycle, report = _open_voting(cycle, personas)
    for user, grade in zip(voters, ["good", "poor", "fairly_good"], strict=True):
        services.ballot_cast(
            code=DutyBallot.objects.get(rater__user=user).code, user=user, grades={report.pk: grade}
        )
    vote_fields = {f.name for f in DutyVote._meta.get_fields()}
    assert vote_fields == {"id", "report", "grade"}
    # no relation from a vote to ballot, rater or user, and none the other way
    for model in (DutyBallot, DutyRater):
        assert not any(getattr(f, "related_model", None) is DutyVote for f in model._meta.get_fields())
    assert DutyVote._meta.get_field("id").get_internal_type() == "UUIDField"
    assert not any(
        f.get_internal_type() in ("DateTimeField", "DateField") for f in DutyVote._meta.concrete_fields
    )
    assert not any(
        f.get_internal_type() in ("DateTimeField", "DateField") for f in DutyBallot._meta.concrete_fields
    )
    # the database table agrees: its only columns are the random key, the report and the grade
    with connection.cursor() as cursor:
        columns = {
            c.name for c in connection.introspection.get_table_description(cursor, DutyVote._meta.db_table)
        }
    assert columns == {"id", "report_id", "grade"}
    # what is known about a rater is only that they voted
    assert set(DutyBallot.objects.filter(used=True).values_list("rater__user", flat=True)) == {
        u.pk for u in voters
    }
    assert sorted(DutyVote.objects.values_list("grade", flat=True)) == ["fairly_good", "good", "poor"]


def test_close_tallies_in_one_grouped_query_and_publish_notifies(
    cycle, voters, personas, django_assert_num_queries
):
    cycle, report = _open_voting(cycle, personas)
    for user, grade in zip(voters, ["good", "good", "fairly_good"], strict=True):
        services.ballot_cast(
            code=DutyBallot.objects.get(rater__user=user).code, user=user, grades={report.pk: grade}
        )
    # the secretary (on the list) has a ballot too, unused: turnout 3 of 4
    with django_assert_num_queries(3):
        counts = selectors.vote_counts(cycle)
        assert counts[report.pk] == {"good": 2, "fairly_good": 1}
        selectors.live_tally(cycle, DEFAULTS)
    cycle = services.voting_close(cycle=cycle, user=personas["unit_staff"])
    report.refresh_from_db()
    assert (report.vote_count, str(report.composite), report.computed_grade) == (3, "93.3", "good")
    assert cycle.tally_policy["ballots_issued"] == 3  # the unused ballot was withdrawn at closing
    services.cycle_publish(cycle=cycle, user=personas["unit_staff"])
    assert (
        Notification.objects.filter(recipient=personas["secretary"], kind="duty_review_result").count() == 1
    )
    assert (
        Notification.objects.filter(recipient=personas["unit_staff"], kind="duty_review_result").count() == 1
    )


def test_turnout_below_minimum_gives_no_grade_after_close(cycle, voters, personas):
    policy_set(key="duty_review.min_turnout_percent", value=80)
    cycle, report = _open_voting(cycle, personas)
    services.ballot_cast(
        code=DutyBallot.objects.get(rater__user=voters[0]).code, user=voters[0], grades={report.pk: "good"}
    )
    # 1 of 4 issued ballots (3 representatives + the branch secretary)
    DutyCycle.objects.filter(pk=cycle.pk).update(status="voting")
    services.cycle_tally(cycle=cycle)
    report.refresh_from_db()
    assert report.vote_count == 1
    assert report.computed_grade == ""


def test_override_needs_a_reason_and_low_grade_flags_the_branch(cycle, voters, personas, staffed):
    cycle, report = _open_voting(cycle, personas)
    for user in voters:
        services.ballot_cast(
            code=DutyBallot.objects.get(rater__user=user).code, user=user, grades={report.pk: "good"}
        )
    cycle = services.voting_close(cycle=cycle, user=personas["unit_staff"])
    with pytest.raises(ValidationError, match="必须填写理由"):
        services.report_override(report=report, user=personas["unit_staff"], grade="average", reason=" ")
    services.report_override(
        report=report, user=personas["unit_staff"], grade="average", reason="党委研究：台账不全"
    )
    report.refresh_from_db()
    assert (report.computed_grade, report.grade) == ("good", "average")
    assert list(selectors.branches_flagged_for_observation(2026)) == []  # not yet published
    services.cycle_publish(cycle=cycle, user=personas["unit_staff"])
    assert list(selectors.branches_flagged_for_observation(2026)) == [staffed["branch_a"]]
    item = RectificationItem.objects.get()
    assert (item.organization, item.source_kind, item.source_id) == (
        staffed["branch_a"],
        SourceKind.DUTY_REVIEW,
        report.pk,
    )
    assert "一般" in item.description
    assert list(selectors.branches_flagged_for_observation(2025)) == []
    with pytest.raises(ValidationError, match="发布前"):
        services.report_override(report=report, user=personas["unit_staff"], grade="good", reason="再改")


def test_reminders_before_and_on_the_deadline_exactly_once(cycle, personas):
    policy_set(key="duty_review.remind_days_before", value=7)
    assert services.reminder_sweep(today=date(2026, 12, 12)) == 0  # 8 days before: too early
    assert services.reminder_sweep(today=date(2026, 12, 13)) == 1
    assert services.reminder_sweep(today=date(2026, 12, 13)) == 0  # rerun: nothing again
    assert services.reminder_sweep(today=date(2026, 12, 15)) == 0  # same stage, later day
    assert services.reminder_sweep(today=date(2026, 12, 20)) == 1  # the deadline itself
    assert services.reminder_sweep(today=date(2026, 12, 20)) == 0
    assert services.reminder_sweep(today=date(2026, 12, 21)) == 0  # after the deadline: none
    assert sorted(DutyReminder.objects.values_list("stage", flat=True)) == ["before", "due"]
    assert sorted(
        Notification.objects.filter(
            recipient=personas["secretary"], kind__startswith="duty_review_reminder"
        ).values_list("kind", flat=True)
    ) == ["duty_review_reminder_before", "duty_review_reminder_due"]


def test_submitted_reports_get_no_reminder(cycle, personas):
    submit(cycle.reports.get(secretary=personas["secretary"]), personas["secretary"])
    assert services.reminder_sweep(today=date(2026, 12, 20)) == 0


def test_raters_get_a_time_boxed_grant_to_read_the_reports_they_rate(cycle, voters, personas):
    from branches import permissions
    from branches.models import User
    from branches.permissions import Action

    report = submit(cycle.reports.get(secretary=personas["secretary"]), personas["secretary"])
    rater = User.objects.get(pk=voters[0].pk)
    assert permissions.can(rater, Action.RATE, cycle.organization) is True
    assert selectors.may_view_report(rater, report) is True
    assert voters[0] in permissions.users_with(Action.RATE, cycle.organization)
    stranger = UserFactory(username="nobody")
    assert selectors.may_view_report(stranger, report) is False
    # off the list: no grant any more
    services.rater_remove(rater=DutyRater.objects.get(user=voters[0]), user=personas["unit_staff"])
    rater = User.objects.get(pk=voters[0].pk)
    assert permissions.can(rater, Action.RATE, cycle.organization) is False
    assert selectors.may_view_report(rater, report) is False
    # closing the cycle ends the others' grants
    services.voting_open(cycle=cycle, user=personas["unit_staff"])
    services.voting_close(cycle=cycle, user=personas["unit_staff"])
    other = User.objects.get(pk=voters[1].pk)
    assert permissions.can(other, Action.RATE, cycle.organization) is False


def test_report_facts_count_the_secretarys_training_of_the_year(cycle, personas, staffed):
    from decimal import Decimal

    from assessments.duty_review import facts
    from branches.models import Member
    from training.models import Attendance, Tier, TrainingEvent

    member = Member.objects.get(user=personas["secretary"])
    for start, hours, status in [
        (date(2026, 3, 2), "8", Attendance.Status.ATTENDED),
        (date(2026, 9, 10), "16", Attendance.Status.ATTENDED),
        (date(2026, 10, 1), "4", Attendance.Status.ABSENT),  # not attended: not counted
        (date(2025, 5, 1), "8", Attendance.Status.ATTENDED),  # another year
    ]:
        event = TrainingEvent.objects.create(
            tier=Tier.UNIT,
            organizer=staffed["unit_a"],
            title=f"书记培训{start:%m%d}",
            start_on=start,
            end_on=start,
            hours=Decimal(hours),
            audience=TrainingEvent.Audience.ALL_MEMBERS,
        )
        Attendance.objects.create(event=event, member=member, status=status, hours_credited=Decimal(hours))
    result = facts.year_facts(
        organization=staffed["branch_a"], secretary=personas["secretary"], year=2026, today=date(2026, 11, 30)
    )
    assert result["training"] == {"sessions": 2, "hours": "24.0", "titles": ["书记培训0302", "书记培训0910"]}
    assert "参加培训：2 次，24.0 学时。" in facts.summary_text(result)
