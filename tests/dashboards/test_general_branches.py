"""General branches (党总支) as a drill-down level: unit → general branch → its branches.

Tree (on top of the known tree): 甲厅 has branch_a (95) and branch_b (70) directly and the
general branch 甲厅机关党总支 with 党总支第一支部 (90) and 党总支第二支部 (60); 乙厅 has branch_c (50)
and its own general branch with one branch (80). Scores are 2025 finalized unit reviews.
"""

import re

import pytest
from django.urls import reverse

from branches.models import Organization
from dashboards import services
from dashboards.models import Snapshot
from dashboards.periods import QUARTER, YEAR, Period
from tests.conftest import count_queries
from tests.factories import Role, UserFactory, grant, make_org

from .conftest import YEAR as Y
from .conftest import finalized_review, report

pytestmark = pytest.mark.django_db
Kind = Organization.Kind


@pytest.fixture
def general_tree(known_tree, edition):
    t = dict(known_tree)
    t["general_a"] = make_org("甲厅机关党总支", Kind.GENERAL_BRANCH, t["unit_a"])
    t["branch_d"] = make_org("党总支第一支部", Kind.BRANCH, t["general_a"])
    t["branch_e"] = make_org("党总支第二支部", Kind.BRANCH, t["general_a"])
    t["general_b"] = make_org("乙厅机关党总支", Kind.GENERAL_BRANCH, t["unit_b"])
    t["branch_f"] = make_org("乙厅党总支支部", Kind.BRANCH, t["general_b"])
    for branch, total in ((t["branch_d"], 90), (t["branch_e"], 60), (t["branch_f"], 80)):
        finalized_review(branch, edition, Y, total)
    # 2025Q2 reports: d files April and May on time, June late; e files nothing.
    from datetime import date

    report(t["branch_d"], date(Y, 4, 1))
    report(t["branch_d"], date(Y, 5, 1))
    report(t["branch_d"], date(Y, 6, 1), late=True)
    services.build([Period(Y, YEAR), Period(Y, QUARTER, 2)], rebuild=True)
    return t


def value(org, key, period=None):
    period = period or Period(Y, YEAR)
    return Snapshot.objects.get(
        organization=org, indicator=key, period_kind=period.kind, year=period.year, period_no=period.number
    ).value


def org_url(org):
    return reverse("dashboards:org", args=[org.pk]) + f"?year={Y}"


def test_general_branches_get_snapshots_rolled_up_from_their_branches(general_tree):
    t = general_tree
    assert value(t["general_a"], "score_mean") == pytest.approx(75.0)  # (90 + 60) / 2
    assert value(t["general_a"], "score_median") == pytest.approx(75.0)
    assert value(t["general_a"], "score_p10") == pytest.approx(63.0)  # 60 + 0.1 × 30
    assert value(t["general_b"], "score_mean") == pytest.approx(80.0)
    # The unit counts every branch of it, also those under its general branch.
    assert value(t["unit_a"], "score_mean") == pytest.approx((95 + 70 + 90 + 60) / 4)
    assert value(t["unit_b"], "score_mean") == pytest.approx((50 + 80) / 2)
    assert value(t["root"], "score_mean") == pytest.approx((95 + 70 + 50 + 90 + 60 + 80) / 6)
    # Ratio indicators roll up as Σ numerator / Σ denominator: d 2 of 3 on time, e 0 of 3.
    q2 = Period(Y, QUARTER, 2)
    assert value(t["general_a"], "report_on_time", q2) == pytest.approx(100 * 2 / 6)
    row = Snapshot.objects.get(
        organization=t["general_a"], indicator="report_on_time", period_kind=QUARTER, year=Y, period_no=2
    )
    assert (row.numerator, row.denominator, row.sample) == (2, 6, 2)
    # Tier shares: 90 meets the standard … the general branch's two branches make 100 %.
    tiers = Snapshot.objects.filter(
        organization=t["general_a"], period_kind=YEAR, year=Y, indicator__startswith="tier_"
    ).values_list("value", flat=True)
    assert sum(v for v in tiers) == pytest.approx(100.0)


def _heat_rows(html):
    body = re.search(r'id="heatmap">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return re.findall(r'<th scope="row"[^>]*>(.*?)</th>', body, re.S)


def test_unit_drills_to_its_general_branch_then_to_branches(client_for, general_tree, personas):
    t = general_tree
    client = client_for(personas["provincial"])
    html = client.get(org_url(t["unit_a"])).content.decode()
    rows = _heat_rows(html)
    names = [re.sub(r"<[^>]+>", "", r).strip() for r in rows]
    # The unit lists its general branch and its own branches, not the general branch's branches.
    assert sorted(names) == sorted(["甲厅第一党支部", "甲厅第二党支部", "甲厅机关党总支 党总支"])
    general_row = rows[names.index("甲厅机关党总支 党总支")]
    assert f'href="{reverse("dashboards:org", args=[t["general_a"].pk])}?year={Y}"' in general_row
    assert reverse("dashboards:branch-report", args=[t["branch_a"].pk]) in rows[names.index("甲厅第一党支部")]
    general_cells = re.search(r"甲厅机关党总支.*?</th>(.*?)</tr>", html.split('id="heatmap"')[1], re.S).group(
        1
    )
    assert ">75.0<" in general_cells  # the general branch's mean score in the heat map

    page = client.get(org_url(t["general_a"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "甲厅机关党总支 · 党建质量稳步提升看板" in html
    names = [re.sub(r"<[^>]+>", "", r).strip() for r in _heat_rows(html)]
    assert sorted(names) == ["党总支第一支部", "党总支第二支部"]
    assert reverse("dashboards:branch-report", args=[t["branch_d"].pk]) in html
    # Breadcrumb: province › unit › general branch.
    crumb = re.search(r'<ol class="breadcrumb.*?</ol>', html, re.S).group(0)
    assert "甲厅机关党委" in crumb and reverse("dashboards:org", args=[t["unit_a"].pk]) in crumb
    # The KPI table reads the general branch's own snapshots.
    row = re.search(r'<tr data-indicator="score_mean">(.*?)</tr>', html, re.S).group(1)
    assert "75.0分" in row
    # The charts' tables too (same snapshot values).
    scores = re.search(r'data-chart-table="scores">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    assert re.search(rf"{Y}年</th><td[^>]*>75.0</td><td[^>]*>75.0</td><td[^>]*>63.0</td>", scores)


def test_scope_unit_staff_see_only_their_units_general_branches(client_for, general_tree, personas):
    t = general_tree
    client = client_for(personas["unit_staff"])  # unit_a
    assert client.get(org_url(t["general_a"])).status_code == 200
    assert client.get(org_url(t["general_b"])).status_code == 404
    assert client.get(reverse("dashboards:org-export", args=[t["general_b"].pk])).status_code == 404
    assert client.get(reverse("dashboards:annual", args=[t["general_b"].pk, Y])).status_code == 404
    assert client.get(reverse("dashboards:branch-report", args=[t["branch_d"].pk])).status_code == 200
    assert client.get(reverse("dashboards:branch-report", args=[t["branch_f"].pk])).status_code == 404
    # A secretary (of branch_a, under the same unit) sees no dashboard of a general branch.
    assert client_for(personas["secretary"]).get(org_url(t["general_a"])).status_code == 404
    # Staff of unit_b only: their general branch, not unit_a's.
    other = UserFactory(username="unit_b_staff")
    grant(other, Role.UNIT_STAFF, t["unit_b"])
    other_client = client_for(other)
    assert other_client.get(org_url(t["general_b"])).status_code == 200
    assert other_client.get(org_url(t["general_a"])).status_code == 404
    # A branch is not a dashboard node (its page is the health report).
    assert client.get(org_url(t["branch_d"])).status_code == 404


def test_general_branch_exports_and_annual_report(client_for, general_tree, personas):
    from io import BytesIO

    from docx import Document

    t = general_tree
    client = client_for(personas["unit_staff"])
    assert client.get(reverse("dashboards:org-export", args=[t["general_a"].pk])).status_code == 200
    response = client.get(reverse("dashboards:annual", args=[t["general_a"].pk, Y]))
    assert response.status_code == 200
    cells = {
        c.text for table in Document(BytesIO(response.content)).tables for r in table.rows for c in r.cells
    }
    assert "75.0分" in cells


def test_general_branch_and_unit_pages_keep_constant_queries(client_for, general_tree, personas, edition):
    t = general_tree
    client = client_for(personas["provincial"])
    urls = [org_url(t["unit_a"]), org_url(t["general_a"])]
    small = [count_queries(client, url) for url in urls]
    for i in range(5):
        branch = make_org(f"党总支新增支部{i}", Kind.BRANCH, t["general_a"])
        finalized_review(branch, edition, Y, 55 + i)
    second = make_org("甲厅第二党总支", Kind.GENERAL_BRANCH, t["unit_a"])
    make_org("第二党总支支部", Kind.BRANCH, second)
    services.build([Period(Y, YEAR)], rebuild=True)
    assert [count_queries(client, url) for url in urls] == small


def _dim_header(html):
    head = re.search(r'id="dim-table"><thead><tr>(.*?)</tr>', html, re.S).group(1)
    return re.findall(r"<th[^>]*>(.*?)</th>", head)


def test_health_report_of_a_branch_under_a_general_branch_compares_with_it(
    client_for, general_tree, personas
):
    t = general_tree
    client = client_for(personas["provincial"])
    under = client.get(reverse("dashboards:branch-report", args=[t["branch_d"].pk])).content.decode()
    assert _dim_header(under) == ["维度", "本支部", "本总支平均", "本单位平均", "全省平均"]
    assert "各维度得分率与总支、单位、全省平均" in under
    assert under.count('class="bar-general"') == 6  # one bar per dimension
    direct = client.get(reverse("dashboards:branch-report", args=[t["branch_a"].pk])).content.decode()
    assert _dim_header(direct) == ["维度", "本支部", "本单位平均", "全省平均"]
    assert "bar-general" not in direct
