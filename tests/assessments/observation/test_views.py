"""Pages: scope (404 outside it), who sees individual scores, constant query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import Item, ObservationRound, Rectification, VisitMember
from assessments.observation import services
from branches.models import Organization
from tests.conftest import count_queries
from tests.factories import Role, UserFactory, grant, make_org

from .conftest import build_world, fill_and_submit, scheduled_round

pytestmark = pytest.mark.django_db


def _published(world, edition):
    round_ = scheduled_round(world, edition)
    for visit in round_.visits.select_related("round__edition"):
        leader = visit.team.get(role=VisitMember.Role.LEADER)
        services.rectification_add(
            visit=visit,
            member=leader,
            description=f"{visit.branch.name}公开栏未更新",
            deadline=round_.window_end.replace(year=2099),
        )
        for member in visit.team.filter(role__in=["leader", "observer"]):
            fill_and_submit(visit, member, value=Decimal(1) + member.pk % 2)
    services.round_publish(round_=round_)
    return ObservationRound.objects.get(pk=round_.pk)


def test_observer_sees_only_their_visits_and_the_steps(world, edition, client):
    round_ = scheduled_round(world, edition)
    visit = round_.visits.first()
    member = visit.team.filter(role=VisitMember.Role.OBSERVER).first()
    client.force_login(member.user)
    for step in ("shu", "kan", "cha", "wen", "ping"):
        response = client.get(reverse("observation:visit-step", args=[visit.pk, step]))
        assert response.status_code == 200, step
    assert client.get(reverse("observation:visit-ical", args=[visit.pk]))["Content-Type"].startswith(
        "text/calendar"
    )
    not_mine = round_.visits.exclude(team__user=member.user).exclude(branch__unit=member.unit).first()
    assert client.get(reverse("observation:visit-detail", args=[not_mine.pk])).status_code == 404
    assert client.get(reverse("observation:visit-step", args=[not_mine.pk, "ping"])).status_code == 404
    assert client.get(reverse("observation:round-detail", args=[round_.pk])).status_code == 403
    item = Item.objects.filter(edition=edition, mode=Item.Mode.MANUAL, points__gte=1).first()
    response = client.post(
        reverse("observation:autosave", args=[visit.pk]), {"field": f"score:{item.pk}", "value": "1"}
    )
    assert response.status_code == 200 and "已保存" in response.content.decode(), response.content.decode()
    response = client.post(
        reverse("observation:autosave", args=[visit.pk]), {"field": f"score:{item.pk}", "value": "x"}
    )
    assert response.status_code == 422 and "必须是数字" in response.content.decode()
    response = client.post(
        reverse("observation:autosave", args=[not_mine.pk]), {"field": f"score:{item.pk}", "value": "1"}
    )
    assert response.status_code == 404


def test_host_sees_aggregates_never_individual_scores(world, edition, client):
    round_ = _published(world, edition)
    visit = round_.visits.filter(kind="regular").select_related("branch").first()
    secretary = world["secretaries"][visit.branch_id]
    client.force_login(secretary)
    page = client.get(reverse("observation:visit-detail", args=[visit.pk])).content.decode()
    assert "观摩得分" in page and "公开栏未更新" in page
    for member in visit.team.select_related("user"):
        assert member.user.display_name not in page  # not even who scored what
    printed = client.get(reverse("observation:visit-print", args=[visit.pk])).content.decode()
    for member in visit.team.select_related("user"):
        assert member.user.display_name not in printed
    assert client.get(reverse("observation:visit-step", args=[visit.pk, "ping"])).status_code == 404
    other_branch = round_.visits.exclude(branch=visit.branch).exclude(branch__unit=visit.branch.unit).first()
    assert client.get(reverse("observation:visit-detail", args=[other_branch.pk])).status_code == 404
    results = client.get(reverse("observation:results", args=[round_.pk])).content.decode()
    assert visit.branch.name in results and other_branch.branch.name not in results
    rectifications = client.get(reverse("observation:rectifications")).content.decode()
    assert f"{visit.branch.name}公开栏未更新" in rectifications
    assert f"{other_branch.branch.name}公开栏未更新" not in rectifications
    # a team member's print sheet has one column per observer
    leader = visit.team.get(role=VisitMember.Role.LEADER).user
    client.force_login(leader)
    assert (
        leader.display_name
        in client.get(reverse("observation:visit-print", args=[visit.pk])).content.decode()
    )


def test_problems_reach_the_shared_tracker_for_the_host(world, edition, client):
    round_ = _published(world, edition)
    row = Rectification.objects.filter(visit__round=round_).select_related("branch", "tracker_item").first()
    client.force_login(world["secretaries"][row.branch_id])
    page = client.get(reverse("rectifications:branch", args=[row.branch_id])).content.decode()
    assert row.description in page
    detail = client.get(reverse("rectifications:detail", args=[row.tracker_item_id]))
    assert detail.status_code == 200
    other = Rectification.objects.exclude(branch__unit=row.branch.unit).first()
    assert client.get(reverse("rectifications:detail", args=[other.tracker_item_id])).status_code == 404


def test_results_hidden_before_publication_and_exports(world, edition, client):
    round_ = scheduled_round(world, edition)
    visit = round_.visits.first()
    client.force_login(world["secretaries"][visit.branch_id])
    assert client.get(reverse("observation:results", args=[round_.pk])).status_code == 404
    assert client.get(reverse("observation:visit-detail", args=[visit.pk])).status_code == 404
    client.force_login(world["leader"])
    response = client.get(reverse("observation:results-export", args=[round_.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    response = client.get(reverse("observation:rectifications-export"))
    assert response.status_code == 200


def test_staff_pages_render(world, edition, client):
    round_ = scheduled_round(world, edition)
    client.force_login(world["leader"])
    assert client.get(reverse("observation:index")).status_code == 200
    assert client.get(reverse("observation:round-create")).status_code == 200
    page = client.get(reverse("observation:round-detail", args=[round_.pk])).content.decode()
    assert "抽样种子" in page and "按种子复算结果一致" in page
    group = round_.groups.first()
    assert client.get(reverse("observation:group-schedule", args=[round_.pk, group.pk])).status_code == 200


def test_annual_score_on_the_branch_page(world, edition, client):
    round_ = _published(world, edition)
    visit = round_.visits.filter(kind="regular").first()
    client.force_login(world["secretaries"][visit.branch_id])
    page = client.get(reverse("branches:org-detail", args=[visit.branch_id])).content.decode()
    assert "年度标准化得分" in page


def _quick_publish(world, edition, per_unit):
    """A published round without going through every observer's form (for query counts)."""
    round_ = scheduled_round(world, edition, per_unit=per_unit)
    for visit in round_.visits.all():
        leader = visit.team.get(role=VisitMember.Role.LEADER)
        services.rectification_add(
            visit=visit, member=leader, description="问题", deadline=round_.window_end.replace(year=2099)
        )
    round_.visits.update(status="submitted")
    services.round_publish(round_=round_)
    return ObservationRound.objects.get(pk=round_.pk)


@pytest.mark.parametrize("page", ["results", "schedule", "rectifications"])
def test_constant_queries_at_two_sizes(db, edition, client, page):
    world = build_world(units=10, branches=1, members=4)
    client.force_login(world["leader"])

    def url(round_):
        if page == "results":
            return reverse("observation:results", args=[round_.pk])
        if page == "schedule":
            return reverse(
                "observation:group-schedule", args=[round_.pk, round_.groups.order_by("number").first().pk]
            )
        return reverse("observation:rectifications")

    small = _quick_publish(world, edition, per_unit=1)
    first = count_queries(client, url(small))
    services.round_close(round_=small)
    for u in range(12):
        unit = make_org(f"新{u}厅机关党委", Organization.Kind.UNIT_COMMITTEE, world["root"])
        for b in range(3):
            make_org(f"新{u}厅第{b}党支部", Organization.Kind.BRANCH, unit)
        observer = UserFactory(username=f"newobs{u}")
        grant(observer, Role.UNIT_STAFF, unit)
        world["observers"][unit.pk] = observer
        world["units"].append(unit)
    big = _quick_publish(world, edition, per_unit=2)
    assert big.visits.filter(kind="regular").count() == 10 + 12 * 2  # vs 10 in the small round
    assert count_queries(client, url(big)) == first
