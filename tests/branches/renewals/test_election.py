"""Election arithmetic of domain.md §5.3."""

from branches.renewals.election import Rules, evaluate, min_candidates

DEFAULT = Rules()


def run(
    rules=DEFAULT, *, expected=10, present=9, issued=9, returned=9, seats=3, votes=None, competitive=True
):
    votes = votes if votes is not None else {"a": 9, "b": 8, "c": 7, "d": 2}
    return evaluate(
        expected=expected,
        present=present,
        issued=issued,
        returned=returned,
        seats=seats,
        votes=votes,
        competitive=competitive,
        rules=rules,
    )


def test_valid_election_elects_most_voted_above_half_of_expected():
    out = run()
    assert out.errors == []
    assert out.elected == ["a", "b", "c"]


def test_quorum_of_exactly_four_fifths_passes_by_default_and_fails_in_strict_mode():
    assert run(expected=10, present=8, issued=8, returned=8, votes={"a": 8, "b": 8, "c": 8, "d": 1}).valid
    strict = run(
        Rules(quorum_strict=True),
        expected=10,
        present=8,
        issued=8,
        returned=8,
        votes={"a": 8, "b": 8, "c": 8, "d": 1},
    )
    assert strict.errors == [
        "到会人数不足：应到 10 人，实到 8 人，至少需要 9 人（应到会人数的五分之四），选举无效。"
    ]


def test_quorum_below_four_fifths_is_rejected():
    out = run(expected=10, present=7, issued=7, returned=7, votes={"a": 7, "b": 7, "c": 6, "d": 1})
    assert "至少需要 8 人" in out.errors[0]
    assert out.elected == []


def test_more_ballots_returned_than_issued_invalidates():
    out = run(issued=8, returned=9)
    assert "收回选票（9）多于发出选票（8），选举无效。" in out.errors


def test_candidate_margin_of_twenty_percent_for_committee():
    assert min_candidates(3, 20) == 4
    assert min_candidates(5, 20) == 6
    assert min_candidates(7, 20) == 9
    out = run(votes={"a": 9, "b": 8, "c": 7})
    assert out.errors == ["差额选举要求候选人数多于应选名额 20%：应选 3 名，候选人至少 4 人，现有 3 人。"]


def test_margin_can_be_a_warning_by_policy():
    out = run(Rules(margin_blocks=False), votes={"a": 9, "b": 8, "c": 7})
    assert out.valid and len(out.warnings) == 1 and out.elected == ["a", "b", "c"]


def test_lone_secretary_may_be_elected_with_equal_candidates():
    out = run(seats=1, votes={"a": 9}, competitive=False)
    assert out.valid and out.elected == ["a"]


def test_winner_needs_more_than_half_of_expected_not_of_present():
    # 5 of 10 expected is not more than half, but 5 of 8 present is (older rules).
    votes = {"a": 8, "b": 7, "c": 5, "d": 2}
    out = run(votes=votes)
    assert out.errors[0].startswith("得票超过应到会人数半数（10 人的一半）的候选人只有 2 人")
    present_basis = run(Rules(majority_basis="present"), present=8, issued=8, returned=8, votes=votes)
    assert present_basis.valid and present_basis.elected == ["a", "b", "c"]


def test_tie_for_last_seat_requires_a_second_vote():
    out = run(votes={"a": 9, "b": 8, "c": 7, "d": 7})
    assert out.errors == ["第 3 名与第 4 名得票相同（7 票），应就这些候选人再次投票。"]


def test_votes_above_returned_ballots_are_rejected():
    out = run(votes={"a": 10, "b": 8, "c": 7, "d": 1})
    assert "候选人 a 的得票数（10）不能超过收回选票数（9）。" in out.errors


def test_present_above_expected_is_rejected():
    out = run(expected=8, present=9)
    assert "实到会人数（9）不能超过应到会人数（8）。" in out.errors
