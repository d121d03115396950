from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from branches.models import Activity, MonthlyReport
from branches.policy import policy_set
from branches.reports import services
from tests.factories import MemberFactory

from .conftest import Kind, record

pytestmark = pytest.mark.django_db


def messages_of(excinfo):
    return excinfo.value.messages


def test_attendance_that_does_not_add_up_is_refused_with_the_counts(create_activity):
    with pytest.raises(ValidationError) as excinfo:
        create_activity(expected_full=10, present_full=7, leave_full=1, absent_full=1)
    assert "正式党员人数不符：应到 10 人，实到、请假、缺席合计 9 人。" in messages_of(excinfo)


def test_probationary_attendance_is_checked_separately(create_activity):
    with pytest.raises(ValidationError) as excinfo:
        create_activity(expected_probationary=2, present_probationary=1)
    assert "预备党员人数不符：应到 2 人，实到、请假、缺席合计 1 人。" in messages_of(excinfo)


def test_the_database_also_refuses_attendance_that_does_not_add_up(tree):
    with pytest.raises(IntegrityError):
        Activity.objects.create(
            branch=tree["branch_a"],
            kind=Kind.THEME_DAY,
            held_on=date(2026, 3, 1),
            place="p",
            chair="c",
            recorder="r",
            topic="t",
            expected_full=5,
            present_full=3,
        )


def assembly(create_activity, *, expected=10, present=6, votes_for=6, against=0, abstain=0, passed=True):
    return create_activity(
        kind=Kind.ASSEMBLY,
        expected_full=expected,
        present_full=present,
        leave_full=expected - present,
        decisions=[
            {
                "subject": "接收预备党员",
                "votes_for": votes_for,
                "votes_against": against,
                "votes_abstain": abstain,
                "passed": passed,
            }
        ],
    )


def test_votes_cannot_exceed_the_members_present(create_activity):
    with pytest.raises(ValidationError) as excinfo:
        assembly(create_activity, present=6, votes_for=6, against=1)
    assert "接收预备党员：表决票数合计不能超过实到会有表决权的正式党员人数。" in messages_of(excinfo)


def test_assembly_vote_without_a_strict_majority_present_is_refused(create_activity):
    with pytest.raises(ValidationError) as excinfo:
        assembly(create_activity, expected=10, present=5, votes_for=5)
    assert "接收预备党员：到会有表决权的正式党员未超过应到人数的半数，不能进行表决。" in messages_of(excinfo)


def test_exactly_half_present_is_a_quorum_when_strict_majority_is_switched_off(create_activity):
    policy_set(key="life.strict_majority", value=False)
    activity = assembly(create_activity, expected=10, present=5, votes_for=5, passed=False)
    assert activity.decisions.get().votes_for == 5
    with pytest.raises(ValidationError):  # but exactly half of the votes never passes a motion
        assembly(create_activity, expected=10, present=5, votes_for=5)


def test_a_passed_motion_needs_more_than_half_of_the_expected_voters(create_activity):
    with pytest.raises(ValidationError) as excinfo:
        assembly(create_activity, expected=10, present=8, votes_for=5, against=3)
    assert "接收预备党员：赞成票未超过应到会有表决权正式党员的半数，该事项不能通过。" in messages_of(excinfo)


def test_a_rejected_motion_may_have_few_yes_votes(create_activity):
    activity = assembly(create_activity, expected=10, present=8, votes_for=2, against=6, passed=False)
    assert activity.decisions.get().passed is False


def test_decisions_are_only_recorded_for_assemblies_and_committees(create_activity):
    with pytest.raises(ValidationError) as excinfo:
        create_activity(kind=Kind.THEME_DAY, decisions=[{"subject": "事项", "votes_for": 4}])
    assert "只有支部党员大会和支部委员会记录表决事项。" in messages_of(excinfo)


def test_an_activity_dated_in_the_future_is_refused(create_activity):
    with pytest.raises(ValidationError) as excinfo:
        create_activity(held_on=date(2026, 3, 12), today=date(2026, 3, 11))
    assert "活动日期不能晚于今天，活动开展后再记录。" in messages_of(excinfo)


def test_entry_within_three_working_days_is_not_flagged(create_activity):
    # Friday meeting, entered the next Wednesday: Mon, Tue, Wed = 3 working days.
    activity = create_activity(held_on=date(2026, 3, 6), today=date(2026, 3, 11))
    assert activity.entered_late is False


def test_entry_more_than_three_working_days_late_is_accepted_but_flagged(create_activity):
    activity = create_activity(held_on=date(2026, 3, 5), today=date(2026, 3, 11))
    assert activity.entered_late is True
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_working_days_skip_weekends():
    assert services.working_days_after(date(2026, 3, 6), date(2026, 3, 9)) == 1  # Fri → Mon
    assert services.working_days_after(date(2026, 3, 2), date(2026, 3, 2)) == 0


def test_a_lecture_needs_its_lecturer(create_activity):
    with pytest.raises(ValidationError) as excinfo:
        create_activity(kind=Kind.LECTURE)
    assert "党课须填写授课人。" in messages_of(excinfo)


def test_a_cell_meeting_needs_a_cell_of_the_same_branch(create_activity, tree):
    with pytest.raises(ValidationError) as excinfo:
        create_activity(kind=Kind.CELL)
    assert "党小组会须选择党小组。" in messages_of(excinfo)
    activity = create_activity(kind=Kind.CELL, cell=tree["cell_a"])
    assert activity.cell == tree["cell_a"]


def test_absent_members_must_belong_to_the_branch(create_activity, tree):
    stranger = MemberFactory(branch=tree["branch_b"])
    with pytest.raises(ValidationError) as excinfo:
        create_activity(present_full=4, leave_full=0, absent_full=1, absent_members=[stranger])
    assert "缺席党员必须是本支部党员。" in messages_of(excinfo)
    own = MemberFactory(branch=tree["branch_a"])
    activity = create_activity(present_full=4, leave_full=0, absent_full=1, absent_members=[own])
    assert list(activity.absent_members.all()) == [own]


def test_a_secretary_cannot_record_for_another_branch(create_activity, tree):
    with pytest.raises(PermissionDenied):
        create_activity(branch=tree["branch_b"])


def test_records_of_an_accepted_month_are_locked(create_activity, tree):
    MonthlyReport.objects.create(
        branch=tree["branch_a"],
        month=date(2026, 2, 1),
        due_on=date(2026, 3, 5),
        status=MonthlyReport.Status.ACCEPTED,
        first_submitted_at="2026-03-02T10:00:00+08:00",
    )
    with pytest.raises(ValidationError) as excinfo:
        create_activity(held_on=date(2026, 2, 20))
    assert (
        "2026年02月的月度报告已通过，不能再修改该月的活动记录；如需更正，请联系上级重新打开。"
        in messages_of(excinfo)
    )


def test_editing_with_a_stale_version_is_refused(create_activity, personas):
    activity = create_activity()
    fields = {
        "held_on": activity.held_on,
        "place": "新会议室",
        "chair": "张书记",
        "recorder": "李委员",
        "topic": "改",
        "expected_full": 5,
        "present_full": 4,
    }
    services.activity_update(
        activity=activity, user=personas["secretary"], version=1, today=date(2026, 3, 11), **fields
    )
    with pytest.raises(ValidationError) as excinfo:
        services.activity_update(
            activity=activity, user=personas["secretary"], version=1, today=date(2026, 3, 11), **fields
        )
    assert "该记录已被他人修改，请刷新页面后重新编辑。" in messages_of(excinfo)


def test_attachment_types_are_validated(create_activity, personas):
    activity = create_activity()
    bad = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as excinfo:
        services.attachment_add(activity=activity, user=personas["secretary"], kind="minutes", file=bad)
    assert messages_of(excinfo) == [
        "不支持的文件类型“exe”，只能上传：pdf、jpg、jpeg、png、doc、docx、xls、xlsx。"
    ]


def test_attachment_size_is_validated(create_activity, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    activity = create_activity()
    big = SimpleUploadedFile("minutes.pdf", b"x" * (2 * 1024 * 1024), content_type="application/pdf")
    with pytest.raises(ValidationError) as excinfo:
        services.attachment_add(activity=activity, user=personas["secretary"], kind="minutes", file=big)
    assert messages_of(excinfo) == ["文件过大（2.0 MB），上限为 1.0 MB。"]
    ok = SimpleUploadedFile("sign.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    attachment = services.attachment_add(
        activity=activity, user=personas["secretary"], kind="sign_in", file=ok
    )
    assert attachment.size == 8 and attachment.original_name == "sign.png"


def test_recorded_calendar_helper_adds_up(tree):
    activity = record(tree["branch_a"], Kind.THEME_DAY, date(2026, 1, 5))
    assert activity.expected == activity.present + activity.absent_full
