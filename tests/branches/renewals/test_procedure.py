"""Renewal steps through to the new term, postponements and their cap."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from branches.models import Post, Postponement, Renewal, Term
from branches.policy import policy_set
from branches.renewals import services

Step = services.Step
pytestmark = pytest.mark.django_db
TODAY = date(2027, 6, 1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(date(2027, 6, 1), tick=False):
        yield


def record(renewal, step, day, user):
    return services.renewal_step_record(
        renewal=renewal, step=step, done_on=day, user=user, version=renewal.version
    )


def through_candidates(term, personas):
    renewal = services.renewal_get_or_start(term=term)
    record(renewal, Step.REQUEST, date(2027, 4, 1), personas["secretary"])
    record(renewal, Step.REQUEST_APPROVAL, date(2027, 4, 8), personas["unit_staff"])
    record(renewal, Step.CANDIDATES, date(2027, 4, 20), personas["secretary"])
    record(renewal, Step.CANDIDATE_APPROVAL, date(2027, 4, 25), personas["unit_staff"])
    return renewal


def elect(renewal, voters, user, **overrides):
    votes = {voters[0].pk: 9, voters[1].pk: 8, voters[2].pk: 7, voters[3].pk: 3}
    args = dict(
        held_on=date(2027, 5, 10),
        expected_voters=10,
        present_voters=9,
        ballots_issued=9,
        ballots_returned=9,
        seats=3,
        votes=votes,
    )
    args.update(overrides)
    return services.renewal_election_record(renewal=renewal, user=user, version=renewal.version, **args)


def test_full_procedure_starts_new_term_with_posts_and_closes_old(terms, personas, voters):
    old = terms["a"]
    renewal = through_candidates(old, personas)
    result = elect(renewal, voters, personas["secretary"])
    assert result.elected == [voters[0].pk, voters[1].pk, voters[2].pk]
    services.renewal_results_report(
        renewal=renewal,
        user=personas["secretary"],
        version=renewal.version,
        done_on=date(2027, 5, 11),
        posts={Post.Role.SECRETARY: voters[0].pk, Post.Role.DEPUTY_SECRETARY: voters[1].pk},
    )
    new_term = services.renewal_complete(
        renewal=renewal, user=personas["unit_staff"], version=renewal.version, approved_on=date(2027, 5, 20)
    )
    old.refresh_from_db()
    assert (old.status, old.closed_on) == (Term.Status.CLOSED, date(2027, 5, 10))
    assert (new_term.status, new_term.elected_on, new_term.ends_on) == (
        "active",
        date(2027, 5, 10),
        date(2030, 5, 10),
    )
    posts = {p.member.name: (p.role, p.approved_on) for p in new_term.posts.select_related("member")}
    assert posts == {
        "甲一": (Post.Role.SECRETARY, date(2027, 5, 20)),
        "甲二": (Post.Role.DEPUTY_SECRETARY, date(2027, 5, 20)),
        "甲三": (Post.Role.OTHER, None),
    }
    renewal.refresh_from_db()
    assert (renewal.status, renewal.new_term, renewal.steps.count()) == (
        Renewal.Status.COMPLETED,
        new_term,
        7,
    )


def test_steps_must_follow_the_order(terms, personas):
    renewal = services.renewal_get_or_start(term=terms["a"])
    with pytest.raises(ValidationError, match="当前进度为“待提交请示”，不能办理“候选人批复”"):
        record(renewal, Step.CANDIDATE_APPROVAL, date(2027, 4, 1), personas["unit_staff"])


def test_stale_version_cannot_overwrite(terms, personas):
    renewal = services.renewal_get_or_start(term=terms["a"])
    stale = Renewal.objects.get(pk=renewal.pk)
    record(renewal, Step.REQUEST, date(2027, 4, 1), personas["secretary"])
    stale.status = Renewal.Status.STARTED
    with pytest.raises(ValidationError, match="该换届已被他人更新"):
        record(stale, Step.REQUEST, date(2027, 4, 2), personas["secretary"])


def test_step_date_cannot_be_in_future_or_before_previous(terms, personas):
    renewal = services.renewal_get_or_start(term=terms["a"])
    with pytest.raises(ValidationError, match="日期不能晚于今天"):
        record(renewal, Step.REQUEST, date(2027, 6, 2), personas["secretary"])
    record(renewal, Step.REQUEST, date(2027, 4, 1), personas["secretary"])
    with pytest.raises(ValidationError, match="不能早于上一步骤的日期（2027-04-01）"):
        record(renewal, Step.REQUEST_APPROVAL, date(2027, 3, 1), personas["unit_staff"])


def test_invalid_election_keeps_renewal_where_it_was(terms, personas, voters):
    renewal = through_candidates(terms["a"], personas)
    with pytest.raises(ValidationError) as exc:
        elect(renewal, voters, personas["secretary"], present_voters=7, ballots_issued=7, ballots_returned=8)
    assert "收回选票（8）多于发出选票（7），选举无效。" in exc.value.messages
    assert any("到会人数不足" in m for m in exc.value.messages)
    renewal.refresh_from_db()
    assert renewal.status == Renewal.Status.CANDIDATES_APPROVED


def test_expected_voters_cannot_exceed_full_members(terms, personas, voters):
    renewal = through_candidates(terms["a"], personas)
    with pytest.raises(ValidationError, match="应到会人数（11）不能超过支部正式党员人数（10）"):
        elect(renewal, voters, personas["secretary"], expected_voters=11)


def test_margin_warning_when_policy_allows(terms, personas, voters):
    policy_set(key="renewal.election_margin_blocks", value=False)
    renewal = through_candidates(terms["a"], personas)
    votes = {voters[0].pk: 9, voters[1].pk: 8, voters[2].pk: 7}
    result = elect(renewal, voters, personas["secretary"], votes=votes)
    assert result.warnings and "差额选举" in result.warnings[0]


def test_results_need_secretary_among_elected(terms, personas, voters):
    renewal = through_candidates(terms["a"], personas)
    elect(renewal, voters, personas["secretary"])
    with pytest.raises(ValidationError, match="只能从当选人中产生"):
        services.renewal_results_report(
            renewal=renewal,
            user=personas["secretary"],
            version=renewal.version,
            done_on=TODAY,
            posts={Post.Role.SECRETARY: voters[3].pk},
        )
    with pytest.raises(ValidationError, match="请选定新一届书记"):
        services.renewal_results_report(
            renewal=renewal, user=personas["secretary"], version=renewal.version, done_on=TODAY, posts={}
        )


def test_postponement_is_capped_at_twelve_months(terms, personas):
    with pytest.raises(ValidationError, match="延期累计不得超过 12 个月，最晚只能延至 2028-06-30"):
        services.postponement_request(
            term=terms["a"],
            kind="postpone",
            until=date(2028, 7, 1),
            reason="工作调整",
            user=personas["secretary"],
        )
    request = services.postponement_request(
        term=terms["a"],
        kind="postpone",
        until=date(2028, 6, 30),
        reason="机构改革",
        user=personas["secretary"],
    )
    with pytest.raises(ValidationError, match="已有一份待审批的申请"):
        services.postponement_request(
            term=terms["a"],
            kind="postpone",
            until=date(2027, 12, 1),
            reason="again",
            user=personas["secretary"],
        )
    services.postponement_decide(postponement=request, approve=True, user=personas["provincial"])
    assert request.status == Postponement.Status.APPROVED
    with pytest.raises(ValidationError, match="该申请已经审批过了"):
        services.postponement_decide(
            postponement=request, approve=False, note="no", user=personas["provincial"]
        )


def test_cap_is_rechecked_on_approval_after_policy_change(terms, personas):
    request = services.postponement_request(
        term=terms["a"],
        kind="postpone",
        until=date(2028, 3, 1),
        reason="机构改革",
        user=personas["secretary"],
    )
    policy_set(key="renewal.postponement_max_months", value=6)
    with pytest.raises(ValidationError, match="延期累计不得超过 6 个月"):
        services.postponement_decide(postponement=request, approve=True, user=personas["provincial"])


def test_rejection_needs_a_reason_and_notifies_requester(terms, personas):
    request = services.postponement_request(
        term=terms["a"],
        kind="advance",
        until=date(2027, 6, 20),
        reason="提前换届",
        user=personas["secretary"],
    )
    with pytest.raises(ValidationError, match="不予批准时请填写审批意见"):
        services.postponement_decide(postponement=request, approve=False, user=personas["unit_staff"])
    services.postponement_decide(
        postponement=request, approve=False, note="时间太紧", user=personas["unit_staff"]
    )
    notice = personas["secretary"].notifications.get()
    assert notice.title == "甲厅第一党支部提前换届申请未批准"


def test_advance_date_must_be_before_expiry(terms, personas):
    with pytest.raises(ValidationError, match="提前换届的选举日期必须早于任期届满日期"):
        services.postponement_request(
            term=terms["a"], kind="advance", until=date(2027, 7, 1), reason="x", user=personas["secretary"]
        )


def test_unit_staff_are_asked_to_decide_on_requests(terms, personas):
    renewal = services.renewal_get_or_start(term=terms["a"])
    record(renewal, Step.REQUEST, date(2027, 4, 1), personas["secretary"])
    services.postponement_request(
        term=terms["a"],
        kind="postpone",
        until=date(2027, 12, 1),
        reason="机构改革",
        user=personas["secretary"],
    )
    titles = list(personas["unit_staff"].notifications.order_by("pk").values_list("title", flat=True))
    assert titles == [
        "甲厅第一党支部已办理“换届请示”，请审批",
        "甲厅第一党支部申请延期换届（至2027-12-01），请审批",
    ]
    assert not personas["provincial"].notifications.exists()


def test_closed_term_cannot_start_a_renewal(terms):
    terms["a"].status = Term.Status.CLOSED
    terms["a"].save()
    with pytest.raises(ValidationError, match="该届次已结束，不能再办理换届"):
        services.renewal_get_or_start(term=terms["a"])
