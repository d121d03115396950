"""Set-up and committee checks ORG-01…05 and COM-01…08 on built scenarios."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from branches import services
from branches.checks import run_checks
from branches.models import Member, Organization, Post, Term
from branches.policy import policy_set
from tests.factories import MemberFactory, make_org

pytestmark = pytest.mark.django_db
Kind = Organization.Kind
Role = Post.Role


def today():
    return timezone.localdate()


def result(org, check_id, on=None):
    found = [r for r in run_checks([org], today=on or today())[org.pk] if r.check_id == check_id]
    return found[0] if found else None


def ids_failing(org, on=None):
    return {r.check_id for r in run_checks([org], today=on or today())[org.pk] if not r.passed}


# --- ORG ------------------------------------------------------------------------------------------


def test_org01_unit_without_branch_and_three_loose_full_members_is_an_error(tree):
    unit = make_org("丙厅机关党委", Kind.UNIT_COMMITTEE, tree["root"], unaffiliated_full_members=4)
    found = result(unit, "ORG-01")
    assert not found.passed and found.severity == "error"
    assert found.message == "本单位有 4 名正式党员，已达 3 人，但未成立党支部，也未参加联合党支部。"


def test_org01_unit_with_branches_still_must_organize_loose_members(tree):
    services.organization_update(organization=tree["unit_a"], unaffiliated_full_members=3)
    found = result(tree["unit_a"], "ORG-01")
    assert not found.passed
    assert "应成立党支部或编入现有的 2 个党支部" in found.message


def test_org01_passes_below_threshold_and_threshold_comes_from_policy(tree):
    unit = make_org("丙厅机关党委", Kind.UNIT_COMMITTEE, tree["root"], unaffiliated_full_members=2)
    assert result(unit, "ORG-01").passed
    services.organization_update(organization=unit, unaffiliated_full_members=4)
    policy_set(key="org.branch_min_full_members", value=5)
    assert result(unit, "ORG-01").passed
    assert "未达 5 人" in result(unit, "ORG-01").message


def test_org02_more_than_fifty_members_is_a_warning(tree, add_members):
    branch = tree["branch_a"]
    add_members(branch, full=45, probationary=5)
    assert result(branch, "ORG-02").passed
    add_members(branch, probationary=1)
    found = result(branch, "ORG-02")
    assert not found.passed and found.severity == "warning"
    assert found.message.startswith("党员 51 人（含预备党员），超过一般不超过 50 人")


def test_a_general_branch_counts_the_members_of_its_branches(tree, add_members, client_for, personas):
    from branches.checks import collect_facts

    general = make_org("甲厅机关党总支", Kind.GENERAL_BRANCH, tree["unit_a"])
    first, second = (make_org(name, Kind.BRANCH, general) for name in ("总支第一支部", "总支第二支部"))
    add_members(first, full=6, probationary=1)
    add_members(second, full=4)
    add_members(second, full=2, state=Member.State.TRANSFERRED)
    facts = collect_facts([general, first, tree["branch_a"]])
    assert (facts[general.pk].members, facts[general.pk].full_members) == (11, 10)
    assert facts[general.pk].probationary_members == 1
    assert (facts[first.pk].members, facts[first.pk].full_members) == (7, 6)
    page = client_for(personas["provincial"]).get(f"/orgs/{general.pk}/").content.decode()
    summary = page.split('id="roster-summary"', 1)[1]
    assert [int(n) for n in re.findall(r'stat-value h3 mb-0">(\d+)<', summary)[:3]] == [11, 10, 1]


def test_org02_ignores_members_no_longer_on_the_roster(tree, add_members):
    add_members(tree["branch_a"], full=51, state=Member.State.TRANSFERRED)
    assert result(tree["branch_a"], "ORG-02").message == "党员 0 人，未超过 50 人。"


def test_org03_joint_branch_over_five_units_is_a_warning(tree):
    joint = make_org("联合党支部", Kind.BRANCH, tree["unit_a"], is_joint=True, units_covered=6)
    found = result(joint, "ORG-03")
    assert not found.passed and found.severity == "warning"
    assert "覆盖 6 个单位，超过一般不超过 5 个" in found.message
    assert result(tree["branch_a"], "ORG-03") is None  # not a joint branch: not applicable


def test_org04_temporary_branch_with_a_recorded_renewal_is_an_error(tree):
    temporary = make_org("专班临时党支部", Kind.BRANCH, tree["unit_a"], is_temporary=True)
    assert result(temporary, "ORG-04").passed
    assert "党费、发展党员记录尚未纳入平台，暂未检查" in result(temporary, "ORG-04").message
    # The service refuses renewals of temporary branches; data imported around it is caught here.
    Term.objects.create(
        branch=temporary, elected_on=today() - timedelta(days=30), ends_on=today() + timedelta(days=1000)
    )
    found = result(temporary, "ORG-04")
    assert not found.passed and found.severity == "error"
    assert found.message.startswith("临时党支部记录了 1 次换届选举")


def test_org05_several_locations_or_large_branch_without_cells_gets_info(tree, add_members):
    branch_b = tree["branch_b"]
    add_members(branch_b, full=16)
    found = result(branch_b, "ORG-05")
    assert not found.passed and found.severity == "info"
    assert found.message == "党员 16 人，超过 15 人，尚未划分党小组，建议划分。"
    far = make_org("分散党支部", Kind.BRANCH, tree["unit_a"], locations=3)
    assert "分布在 3 个办公地点" in result(far, "ORG-05").message
    assert result(tree["branch_a"], "ORG-05").passed  # has cell_a


# --- COM ------------------------------------------------------------------------------------------


def test_com01_seven_full_members_without_committee_is_an_error(tree, add_members):
    branch = tree["branch_b"]
    add_members(branch, full=7, probationary=2)
    found = result(branch, "COM-01")
    assert not found.passed and found.severity == "error"
    assert found.message == "正式党员 7 人，已达 7 人以上，但未设立支部委员会。"


def test_com01_passes_with_a_committee(staffed_branch):
    found = result(staffed_branch, "COM-01")
    assert found.passed and found.message == "正式党员 9 人，已达 7 人以上，已设立支部委员会。"


def test_com01_counts_only_full_members(tree, add_members, staff_committee):
    branch = tree["branch_b"]
    members = add_members(branch, full=6, probationary=3)
    staff_committee(branch, members, roles=(Role.SECRETARY,), has_committee=False)
    assert result(branch, "COM-01") is None
    assert "COM-01" not in ids_failing(branch)


def test_com02_committee_size_bounds(tree, add_members, staff_committee):
    branch = tree["branch_b"]
    members = add_members(branch, full=12)
    term = staff_committee(branch, members[:2], roles=(Role.SECRETARY, Role.ORGANIZATION))
    found = result(branch, "COM-02")
    assert (found.passed, found.severity) == (False, "error")
    assert found.message == "支部委员会现有委员 2 人，少于 3 人。"
    for member in members[2:6]:
        services.post_assign(term=term, member=member, role=Role.OTHER, started_on=term.elected_on)
    found = result(branch, "COM-02")
    assert (found.passed, found.severity) == (False, "warning")
    assert found.message == "支部委员会现有委员 6 人，一般为 3 至 5 人。"
    for member in members[6:8]:
        services.post_assign(term=term, member=member, role=Role.OTHER, started_on=term.elected_on)
    found = result(branch, "COM-02")
    assert (found.passed, found.severity) == (False, "error")
    assert "8 人，超过最多 7 人" in found.message


def test_com02_counts_a_person_with_two_posts_once(tree, add_members, staff_committee):
    branch = tree["branch_b"]
    members = add_members(branch, full=8)
    term = staff_committee(branch, members[:3], roles=(Role.SECRETARY, Role.ORGANIZATION, Role.PUBLICITY))
    services.post_assign(term=term, member=members[2], role=Role.DISCIPLINE, started_on=term.elected_on)
    assert result(branch, "COM-02").message == "支部委员会现有委员 3 人，符合 3 至 5 人的要求。"


def test_com03_small_branch_with_committee_is_info(tree, add_members, staff_committee):
    branch = tree["branch_b"]
    members = add_members(branch, full=5)
    staff_committee(branch, members)
    found = result(branch, "COM-03")
    assert (found.passed, found.severity) == (False, "info")
    assert "正式党员 5 人，不足 7 人，可不设支部委员会" in found.message


def test_com04_vacant_secretary_is_an_error_and_other_posts_a_warning(tree, add_members, staff_committee):
    branch = tree["branch_b"]
    members = add_members(branch, full=9)
    staff_committee(branch, members, roles=(Role.ORGANIZATION, Role.PUBLICITY, Role.DISCIPLINE))
    found = result(branch, "COM-04")
    assert (found.passed, found.severity, found.message) == (False, "error", "书记职务空缺。")
    other = make_org("甲厅第三党支部", Kind.BRANCH, tree["unit_a"])
    members = add_members(other, full=9)
    staff_committee(other, members, roles=(Role.SECRETARY, Role.ORGANIZATION))
    found = result(other, "COM-04")
    assert (found.passed, found.severity) == (False, "warning")
    assert found.message == "宣传委员、纪检委员职务空缺。"


def test_com04_without_term_or_committee(tree, add_members, staff_committee):
    branch = tree["branch_b"]
    assert result(branch, "COM-04").message == "没有在任届次记录，书记职务空缺。"
    members = add_members(branch, full=4)
    staff_committee(branch, members, roles=(Role.SECRETARY,), has_committee=False)
    assert result(branch, "COM-04").passed  # no committee: only the secretary is required


def test_com05_secretary_with_short_party_standing_is_a_warning(tree, add_members, staff_committee):
    branch = tree["branch_b"]
    started = today() - timedelta(days=20)
    young = MemberFactory(branch=branch, name="新党员", full_since=started - timedelta(days=200))
    staff_committee(branch, [young], roles=(Role.SECRETARY,), elected_on=started, has_committee=False)
    found = result(branch, "COM-05")
    assert (found.passed, found.severity) == (False, "warning")
    assert found.message == "书记新党员任职时党龄 0 年，不足一般要求的 1 年。"


def test_com06_two_deputy_secretaries_is_a_warning(staffed_branch):
    term = staffed_branch.terms.get()
    spare = staffed_branch.members.filter(posts__isnull=True, status=Member.Status.FULL)[:2]
    for member in spare:
        services.post_assign(
            term=term,
            member=member,
            role=Role.DEPUTY_SECRETARY,
            started_on=term.elected_on,
            approved_on=term.elected_on,
        )
    found = result(staffed_branch, "COM-06")
    assert (found.passed, found.message) == (False, "设有 2 名副书记，一般只设 1 名。")


def test_com07_unapproved_secretary_after_due_days_is_a_warning(tree, add_members, staff_committee):
    branch = tree["branch_b"]
    members = add_members(branch, full=3)
    elected = today() - timedelta(days=31)
    staff_committee(
        branch, members, roles=(Role.SECRETARY,), elected_on=elected, has_committee=False, approved=False
    )
    found = result(branch, "COM-07")
    assert (found.passed, found.severity) == (False, "warning")
    assert found.message.startswith("书记") and "任职超过 30 天，尚无上级批准记录" in found.message
    assert result(branch, "COM-07", on=elected + timedelta(days=30)).passed


def test_com08_vacancy_open_longer_than_policy_is_a_warning(tree, add_members, staff_committee):
    branch = tree["branch_b"]
    members = add_members(branch, full=3)
    elected = today() - timedelta(days=400)
    term = staff_committee(branch, members, roles=(Role.SECRETARY,), elected_on=elected, has_committee=False)
    services.post_end(post=term.posts.get(), ended_on=today() - timedelta(days=61))
    found = result(branch, "COM-08")
    assert (found.passed, found.severity) == (False, "warning")
    assert found.message == "书记已空缺 61 天，超过 60 天未补选。"
    assert result(branch, "COM-08", on=today() - timedelta(days=10)).passed


def test_results_list_errors_first_and_every_result_has_explanation(staffed_branch, tree):
    results = run_checks([staffed_branch, tree["branch_b"], tree["unit_a"]], today=today())
    assert set(results) == {staffed_branch.pk, tree["branch_b"].pk, tree["unit_a"].pk}
    empty = results[tree["branch_b"].pk]
    assert [r.passed for r in empty] == sorted(r.passed for r in empty)
    assert all(
        r.message and r.severity in {"error", "warning", "info"} for rs in results.values() for r in rs
    )
    assert all(r.passed for r in results[staffed_branch.pk])


def test_batch_runs_in_constant_queries(tree, add_members, staff_committee, django_assert_num_queries):
    from tests.branches.conftest import grow_unit

    small = grow_unit(
        tree["unit_a"], branches=2, members_each=8, add_members=add_members, staff_committee=staff_committee
    )
    large = small + grow_unit(
        tree["unit_b"], branches=6, members_each=12, add_members=add_members, staff_committee=staff_committee
    )
    orgs_small = [*small, tree["unit_a"]]
    orgs_large = [*large, tree["unit_a"], tree["unit_b"]]
    with django_assert_num_queries(7):
        run_checks(orgs_small, today=today())
    with django_assert_num_queries(7):
        run_checks(orgs_large, today=today())


def test_temporary_branch_with_an_appointed_secretary_is_not_an_error(tree, add_members):
    temporary = make_org("专班临时党支部", Kind.BRANCH, tree["unit_a"], is_temporary=True)
    people = add_members(temporary, full=8)
    term = services.term_start(branch=temporary, elected_on=today() - timedelta(days=10), has_committee=False)
    services.post_assign(term=term, member=people[0], role=Role.SECRETARY, started_on=term.elected_on)
    failing = {r.check_id: r for r in run_checks([temporary], today=today())[temporary.pk] if not r.passed}
    assert not [r for r in failing.values() if r.severity == "error"], failing
    assert "不要求选举产生支部委员会" in result(temporary, "COM-01").message
    assert result(temporary, "ORG-04").passed  # an appointment is not a renewal election


def test_temporary_branch_cannot_elect_a_committee(tree):
    from django.core.exceptions import ValidationError

    temporary = make_org("专班临时党支部", Kind.BRANCH, tree["unit_a"], is_temporary=True)
    with pytest.raises(ValidationError):
        services.term_start(branch=temporary, elected_on=today() - timedelta(days=10), has_committee=True)
