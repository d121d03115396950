"""Each coverage metric of domain.md §9.2 at its boundaries."""

from datetime import date, timedelta

import pytest
from django.db.models import Q

from branches.models import Post
from branches.policy import policy_set
from training import selectors
from training.models import Attendance, Tier

from .conftest import YEAR

pytestmark = pytest.mark.django_db
TODAY = date(YEAR, 12, 31)


def unit_metrics(tree, tier="", today=TODAY):
    return selectors.coverage(
        branch_q=Q(path__startswith=tree["unit_a"].path), key="unit", year=YEAR, tier=tier, today=today
    )[tree["unit_a"].pk]


def branch_metrics(tree, key, tier=""):
    return selectors.coverage(
        branch_q=Q(path__startswith=tree["root"].path), key="branch", year=YEAR, tier=tier, today=TODAY
    )[tree[key].pk]


def test_committee_hours_exactly_56_is_compliant(tree, people, make_event, attend):
    secretary, officer = people["branch_a"]["members"][:2]
    event = make_event(hours="60")
    attend(event, secretary, 56)
    attend(event, officer, "55.5")
    ratio = branch_metrics(tree, "branch_a")["committee_hours_compliance"]
    assert (ratio.met, ratio.total) == (1, 2)
    missing = [p.member for p in selectors.missing_committee(Q(pk=tree["branch_a"].pk), year=YEAR)]
    assert missing == [officer]


def test_member_hours_exactly_32_is_compliant(tree, people, make_event, attend):
    members = people["branch_b"]["members"]
    event = make_event(tier=Tier.BRANCH, organizer=tree["branch_b"], hours="40")
    attend(event, members[0], 32)
    attend(event, members[1], "31.5")
    ratio = branch_metrics(tree, "branch_b")["member_hours_compliance"]
    assert (ratio.met, ratio.total) == (1, 3)


def test_hours_threshold_is_a_policy(tree, people, make_event, attend):
    policy_set(key="training.member_min_hours", value=30)
    attend(make_event(hours="31"), people["branch_b"]["members"][1], 31)
    assert branch_metrics(tree, "branch_b")["member_hours_compliance"].met == 1


def test_hours_of_other_years_do_not_count(tree, people, make_event, attend):
    attend(make_event(hours="40", end_on=date(YEAR - 1, 12, 31)), people["branch_b"]["members"][1])
    assert branch_metrics(tree, "branch_b")["member_hours_compliance"].met == 0


def test_rotation_needs_a_concentrated_session(tree, people, make_event, attend):
    attend(make_event(tier=Tier.BRANCH, organizer=tree["branch_a"]), people["branch_a"]["secretary"])
    assert unit_metrics(tree)["secretary_rotation_coverage"].met == 0
    attend(make_event(tier=Tier.UNIT), people["branch_b"]["secretary"])
    ratio = unit_metrics(tree)["secretary_rotation_coverage"]
    assert (ratio.met, ratio.total) == (1, 2)
    assert [
        p.member for p in selectors.missing_secretaries(Q(path__startswith=tree["unit_a"].path), year=YEAR)
    ] == [people["branch_a"]["secretary"]]


def test_tier_filter_counts_only_that_tier(tree, people, make_event, attend):
    attend(make_event(tier=Tier.UNIT), people["branch_b"]["secretary"])
    assert unit_metrics(tree, tier=Tier.PROVINCIAL)["secretary_rotation_coverage"].met == 0
    assert unit_metrics(tree, tier=Tier.UNIT)["secretary_rotation_coverage"].met == 1


def test_standard_training_coverage_counts_branches(tree, people, make_event, attend):
    attend(make_event(tier=Tier.UNIT), people["branch_a"]["secretary"])  # not on the standard
    attend(make_event(tier=Tier.UNIT, standard=True, title="标准化"), people["branch_b"]["secretary"])
    attend(
        make_event(tier=Tier.UNIT, standard=True, title="标准化2"), people["branch_a"]["members"][2]
    )  # not the secretary
    ratio = unit_metrics(tree)["standard_training_coverage"]
    assert (ratio.met, ratio.total) == (1, 2)
    missing = list(selectors.missing_standard_branches(Q(path__startswith=tree["unit_a"].path), year=YEAR))
    assert missing == [tree["branch_a"]]


@pytest.fixture
def new_secretary(people):
    """branch_a gets a new secretary (first post ever) on 1 February."""
    term = people["branch_a"]["term"]
    Post.objects.filter(term=term, role=Post.Role.SECRETARY).update(ended_on=date(YEAR, 1, 31))
    member = people["branch_a"]["members"][3]
    Post.objects.create(term=term, member=member, role=Post.Role.SECRETARY, started_on=date(YEAR, 2, 1))
    return member


@pytest.mark.parametrize(("day", "on_time"), [(183, True), (184, False)])
def test_induction_on_day_183_is_on_time_day_184_is_late(
    tree, new_secretary, make_event, attend, day, on_time
):
    attend(
        make_event(
            tier=Tier.PROVINCIAL, organizer=tree["root"], end_on=date(YEAR, 2, 1) + timedelta(days=day)
        ),
        new_secretary,
    )
    ratio = unit_metrics(tree)["new_secretary_induction_on_time"]
    assert (ratio.met, ratio.total) == (int(on_time), 1)
    late = list(
        selectors.late_new_secretaries(Q(path__startswith=tree["unit_a"].path), year=YEAR, today=TODAY)
    )
    assert [p.member for p in late] == ([] if on_time else [new_secretary])


def test_induction_window_still_open_is_not_counted(tree, new_secretary):
    assert unit_metrics(tree, today=date(YEAR, 5, 1))["new_secretary_induction_on_time"].total == 0
    assert unit_metrics(tree, today=TODAY)["new_secretary_induction_on_time"].total == 1


def test_reelected_secretary_is_not_new(tree, people):
    # branch_a's secretary already held the post in the previous term: no induction owed.
    assert unit_metrics(tree)["new_secretary_induction_on_time"].total == 0


def test_member_page_requirements(tree, people, make_event, attend):
    secretary = people["branch_a"]["secretary"]
    attend(make_event(hours="20"), secretary)
    rows = {m.pk: m for m in selectors.branch_members_hours(tree["branch_a"], year=YEAR)}
    assert rows[secretary.pk].required == 56
    assert rows[secretary.pk].still_required == 36
    plain = people["branch_a"]["members"][4]
    assert (rows[plain.pk].required, rows[plain.pk].still_required) == (32, 32)


# --- provincial cycle: each secretary at provincial training at least once per N years ----------
# Window (selectors.cycle_window): from the same calendar day N years before the reference day
# (today, or 31 December of a past year) to the reference day, both included.


def cycle(tree, today=TODAY, year=YEAR):
    ratio = selectors.coverage(
        branch_q=Q(path__startswith=tree["unit_a"].path), key="unit", year=year, today=today
    )[tree["unit_a"].pk]["provincial_cycle_coverage"]
    missing = selectors.missing_cycle_secretaries(
        Q(path__startswith=tree["unit_a"].path), year=year, today=today
    )
    return (ratio.met, ratio.total), [(p.member, p.last_provincial) for p in missing]


@pytest.mark.parametrize(
    ("end_on", "counted"),
    [(date(YEAR - 3, 12, 31), True), (date(YEAR - 3, 12, 30), False)],
    ids=["exactly-3-years", "3-years-and-a-day"],
)
def test_provincial_cycle_boundary(tree, people, make_event, attend, end_on, counted):
    secretary = people["branch_a"]["secretary"]
    attend(make_event(tier=Tier.PROVINCIAL, organizer=tree["root"], end_on=end_on), secretary)
    ratio, missing = cycle(tree)
    other = (people["branch_b"]["secretary"], None)  # never trained at provincial level
    assert ratio == (int(counted), 2)
    assert missing == ([other] if counted else [(secretary, end_on), other])


def test_provincial_cycle_years_is_a_policy(tree, people, make_event, attend):
    secretary = people["branch_a"]["secretary"]
    attend(make_event(tier=Tier.PROVINCIAL, organizer=tree["root"], end_on=date(YEAR - 4, 6, 1)), secretary)
    assert cycle(tree)[0] == (0, 2)
    policy_set(key="training.provincial_cycle_years", value=5)
    assert cycle(tree)[0] == (1, 2)


def test_provincial_cycle_counts_provincial_attended_training_only(tree, people, make_event, attend):
    attend(make_event(tier=Tier.UNIT), people["branch_a"]["secretary"])
    attend(make_event(tier=Tier.PROVINCIAL, organizer=tree["root"]), people["branch_a"]["members"][2])
    enrolled = make_event(tier=Tier.PROVINCIAL, organizer=tree["root"], title="只报名")
    Attendance.objects.create(event=enrolled, member=people["branch_b"]["secretary"])
    assert cycle(tree)[0] == (0, 2)


def test_provincial_cycle_window_ends_today_in_the_current_year(tree, people, make_event, attend):
    today = date(YEAR, 6, 15)
    secretary = people["branch_a"]["secretary"]
    attend(make_event(tier=Tier.PROVINCIAL, organizer=tree["root"], end_on=date(YEAR - 3, 6, 15)), secretary)
    assert cycle(tree, today=today)[0] == (1, 2)
    assert cycle(tree, today=today + timedelta(days=1))[0] == (0, 2)
    # a past year's window ends on its 31 December
    assert cycle(tree, today=today, year=YEAR - 1)[0] == (1, 2)


def test_cycle_window_from_29_february():
    assert selectors.cycle_window(2028, date(2028, 2, 29), 3) == (date(2025, 2, 28), date(2028, 2, 29))
    assert selectors.cycle_window(2024, date(2028, 2, 29), 3) == (date(2021, 12, 31), date(2024, 12, 31))


def test_a_training_write_recomputes_only_its_units_figures(
    tree, people, make_event, attend, monkeypatch, django_capture_on_commit_callbacks
):
    """Large scopes are cached per unit; a write bumps the version of its members' units."""
    from django.core.cache import cache

    from training.models import MemberYearHours

    monkeypatch.setattr(selectors, "COVERAGE_CACHE_FROM", 1)
    cache.clear()

    def member_ok(unit):
        figures = selectors.coverage(branch_q=Q(), key="unit", year=YEAR, today=TODAY)
        return figures[tree[unit].pk]["member_hours_compliance"].met

    assert (member_ok("unit_a"), member_ok("unit_b")) == (0, 0)
    # behind the cache's back (no service): unit_b's figure stays cached …
    MemberYearHours.objects.create(member=people["branch_c"]["members"][1], year=YEAR, tier="all", hours=40)
    with django_capture_on_commit_callbacks(execute=True):
        attend(make_event(hours="40"), people["branch_a"]["members"][2])  # … a write in unit_a
    assert (member_ok("unit_a"), member_ok("unit_b")) == (1, 0)
    selectors.bump_data_version()  # everything recomputed
    assert (member_ok("unit_a"), member_ok("unit_b")) == (1, 1)


def _grouped_queries(captured):
    """The coverage computation's grouped reads (posts, members), not the scope's branch list."""
    return [q["sql"] for q in captured if "branches_post" in q["sql"] or "branches_member" in q["sql"]]


def test_refresh_task_keeps_large_scopes_warm_and_shares_whole_units(
    tree, people, make_event, attend, monkeypatch, django_capture_on_commit_callbacks
):
    """After the refresh task, neither the province nor a scope holding a unit whole computes
    anything; a unit only partly in scope is still computed for that scope; a training write
    still shows at once, and a change made behind the cache's back shows after the next run."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from training import tasks
    from training.models import MemberYearHours

    monkeypatch.setattr(selectors, "COVERAGE_CACHE_FROM", 1)
    cache.clear()
    today = date.today()

    def figures(branch_q):
        with CaptureQueriesContext(connection) as captured:
            result = selectors.coverage(branch_q=branch_q, key="unit", year=today.year, today=today)
        return result, _grouped_queries(captured)

    assert tasks.refresh_coverage() >= 1
    province, computed = figures(Q(path__startswith=tree["root"].path))
    assert computed == [] and set(province) == {tree["unit_a"].pk, tree["unit_b"].pk}
    unit_b, computed = figures(Q(path__startswith=tree["unit_b"].path))  # unit staff: the same entry
    assert computed == [] and unit_b[tree["unit_b"].pk] == province[tree["unit_b"].pk]
    partial, computed = figures(Q(path__startswith=tree["branch_a"].path))  # a secretary-sized scope
    assert computed and partial[tree["unit_a"].pk]["member_hours_compliance"].total == 5

    def member_ok(unit):
        return figures(Q())[0][tree[unit].pk]["member_hours_compliance"].met

    MemberYearHours.objects.create(
        member=people["branch_c"]["members"][1], year=today.year, tier="all", hours=40
    )
    with django_capture_on_commit_callbacks(execute=True):
        attend(make_event(hours="40"), people["branch_a"]["members"][2])
    assert (member_ok("unit_a"), member_ok("unit_b")) == (1, 0)  # the write at once, not the rest
    tasks.refresh_coverage()
    assert (member_ok("unit_a"), member_ok("unit_b")) == (1, 1)


def test_refresh_keeps_viewed_tiers_and_years_warm_and_prepares_tomorrow(tree, people, monkeypatch):
    from datetime import datetime

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    monkeypatch.setattr(selectors, "COVERAGE_CACHE_FROM", 1)
    cache.clear()
    evening = timezone.make_aware(datetime(YEAR, 6, 30, 23, 58))
    day, tomorrow = evening.date(), evening.date() + timedelta(days=1)

    def computes(**kwargs):
        with CaptureQueriesContext(connection) as captured:
            selectors.coverage(branch_q=Q(), key="unit", **kwargs)
        return bool(_grouped_queries(captured))

    assert computes(year=YEAR - 1, tier=Tier.UNIT, today=day)  # viewed once: now kept warm
    selectors.bump_data_version()  # every entry gone, as if expired; what was viewed stays hot
    selectors.refresh_coverage_cache(evening)
    assert not computes(year=YEAR - 1, tier=Tier.UNIT, today=day)
    assert not computes(year=YEAR, tier="", today=day)
    assert not computes(year=YEAR, tier="", today=tomorrow)  # the page right after midnight
    assert not computes(year=YEAR, tier=Tier.PROVINCIAL, today=day)  # this year's tiers: always
    assert computes(year=YEAR - 2, tier=Tier.UNIT, today=day)  # never viewed: not computed


def test_coverage_refresh_is_scheduled():
    from django.conf import settings
    from django_celery_beat.schedulers import ModelEntry

    entry = settings.CELERY_BEAT_SCHEDULE["training-coverage-refresh"]
    assert entry["task"] == "training.tasks.refresh_coverage"
    # what the database scheduler stores: a run not started within its interval is dropped
    fields = ModelEntry._unpack_fields(**entry)
    assert fields["expire_seconds"] < selectors.COVERAGE_REFRESH_SECONDS < selectors.COVERAGE_CACHE_SECONDS
    assert fields["crontab"].minute == "*/2" and selectors.COVERAGE_REFRESH_SECONDS == 120


def test_coverage_and_its_refresh_work_with_redis_down(tree, people, personas, client_for, monkeypatch):
    from django.test import override_settings
    from django.urls import reverse

    from tests.security.test_redis_down import DEAD_CACHE

    monkeypatch.setattr(selectors, "COVERAGE_CACHE_FROM", 1)  # the cached path, on a dead cache
    with override_settings(CACHES=DEAD_CACHE):
        assert selectors.refresh_coverage_cache() == 1 + len(Tier.values)
        figures = selectors.coverage(branch_q=Q(), key="unit", year=YEAR, today=TODAY)
        response = client_for(personas["provincial"]).get(reverse("training:coverage"))
    assert figures[tree["unit_a"].pk]["member_hours_compliance"].total == 8
    assert response.status_code == 200
