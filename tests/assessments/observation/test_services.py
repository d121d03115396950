"""Round lifecycle, sampling, teams, scoring, results, reminders and grants."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments.models import (
    Item,
    ObservationRound,
    ObserverScore,
    SampledBranch,
    Visit,
    VisitItem,
    VisitMember,
    VisitReminder,
)
from assessments.observation import access, sampling, scoring, services
from branches import permissions
from branches import services as branch_services
from branches.models import RectificationItem, SourceKind, Term
from branches.permissions import Action
from branches.policy import policy_set
from notifications.models import Notification

from .conftest import YEAR, fill_and_submit, make_round, scheduled_round

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- pure aggregation


def test_trimmed_mean_keeps_all_scores_with_four_observers():
    assert scoring.trimmed_mean([1, 2, 3, 10], trim_from=5) == Decimal("4.00")


def test_trimmed_mean_drops_highest_and_lowest_from_five_observers():
    assert scoring.trimmed_mean([0, 2, 3, 4, 10], trim_from=5) == Decimal("3.00")


def test_trim_threshold_is_configurable():
    assert scoring.trimmed_mean([0, 2, 3, 4, 10], trim_from=6) == Decimal("3.80")
    assert scoring.trimmed_mean([0, 2, 4, 10], trim_from=4) == Decimal("3.00")


def test_labels_and_weights():
    assert scoring.label_for(Decimal(90), advanced_min=85, lagging_below=70) == "advanced"
    assert scoring.label_for(Decimal(69.5), advanced_min=85, lagging_below=70) == "lagging"
    assert scoring.label_for(Decimal(70), advanced_min=85, lagging_below=70) == "middle"
    assert scoring.weighted([(Decimal(80), 60), (Decimal(90), 30), (Decimal(100), 10)]) == Decimal("85.00")
    # a missing committee assessment hands its weight to the others in proportion
    assert scoring.weighted([(Decimal(80), 60), (Decimal(90), 30), (None, 10)]) == Decimal("83.33")


# ---------------------------------------------------------------- groups and sampling


def test_proposal_and_edits_through_the_service(world, edition):
    round_ = make_round(world, edition)
    groups = services.groups_propose(round_=round_)
    assert [g.members.count() for g in groups] == [5, 5]
    unit = groups[0].members.first().unit
    with pytest.raises(ValidationError, match="第1组有4个单位，每组应为5至8个单位。"):
        services.group_move_unit(round_=round_, unit=unit, group=groups[1])
    services.groups_fix(round_=round_)
    with pytest.raises(ValidationError, match="分组已确定"):
        services.group_move_unit(round_=round_, unit=unit, group=groups[1])


def test_sampling_is_reproducible_from_the_stored_seed(world, edition):
    round_ = make_round(world, edition, per_unit=2)
    first = services.sample_draw(round_=round_, seed=1234)
    round_.refresh_from_db()
    assert round_.sample_seed == 1234
    assert services.sample_verify(round_)
    assert services.sample_draw(round_=round_, seed=1234) == first
    other = services.sample_draw(round_=round_, seed=99)
    assert other != first  # a different seed draws differently (3 choose 2 per unit, 10 units)
    assert round_.sample.count() == 20


def test_mandatory_branches_are_always_in_the_sample(world, edition):
    unit = world["units"][0]
    overdue = world["branches"][unit.pk][2]
    Term.objects.create(branch=overdue, elected_on=date(2020, 1, 1), ends_on=date(2023, 1, 1))
    round_ = make_round(world, edition, per_unit=1)
    for seed in range(5):
        services.sample_draw(round_=round_, seed=seed, today=date(2026, 4, 1))
        row = SampledBranch.objects.get(round=round_, branch=overdue)
        assert row.reason == SampledBranch.Reason.MANDATORY
        assert "换届超期" in row.note
        assert round_.sample.filter(unit=unit).count() == 2  # the mandatory one plus one at random


def test_registered_mandatory_source_plugs_in(world, edition):
    flagged = world["branches"][world["units"][3].pk][0]

    @sampling.mandatory_source("test_flag", "述职评议较差")
    def flagged_by_test(round_, unit_ids, today):
        return {flagged.pk}

    try:
        round_ = make_round(world, edition, per_unit=1)
        services.sample_draw(round_=round_, seed=5)
        assert SampledBranch.objects.get(round=round_, branch=flagged).note == "述职评议较差"
    finally:
        sampling._SOURCES.pop("test_flag")


# ---------------------------------------------------------------- visits and teams


def test_schedule_follows_the_crossing_rule(world, edition):
    round_ = scheduled_round(world, edition)
    assert round_.status == ObservationRound.Status.IN_PROGRESS
    unit_group = dict(round_.units.values_list("unit_id", "group_id"))
    visits = list(round_.visits.select_related("branch"))
    assert len(visits) == 10
    for visit in visits:
        assert visit.group_id != visit.host_group_id
        assert round_.window_start <= visit.date <= round_.window_end
        observers = visit.team.filter(role=VisitMember.Role.OBSERVER)
        assert observers.count() == 5  # one per visiting unit
        for member in observers:
            assert member.unit_id != visit.branch.unit_id
            assert unit_group[member.unit_id] != unit_group[visit.branch.unit_id]
    # observers were told, with a link to the calendar entry on the visit page
    assert Notification.objects.filter(
        recipient=world["observers"][world["units"][0].pk], kind="observation_visit"
    ).exists()


def test_team_edit_refuses_own_group_and_declared_conflicts(world, edition):
    round_ = scheduled_round(world, edition)
    visit = round_.visits.select_related("branch").first()
    host_unit = visit.branch.unit
    same_group_unit = round_.units.filter(group_id=visit.host_group_id).exclude(unit=host_unit).first().unit
    with pytest.raises(ValidationError, match="本组单位"):
        services.team_add(
            actor=world["leader"],
            visit=visit,
            user=world["observers"][same_group_unit.pk],
            role=VisitMember.Role.OBSERVER,
            unit=same_group_unit,
        )
    with pytest.raises(ValidationError, match="本单位"):
        services.team_add(
            actor=world["leader"],
            visit=visit,
            user=world["observers"][host_unit.pk],
            role=VisitMember.Role.OBSERVER,
            unit=host_unit,
        )
    visiting = round_.units.filter(group_id=visit.group_id).first()
    member = VisitMember.objects.get(visit=visit, user=visiting.observer)
    services.declaration_add(round_=round_, user=visiting.observer, unit=host_unit, reason="去年从该单位调出")
    assert not VisitMember.objects.filter(pk=member.pk).exists()  # taken off at once
    with pytest.raises(ValidationError, match="利益冲突"):
        services.team_add(
            actor=world["leader"],
            visit=visit,
            user=visiting.observer,
            role=VisitMember.Role.OBSERVER,
            unit=visiting.unit,
        )


# ---------------------------------------------------------------- scoring and results


def _visit_with_team(world, edition):
    round_ = scheduled_round(world, edition)
    visit = round_.visits.select_related("round__edition", "branch").first()
    return round_, visit, list(visit.team.order_by("role", "pk"))


def test_auto_adjustment_needs_a_reason(world, edition):
    _round, visit, team = _visit_with_team(world, edition)
    member = team[-1]
    row = VisitItem.objects.filter(visit=visit, item__mode=Item.Mode.AUTO, auto_score__isnull=False).first()
    auto = row.item
    new = Decimal(0) if row.auto_score else auto.points
    hint = services.autosave(visit=visit, member=member, field=f"score:{auto.pk}", value=str(new))
    assert hint == "调整自动计算分须填写理由"
    with pytest.raises(ValidationError, match="必须填写理由"):
        fill_and_submit(visit, member)
    services.autosave(visit=visit, member=member, field=f"reason:{auto.pk}", value="纸质台账缺3月记录")
    fill_and_submit(visit, member)
    assert VisitMember.objects.get(pk=member.pk).submitted_at is not None


def test_bad_scores_are_refused_with_a_message(world, edition):
    _round, visit, team = _visit_with_team(world, edition)
    item = Item.objects.filter(edition=edition, mode=Item.Mode.MANUAL).first()
    with pytest.raises(ValidationError, match="得分应在0到"):
        services.autosave(visit=visit, member=team[-1], field=f"score:{item.pk}", value="99")
    with pytest.raises(ValidationError, match="必须是数字"):
        services.autosave(visit=visit, member=team[-1], field=f"score:{item.pk}", value="abc")
    with pytest.raises(ValidationError, match="无法识别"):
        services.autosave(visit=visit, member=team[-1], field="nonsense", value="1")


def _submit_all(round_, values):
    """Every scorer of every visit scores each MANUAL/SEMI item with their value from ``values``."""
    for visit in round_.visits.select_related("round__edition"):
        scorers = list(visit.team.filter(role__in=["leader", "observer"]).order_by("role", "pk"))
        for index, member in enumerate(scorers):
            fill_and_submit(visit, member, value=values[index % len(values)])


def test_publish_computes_trimmed_item_scores_ranks_labels_and_reinspections(world, edition):
    round_ = scheduled_round(world, edition)
    with pytest.raises(ValidationError, match="未提交评分"):
        services.round_publish(round_=round_)
    _submit_all(round_, [Decimal(0), Decimal("0.5"), Decimal(1), Decimal(1), Decimal(1), Decimal(5)])
    services.round_publish(round_=round_, published_on=date(2026, 6, 10))
    round_.refresh_from_db()
    assert round_.status == ObservationRound.Status.PUBLISHED
    visit = round_.visits.filter(kind=Visit.Kind.REGULAR).first()
    assert visit.observers_count == 6  # leader + five observers: trimmed
    manual = VisitItem.objects.filter(visit=visit, item__mode=Item.Mode.MANUAL, item__points__gte=2).first()
    # scores 0, .5, 1, 1, 1, min(points,5) → drop 0 and the highest → mean of .5, 1, 1, 1
    assert manual.score == Decimal("0.88")
    regular = list(round_.visits.filter(kind=Visit.Kind.REGULAR))
    assert sorted(v.rank_overall for v in regular)[0] == 1
    assert all(v.rank_group >= 1 for v in regular)
    assert all(v.label == Visit.Label.LAGGING for v in regular)  # low scores everywhere
    reinspections = round_.visits.filter(kind=Visit.Kind.REINSPECTION)
    assert reinspections.count() == 10
    assert all(r.date == date(2026, 9, 10) and r.due_by == date(2026, 12, 10) for r in reinspections)
    assert all(v.annual_score is not None for v in regular)
    services.reinspection_close(visit=reinspections.first(), outcome="整改到位")
    assert reinspections.filter(status=Visit.Status.CLOSED).count() == 1
    secretary = world["secretaries"][visit.branch_id]
    assert Notification.objects.filter(recipient=secretary, kind="observation_result").exists()


def test_four_observers_are_not_trimmed(world, edition):
    round_ = scheduled_round(world, edition)
    for visit in round_.visits.all():
        extra = list(visit.team.filter(role=VisitMember.Role.OBSERVER).order_by("pk"))[3:]
        for member in extra:
            services.team_remove(member=member)
    _submit_all(round_, [Decimal(0), Decimal(1), Decimal(1), Decimal(2)])
    services.round_publish(round_=round_)
    visit = round_.visits.filter(kind=Visit.Kind.REGULAR).first()
    assert visit.team.count() == 4
    manual = VisitItem.objects.filter(visit=visit, item__mode=Item.Mode.MANUAL, item__points__gte=2).first()
    assert manual.score == Decimal("1.00")  # (0 + 1 + 1 + 2) / 4, nothing dropped


def test_problems_become_rectification_items(world, edition):
    round_, visit, team = _visit_with_team(world, edition)
    leader = next(m for m in team if m.role == VisitMember.Role.LEADER)
    with pytest.raises(ValidationError, match="只有组长"):
        services.rectification_add(visit=visit, member=team[-1], description="x", deadline=date(2030, 1, 1))
    row = services.rectification_add(
        visit=visit, member=leader, description="党务公开栏未更新", deadline=date(2030, 1, 1)
    )
    assert row.branch_id == visit.branch_id and row.tracker_item is None  # not before publication
    _submit_all(round_, [Decimal(1)])
    services.round_publish(round_=round_)
    row.refresh_from_db()
    item = row.tracker_item
    assert item.source_kind == SourceKind.OBSERVATION_VISIT and item.source_id == visit.pk
    assert item.organization_id == visit.branch_id and item.deadline == date(2030, 1, 1)
    assert item.status == RectificationItem.Status.OPEN
    services.round_close(round_=ObservationRound.objects.get(pk=round_.pk))  # publication is once only
    assert RectificationItem.objects.filter(source_kind=SourceKind.OBSERVATION_VISIT).count() == 1


def test_random_draws_for_check_and_ask_are_stored_once(world, edition):
    _round, visit, _team = _visit_with_team(world, edition)
    committee_member = visit.branch.members.first()
    term = branch_services.term_start(branch=visit.branch, elected_on=date(2025, 1, 1), has_committee=False)
    branch_services.post_assign(
        term=term, member=committee_member, role="secretary", started_on=date(2025, 1, 1)
    )
    assert visit.draw_seed is not None  # drawn when the visit was scheduled (a GET never writes)
    Visit.objects.filter(pk=visit.pk).update(draw_seed=None, sample_months=[], interviewees=[])
    visit.refresh_from_db()
    drawn = services.draws_ensure(visit)
    assert len(drawn.sample_months) == 3 and len(drawn.interviewees) == 3
    assert committee_member.pk not in drawn.interviewees  # committee members are never picked
    again = services.draws_ensure(Visit.objects.get(pk=visit.pk))
    assert (again.sample_months, again.interviewees) == (drawn.sample_months, drawn.interviewees)


# ---------------------------------------------------------------- reminders and grants


def test_reminders_seven_and_one_day_before_exactly_once(world, edition):
    round_ = scheduled_round(world, edition)
    visit = round_.visits.order_by("date", "pk").first()
    team = visit.team.count()
    before = Notification.objects.filter(kind="observation_reminder").count()
    services.reminder_sweep(today=visit.date - timedelta(days=8))
    assert Notification.objects.filter(kind="observation_reminder").count() == before
    services.reminder_sweep(today=visit.date - timedelta(days=7))
    services.reminder_sweep(today=visit.date - timedelta(days=7))  # a second run sends nothing
    services.reminder_sweep(today=visit.date - timedelta(days=6))
    week = VisitReminder.objects.filter(visit=visit, days_before=7)
    assert week.count() == 1 and week.get().status == VisitReminder.Status.SENT
    assert (
        Notification.objects.filter(kind="observation_reminder", link=visit.get_absolute_url()).count()
        == team
    )
    services.reminder_sweep(today=visit.date - timedelta(days=1))
    services.reminder_sweep(today=visit.date - timedelta(days=1))
    assert (
        Notification.objects.filter(kind="observation_reminder", link=visit.get_absolute_url()).count()
        == 2 * team
    )


def test_team_read_grant_lasts_while_the_round_is_open(world, edition):
    round_ = scheduled_round(world, edition)
    visit = round_.visits.select_related("branch").first()
    member = visit.team.filter(role=VisitMember.Role.OBSERVER).first()
    observer = member.user
    assert visit.branch.path in access.grant_paths(observer)
    assert access.can_read_branch(observer, visit.branch)
    assert observer in permissions.users_with(Action.VIEW, visit.branch)  # through the grant source
    other = (
        round_.visits.exclude(group=visit.group)
        .exclude(branch__unit=member.unit)
        .select_related("branch")
        .first()
    )
    assert not access.can_read_branch(observer, other.branch)  # only the visits they are on
    _submit_all(round_, [Decimal(1)])
    services.round_publish(round_=round_)
    assert visit.branch.path in access.grant_paths(observer)
    services.round_close(round_=ObservationRound.objects.get(pk=round_.pk))
    observer = type(observer).objects.get(pk=observer.pk)  # a new request: no cached grants
    assert access.grant_paths(observer) == []
    assert not access.can_read_branch(observer, visit.branch)
    assert observer not in permissions.users_with(Action.VIEW, visit.branch)


def test_policy_changes_trim_and_labels(world, edition):
    policy_set(key="observation.trim_from_observers", value=99)
    policy_set(key="observation.lagging_below_score", value=0)
    round_ = scheduled_round(world, edition)
    _submit_all(round_, [Decimal(0), Decimal("0.5"), Decimal(1), Decimal(1), Decimal(1), Decimal(5)])
    services.round_publish(round_=round_)
    visit = round_.visits.filter(kind=Visit.Kind.REGULAR).first()
    manual = VisitItem.objects.filter(visit=visit, item__mode=Item.Mode.MANUAL, item__points__gte=2).first()
    expected = scoring.trimmed_mean([0, Decimal("0.5"), 1, 1, 1, min(manual.item.points, 5)], trim_from=0)
    assert manual.score == expected
    assert not round_.visits.filter(kind=Visit.Kind.REINSPECTION).exists()
    assert ObserverScore.objects.filter(member__visit=visit).exists()


def test_branches_graded_poorly_in_last_years_duty_review_are_sampled(world, edition):
    from assessments.models import DutyCycle, DutyReport, Grade

    unit = world["units"][1]
    flagged, spared = world["branches"][unit.pk][:2]
    cycle = DutyCycle.objects.create(
        year=YEAR - 1,
        level=DutyCycle.Level.BRANCH,
        organization=unit,
        outline="一、履职情况",
        due_on=date(YEAR - 1, 12, 1),
        meeting_on=date(YEAR - 1, 12, 20),
        status=DutyCycle.Status.PUBLISHED,
    )
    DutyReport.objects.create(cycle=cycle, organization=flagged, computed_grade=Grade.AVERAGE)
    DutyReport.objects.create(cycle=cycle, organization=spared, computed_grade=Grade.GOOD)
    round_ = make_round(world, edition, per_unit=1)
    round_.mandatory_keys = ["duty_review"]
    round_.save(update_fields=["mandatory_keys"])
    services.sample_draw(round_=round_, seed=1)
    mandatory = dict(
        round_.sample.filter(reason=SampledBranch.Reason.MANDATORY).values_list("branch_id", "note")
    )
    assert set(mandatory) == {flagged.pk}
    assert "述职评议" in mandatory[flagged.pk]
