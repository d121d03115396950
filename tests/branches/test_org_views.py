"""Organization/people pages: access (404/403), forms, conflicts, export, query counts."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from branches.models import Member, Organization, Post, Term
from tests.branches.conftest import grow_unit
from tests.conftest import count_queries, database_unchanged
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
Kind = Organization.Kind
Role = Post.Role


def today():
    return timezone.localdate()


@pytest.fixture
def staffed_c(tree, add_members, staff_committee):
    """branch_c (乙厅, outside unit staff's scope) with members and a committee."""
    members = add_members(tree["branch_c"], full=8)
    term = staff_committee(tree["branch_c"], members)
    return {"org": tree["branch_c"], "member": members[0], "term": term, "post": term.posts.first()}


def targets(objects):
    """URL of every object-bound page for one branch's objects."""
    org, member, term, post = objects["org"], objects["member"], objects["term"], objects["post"]
    return {
        "org-detail": reverse("branches:org-detail", args=[org.pk]),
        "org-children": reverse("branches:org-children", args=[org.pk]),
        "org-create": reverse("branches:org-create", args=[org.pk]),
        "org-edit": reverse("branches:org-edit", args=[org.pk]),
        "org-members": reverse("branches:org-members", args=[org.pk]),
        "org-members-export": reverse("branches:org-members-export", args=[org.pk]),
        "member-create": reverse("branches:member-create", args=[org.pk]),
        "term-start": reverse("branches:term-start", args=[org.pk]),
        "member-detail": reverse("branches:member-detail", args=[member.pk]),
        "member-edit": reverse("branches:member-edit", args=[member.pk]),
        "term-close": reverse("branches:term-close", args=[term.pk]),
        "post-assign": reverse("branches:post-assign", args=[term.pk]),
        "post-end": reverse("branches:post-end", args=[post.pk]),
        "post-approve": reverse("branches:post-approve", args=[post.pk]),
    }


@pytest.fixture
def own_objects(staffed_branch):
    term = staffed_branch.terms.get()
    return {
        "org": staffed_branch,
        "member": staffed_branch.members.first(),
        "term": term,
        "post": term.posts.get(role=Role.SECRETARY),
    }


ALL_PAGES = [
    "org-detail",
    "org-children",
    "org-create",
    "org-edit",
    "org-members",
    "org-members-export",
    "member-create",
    "term-start",
    "member-detail",
    "member-edit",
    "term-close",
    "post-assign",
    "post-end",
    "post-approve",
]


@pytest.mark.parametrize("name", ALL_PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_page_answers_404_outside_scope(personas, staffed_c, client_for, name, method):
    client = client_for(personas["unit_staff"])
    response = getattr(client, method)(targets(staffed_c)[name])
    assert response.status_code == 404


PROVINCIAL_FORBIDDEN = [
    "org-create",
    "org-edit",
    "member-create",
    "term-start",
    "member-edit",
    "term-close",
    "post-assign",
    "post-end",
    "post-approve",
]
SECRETARY_FORBIDDEN = [
    "org-create",
    "org-edit",
    "term-start",
    "term-close",
    "post-assign",
    "post-end",
    "post-approve",
]


@pytest.mark.parametrize("name", PROVINCIAL_FORBIDDEN)
def test_provincial_staff_see_but_may_not_edit(personas, own_objects, client_for, name):
    client = client_for(personas["provincial"])
    assert client.get(targets(own_objects)[name]).status_code == 403
    with database_unchanged():
        assert client.post(targets(own_objects)[name], {"day": today()}).status_code == 403


@pytest.mark.parametrize("name", SECRETARY_FORBIDDEN)
def test_secretary_may_not_manage_terms_or_the_tree(personas, own_objects, client_for, name):
    client = client_for(personas["secretary"])
    assert client.get(targets(own_objects)[name]).status_code == 403
    with database_unchanged():
        assert client.post(targets(own_objects)[name], {"day": today()}).status_code == 403


@pytest.mark.parametrize(
    "name",
    ["org-detail", "org-members", "org-members-export", "member-detail", "member-edit", "member-create"],
)
def test_secretary_reaches_own_branch_pages(personas, own_objects, client_for, name):
    assert client_for(personas["secretary"]).get(targets(own_objects)[name]).status_code == 200


def test_secretary_cannot_see_sibling_branch(personas, tree, client_for):
    client = client_for(personas["secretary"])
    assert client.get(reverse("branches:org-detail", args=[tree["branch_b"].pk])).status_code == 404


def test_user_without_role_sees_empty_tree_and_roster(tree, client_for, add_members):
    from tests.factories import UserFactory

    add_members(tree["branch_a"], full=3)
    client = client_for(UserFactory(username="nobody"))
    tree_page = client.get(reverse("branches:org-tree"))
    assert tree_page.status_code == 200 and "甲厅" not in tree_page.content.decode()
    assert "您的账号没有可查看的党组织" in tree_page.content.decode()
    roster = client.get(reverse("branches:member-list"))
    assert "没有符合条件的党员" in roster.content.decode()
    assert client.get(reverse("branches:org-detail", args=[tree["root"].pk])).status_code == 404


# --- pages and forms ------------------------------------------------------------------------------


def test_branch_page_shows_roster_committee_checks_and_history(personas, staffed_branch, client_for):
    page = client_for(personas["unit_staff"]).get(reverse("branches:org-detail", args=[staffed_branch.pk]))
    html = page.content.decode()
    assert "在册党员" in html and ">10<" in html  # 9 full + 1 probationary
    assert "支部委员会与本届任期" in html and "距届满" in html
    assert "正式党员 9 人，已达 7 人以上，已设立支部委员会。" in html
    assert "第一党小组" in html
    assert "变更记录" in html and "职务：书记" in html


def test_unit_page_lists_its_branches_with_failing_checks(personas, tree, staffed_branch, client_for):
    html = (
        client_for(personas["unit_staff"])
        .get(reverse("branches:org-detail", args=[tree["unit_a"].pk]))
        .content.decode()
    )
    assert "所属党支部" in html and staffed_branch.name in html and tree["branch_b"].name in html
    assert "项错误" in html  # branch_b has no secretary


def test_tree_search_finds_by_name_within_scope(personas, tree, client_for):
    client = client_for(personas["unit_staff"])
    html = client.get(reverse("branches:org-tree"), {"q": "第一"}).content.decode()
    assert "甲厅第一党支部" in html and "乙厅第一党支部" not in html


def test_tree_children_are_loaded_on_demand(personas, tree, client_for):
    html = (
        client_for(personas["admin"])
        .get(reverse("branches:org-children", args=[tree["unit_a"].pk]))
        .content.decode()
    )
    assert "甲厅第一党支部" in html and "甲厅第二党支部" in html and "乙厅" not in html


def test_member_list_filters(personas, tree, client_for, add_members):
    add_members(tree["branch_a"], full=2, name="张全")
    add_members(tree["branch_a"], probationary=1, name="李预备")
    MemberFactory(branch=tree["branch_a"], name="王干部", is_leading_cadre=True, cell=tree["cell_a"])
    MemberFactory(branch=tree["branch_a"], name="赵转出", state=Member.State.TRANSFERRED)
    client = client_for(personas["secretary"])
    url = reverse("branches:org-members", args=[tree["branch_a"].pk])

    def names(**params):
        return {m.name for m in client.get(url, params).context["page_obj"]}

    assert names() == {"张全", "李预备", "王干部"}  # on the books by default
    assert names(status="probationary") == {"李预备"}
    assert names(is_leading_cadre="true") == {"王干部"}
    assert names(cell=tree["cell_a"].pk) == {"王干部"}
    assert names(state="transferred") == {"赵转出"}
    assert names(state="", q="赵") == {"赵转出"}


def test_cell_page_and_roster_show_its_members(personas, tree, client_for):
    MemberFactory(branch=tree["branch_a"], name="组员甲", cell=tree["cell_a"])
    MemberFactory(branch=tree["branch_a"], name="组外乙")
    client = client_for(personas["secretary"])
    html = client.get(reverse("branches:org-detail", args=[tree["cell_a"].pk])).content.decode()
    assert "组员甲" in html and "组外乙" not in html
    roster = client.get(reverse("branches:org-members", args=[tree["cell_a"].pk]))
    assert [m.name for m in roster.context["page_obj"]] == ["组员甲"]


def test_member_list_paginates_by_25(personas, tree, client_for, add_members):
    add_members(tree["branch_a"], full=30)
    page = client_for(personas["secretary"]).get(reverse("branches:member-list"), {"page": 2})
    assert len(page.context["page_obj"]) == 5 and "第 2 / 2 页，共 30 条" in page.content.decode()


def test_secretary_adds_member_with_chinese_validation(personas, tree, client_for):
    client = client_for(personas["secretary"])
    url = reverse("branches:member-create", args=[tree["branch_a"].pk])
    data = {
        "name": "新同志",
        "gender": "female",
        "birth_date": "1995-05-01",
        "joined_on": "2025-07-01",
        "status": "probationary",
        "state": "active",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "预备党员必须填写预备期满日期。" in response.content.decode()
    response = client.post(url, {**data, "probation_ends_on": "2026-07-01"})
    member = Member.objects.get(name="新同志")
    assert response.status_code == 302 and response["Location"] == member.get_absolute_url()


def test_concurrent_member_edit_shows_conflict_and_keeps_first_save(personas, tree, client_for):
    member = MemberFactory(branch=tree["branch_a"], name="原名")
    url = reverse("branches:member-edit", args=[member.pk])
    client = client_for(personas["secretary"])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"cell": "", "name": "甲改的名"})
    assert data["version"] == 1
    assert client.post(url, data).status_code == 302  # first editor saves version 2
    second = client_for(personas["unit_staff"]).post(url, {**data, "name": "乙改的名"})  # still version 1
    assert second.status_code == 200
    assert "该党员信息已被其他人修改（当前为第 2 版，您编辑的是第 1 版）" in second.content.decode()
    assert f'href="{url}">载入最新内容' in second.content.decode()
    member.refresh_from_db()
    assert (member.name, member.version) == ("甲改的名", 2)


def test_member_page_shows_who_changed_what(personas, tree, client_for):
    member = MemberFactory(branch=tree["branch_a"], name="原名")
    client = client_for(personas["secretary"])
    form = client.get(reverse("branches:member-edit", args=[member.pk])).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    client.post(
        reverse("branches:member-edit", args=[member.pk]),
        {**data, "cell": tree["cell_a"].pk, "is_leading_cadre": "on"},
    )
    html = client.get(member.get_absolute_url()).content.decode()
    assert "<strong>党小组</strong>：— → 第一党小组" in html
    assert "<strong>党员领导干部</strong>：否 → 是" in html
    assert "secretary" in html or personas["secretary"].display_name in html


def test_unit_staff_start_new_term_after_confirmation_page(personas, staffed_branch, client_for):
    client = client_for(personas["unit_staff"])
    url = reverse("branches:term-start", args=[staffed_branch.pk])
    page = client.get(url).content.decode()
    assert "data-confirm=" in page and "将在新一届选举日结束" in page
    response = client.post(url, {"elected_on": today().isoformat(), "length_years": 3, "has_committee": "on"})
    assert response.status_code == 302
    assert staffed_branch.terms.filter(status=Term.Status.ACTIVE).get().elected_on == today()
    assert not Post.objects.filter(term__branch=staffed_branch, ended_on__isnull=True).exists()


def test_term_start_in_future_is_refused_with_message(personas, staffed_branch, client_for):
    response = client_for(personas["unit_staff"]).post(
        reverse("branches:term-start", args=[staffed_branch.pk]),
        {"elected_on": (today() + timedelta(days=3)).isoformat(), "length_years": 3},
    )
    assert "选举日期不能晚于今天。" in response.content.decode()


def test_end_post_and_approve_deputy(personas, own_objects, client_for, staffed_branch):
    client = client_for(personas["unit_staff"])
    page = client.get(reverse("branches:post-end", args=[own_objects["post"].pk])).content.decode()
    assert "data-confirm=" in page
    client.post(reverse("branches:post-end", args=[own_objects["post"].pk]), {"day": today().isoformat()})
    own_objects["post"].refresh_from_db()
    assert own_objects["post"].ended_on == today()
    spare = staffed_branch.members.filter(posts__isnull=True, status=Member.Status.FULL).first()
    client.post(
        reverse("branches:post-assign", args=[own_objects["term"].pk]),
        {"member": spare.pk, "role": Role.DEPUTY_SECRETARY, "started_on": today().isoformat()},
    )
    deputy = Post.objects.get(member=spare)
    assert deputy.approved_on is None
    client.post(reverse("branches:post-approve", args=[deputy.pk]), {"day": today().isoformat()})
    deputy.refresh_from_db()
    assert deputy.approved_on == today()


def test_close_term_asks_for_confirmation_and_closes(personas, own_objects, client_for):
    client = client_for(personas["unit_staff"])
    url = reverse("branches:term-close", args=[own_objects["term"].pk])
    assert "此操作不能撤销" in client.get(url).content.decode()
    client.post(url, {"day": today().isoformat()})
    own_objects["term"].refresh_from_db()
    assert own_objects["term"].status == Term.Status.CLOSED


def test_unit_staff_create_cell_under_branch(personas, tree, client_for):
    client = client_for(personas["unit_staff"])
    response = client.post(
        reverse("branches:org-create", args=[tree["branch_b"].pk]),
        {"name": "新党小组", "kind": Kind.PARTY_CELL},
    )
    cell = Organization.objects.get(name="新党小组")
    assert response.status_code == 302 and cell.parent == tree["branch_b"] and cell.unit == tree["unit_a"]


def test_org_create_offers_only_kinds_allowed_under_parent(personas, tree, client_for):
    form = (
        client_for(personas["unit_staff"])
        .get(reverse("branches:org-create", args=[tree["unit_a"].pk]))
        .context["form"]
    )
    assert {value for value, _label in form.fields["kind"].choices} == {Kind.GENERAL_BRANCH, Kind.BRANCH}


# --- export ---------------------------------------------------------------------------------------


def test_export_has_chinese_headers_and_only_scoped_members(personas, tree, client_for):
    MemberFactory(branch=tree["branch_a"], name="甲一", cell=tree["cell_a"], is_leading_cadre=True)
    MemberFactory(
        branch=tree["branch_b"],
        name="甲二",
        status=Member.Status.PROBATIONARY,
        probation_ends_on=today() + timedelta(days=100),
        full_since=None,
    )
    MemberFactory(branch=tree["branch_c"], name="乙一")
    response = client_for(personas["unit_staff"]).get(reverse("branches:member-export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=utf-8''" in response["Content-Disposition"].lower()
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "管辖范围 党员名册"
    assert rows[1][:6] == ("序号", "姓名", "性别", "出生日期", "入党日期", "党员类别")
    body = {row[1]: row for row in rows[2:]}
    assert set(body) == {"甲一", "甲二"}
    assert body["甲一"][8:13] == ("是", "在册", "甲厅第一党支部", "第一党小组", "甲厅")
    assert body["甲二"][5] == "预备党员"


def test_export_respects_filters(personas, tree, client_for, add_members):
    add_members(tree["branch_a"], full=2)
    add_members(tree["branch_a"], probationary=3)
    response = client_for(personas["secretary"]).get(
        reverse("branches:org-members-export", args=[tree["branch_a"].pk]), {"status": "probationary"}
    )
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 + 3


# --- query counts ---------------------------------------------------------------------------------


@pytest.fixture
def sized(tree, add_members, staff_committee):
    def grow(branches):
        return grow_unit(
            tree["unit_a"],
            branches=branches,
            members_each=6,
            add_members=add_members,
            staff_committee=staff_committee,
        )

    return grow


def _count(client, url, django_assert_num_queries, expected):
    client.get(url)  # warm-up (session, etc.)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", [2, 8])
@pytest.mark.parametrize(
    ("page", "expected"),
    # unit and branch pages +1 for the organization-page panel (latest 述职评议 grade); branch +1
    # for its annual standardization score (cross-observation). The 述职评议 raters' grant source
    # is asked only about RATE and policy settings are read once per request (issue #17).
    # export 5: its row count decides download vs export job.
    [("tree", 13), ("unit", 18), ("branch", 17), ("members", 7), ("export", 5)],
)
def test_pages_run_constant_queries(
    personas, tree, client_for, sized, django_assert_num_queries, size, page, expected
):
    branches = sized(size)
    client = client_for(personas["unit_staff"])
    url = {
        "tree": reverse("branches:org-tree"),
        "unit": reverse("branches:org-detail", args=[tree["unit_a"].pk]),
        "branch": reverse("branches:org-detail", args=[branches[-1].pk]),
        "members": reverse("branches:member-list"),
        "export": reverse("branches:member-export"),
    }[page]
    _count(client, url, django_assert_num_queries, expected)


def test_secretary_home_panel_shows_committee_expiry_and_failing_checks(
    personas, tree, client_for, add_members, staff_committee
):
    members = add_members(tree["branch_a"], full=8)
    staff_committee(tree["branch_a"], members, roles=(Role.SECRETARY, Role.ORGANIZATION))
    html = client_for(personas["secretary"]).get(reverse("branches:home")).content.decode()
    assert "在册党员 8 人（正式党员 8 人）" in html
    assert "书记 " + members[0].name in html and "剩余" in html
    assert "宣传委员、纪检委员职务空缺。" in html


def test_staff_home_panel_counts_failing_checks_in_scope(personas, tree, client_for, staffed_branch):
    panel = dict(client_for(personas["unit_staff"]).get(reverse("branches:home")).context["panels"])
    counts = panel["branches/_panel_staff.html"]["counts"]
    # unit_a: branch_a passes everything; branch_b has no term (COM-04 error); unit_a passes ORG-01.
    assert (counts["branches"], counts["members"], counts["orgs_with_errors"]) == (2, 10, 1)


def test_home_pages_run_the_same_queries_at_two_data_sizes(
    personas, tree, client_for, add_members, staff_committee, sized, monkeypatch
):
    """Every panel on the home page (all features) stays constant-query as data grows."""
    from branches import home

    monkeypatch.setattr(home, "SHARED_SECONDS", 0)  # measure the panels, not the shared figures
    members = add_members(tree["branch_a"], full=8)
    staff_committee(tree["branch_a"], members)
    url = reverse("branches:home")
    before = {who: count_queries(client_for(personas[who]), url) for who in ("secretary", "unit_staff")}
    add_members(tree["branch_a"], full=30)
    sized(8)
    after = {who: count_queries(client_for(personas[who]), url) for who in ("secretary", "unit_staff")}
    assert after == before


def test_organizations_outside_the_viewers_scope_render_as_text(client_for, personas, tree):
    page = client_for(personas["secretary"]).get(f"/orgs/{tree['branch_a'].pk}/").content.decode()
    unit = tree["unit_a"]
    assert unit.name in page and f'href="/orgs/{unit.pk}/"' not in page
    staff_page = client_for(personas["unit_staff"]).get(f"/orgs/{tree['branch_a'].pk}/").content.decode()
    assert f'href="/orgs/{unit.pk}/"' in staff_page


def test_scope_wide_roster_filters_by_unit_and_branch_searches_names_and_numbers_pages(
    client_for, personas, tree
):
    from tests.factories import MemberFactory

    MemberFactory(branch=tree["branch_a"], name="王建国")
    MemberFactory(branch=tree["branch_b"], name="王红")
    MemberFactory(branch=tree["branch_c"], name="王立")
    MemberFactory.create_batch(60, branch=tree["branch_c"])
    client = client_for(personas["provincial"])

    def names(query):
        return {m.name for m in client.get(f"/members/?{query}").context["page_obj"]}

    assert names(f"q=王&unit={tree['unit_a'].pk}") == {"王建国", "王红"}
    assert names(f"q=王&unit={tree['unit_a'].pk}&branch={tree['branch_b'].pk}") == {"王红"}
    assert names("q=王") == {"王建国", "王红", "王立"}
    page = client.get("/members/").content.decode()
    assert 'name="unit"' in page and 'name="branch"' in page
    assert 'href="?state=active&amp;page=2"' in page or "page=2" in page
    assert '<li class="page-item active" aria-current="page"><span class="page-link">1</span>' in page
