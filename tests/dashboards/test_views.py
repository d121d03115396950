"""Dashboard pages: scope, constant queries at two sizes, chart data = table data, exports."""

import json
import re
from io import BytesIO

import pytest
from django.urls import reverse

from dashboards import services
from dashboards.models import Target
from dashboards.periods import QUARTER, YEAR, Period
from tests.conftest import count_queries
from tests.factories import make_org

from .conftest import YEAR as Y
from .conftest import finalized_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(known_tree):
    services.build([Period(Y, YEAR), Period(Y - 1, YEAR), Period(Y, QUARTER, 2)], rebuild=True)
    return known_tree


def org_url(org, year=Y):
    return reverse("dashboards:org", args=[org.pk]) + f"?year={year}"


def test_index_sends_each_role_to_its_view(client_for, built, personas):
    t = built
    assert client_for(personas["provincial"]).get("/dashboards/").url == reverse(
        "dashboards:org", args=[t["root"].pk]
    )
    assert client_for(personas["unit_staff"]).get("/dashboards/").url == reverse(
        "dashboards:org", args=[t["unit_a"].pk]
    )
    assert client_for(personas["secretary"]).get("/dashboards/").url == reverse(
        "dashboards:branch-report", args=[t["branch_a"].pk]
    )


def test_scope_unit_staff_see_only_their_unit(client_for, built, personas):
    t = built
    client = client_for(personas["unit_staff"])
    assert client.get(org_url(t["unit_a"])).status_code == 200
    assert client.get(org_url(t["unit_b"])).status_code == 404
    assert client.get(org_url(t["root"])).status_code == 404
    assert client.get(reverse("dashboards:org-export", args=[t["unit_b"].pk])).status_code == 404
    assert client.get(reverse("dashboards:branch-report", args=[t["branch_c"].pk])).status_code == 404
    assert client.get(reverse("dashboards:branch-report", args=[t["branch_a"].pk])).status_code == 200


def test_scope_secretaries_see_only_their_branch_report(client_for, built, personas):
    t = built
    client = client_for(personas["secretary"])
    assert client.get(org_url(t["unit_a"])).status_code == 404
    assert client.get(reverse("dashboards:branch-report", args=[t["branch_a"].pk])).status_code == 200
    assert client.get(reverse("dashboards:branch-report", args=[t["branch_b"].pk])).status_code == 404
    assert client.get(reverse("dashboards:branch-report-pdf", args=[t["branch_b"].pk])).status_code == 404


def test_province_dashboard_shows_values_changes_and_targets(client_for, built, personas):
    t = built
    Target.objects.create(indicator="score_mean", year=Y, kind=Target.Kind.VALUE, value=70)
    Target.objects.create(indicator="tier_non_compliant", year=Y, kind=Target.Kind.IMPROVE)
    response = client_for(personas["provincial"]).get(org_url(t["root"]))
    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(r'<tr data-indicator="score_mean">(.*?)</tr>', html, re.S).group(1)
    assert "71.7分" in row and "66.7分" in row  # 2025 mean 71.7 vs 2024 mean 66.7
    assert "bi-arrow-up" in row and "yoy-up" in row and "达标" in row
    failing = re.search(r'<tr data-indicator="tier_non_compliant">(.*?)</tr>', html, re.S).group(1)
    assert "33.3%" in failing and "未达标" in failing  # 1 of 3 in both years: not better
    training = re.search(r'<tr data-indicator="training_coverage">(.*?)</tr>', html, re.S).group(1)
    assert "暂无数据" in training
    assert reverse("dashboards:org", args=[t["unit_a"].pk]) in html  # drill-down link


def test_improve_target_not_met_when_equal(client_for, built, personas):
    Target.objects.create(indicator="tier_non_compliant", year=Y, kind=Target.Kind.IMPROVE)
    html = client_for(personas["provincial"]).get(org_url(built["root"])).content.decode()
    failing = re.search(r'<tr data-indicator="tier_non_compliant">(.*?)</tr>', html, re.S).group(1)
    assert "未达标" in failing


def _table_numbers(html, chart_id):
    body = re.search(rf'data-chart-table="{chart_id}">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([cells[0]] + [None if c == "—" else float(c) for c in cells[1:]])
    return rows


def test_every_chart_has_the_same_numbers_as_its_table(client_for, built, personas):
    html = client_for(personas["provincial"]).get(org_url(built["root"])).content.decode()
    specs = json.loads(
        re.search(r'<script id="dashboard-charts" type="application/json">(.*?)</script>', html, re.S).group(
            1
        )
    )
    drawn = [s for s in specs if not s["empty"]]
    assert {s["id"] for s in drawn} >= {"tiers", "scores", "dimensions", "reports", "life", "renewal"}
    for spec in drawn:
        expected = [
            [category] + [series["data"][i] for series in spec["series"]]
            for i, category in enumerate(spec["categories"])
        ]
        assert _table_numbers(html, spec["id"]) == expected, spec["id"]
    assert 'data-chart-empty="training_coverage"' in html


def test_unit_drill_down_lists_its_branches(client_for, built, personas):
    t = built
    html = client_for(personas["provincial"]).get(org_url(t["unit_a"])).content.decode()
    assert t["branch_a"].name in html and t["branch_b"].name in html and t["branch_c"].name not in html
    assert reverse("dashboards:branch-report", args=[t["branch_a"].pk]) in html


def _grow(tree, edition, n):
    for i in range(n):
        branch = make_org(f"新增支部{i}", "branch", tree["unit_a"])
        finalized_review(branch, edition, Y, 60 + i)
    services.build([Period(Y, YEAR)], rebuild=True)


def test_dashboard_and_drill_down_queries_constant(client_for, built, personas, edition):
    client = client_for(personas["provincial"])
    urls = [org_url(built["root"]), org_url(built["unit_a"])]
    small = [count_queries(client, url) for url in urls]
    _grow(built, edition, 6)
    make_org("丙厅机关党委", "unit_committee", built["root"])
    assert [count_queries(client, url) for url in urls] == small


def test_branch_report_queries_constant(client_for, built, personas, edition):
    client = client_for(personas["unit_staff"])
    url = reverse("dashboards:branch-report", args=[built["branch_a"].pk])
    small = count_queries(client, url)
    _grow(built, edition, 4)
    assert count_queries(client, url) == small


def test_branch_report_content(client_for, built, personas):
    t = built
    html = (
        client_for(personas["secretary"])
        .get(reverse("dashboards:branch-report", args=[t["branch_a"].pk]))
        .content.decode()
    )
    assert "2025 年评审得分 95.0 分" in html
    assert "暂无数据" in html  # training / 述职评议 / observation not landed
    assert "无整改事项" in html
    assert 'id="dim-table"' in html and "life-grid" in html


def test_excel_export_has_every_chart(client_for, built, personas):
    from openpyxl import load_workbook

    response = client_for(personas["provincial"]).get(
        reverse("dashboards:org-export", args=[built["root"].pk]) + f"?year={Y}"
    )
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [row for row in sheet.iter_rows(values_only=True)]
    first_cells = [row[0] for row in rows if row]
    for title in ("主要指标", "各等次支部占比（年度）（%）", "换届健康度（季度末）（个）", "单位指标热力图"):
        assert title in first_cells
    kpi = {row[0]: row for row in rows if row and row[0] == "平均得分"}
    assert round(kpi["平均得分"][2], 1) == 71.7


def test_annual_report_docx(client_for, built, personas):
    from docx import Document

    response = client_for(personas["provincial"]).get(
        reverse("dashboards:annual", args=[built["root"].pk, Y])
    )
    assert response.status_code == 200
    document = Document(BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2025年度党支部建设质量报告" in text and "进步较大" in text
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    assert "甲厅机关党委" in cells  # unit_a improved (80 → 82.5)
    assert "乙厅机关党委" in cells  # unit_b improved too (40 → 50)


def test_branch_report_pdf(client_for, built, personas):
    response = client_for(personas["secretary"]).get(
        reverse("dashboards:branch-report-pdf", args=[built["branch_a"].pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")

    from dashboards import views

    assert views.pdf_page_count(response.content) == 1  # one A4 page


def test_province_rolls_units_up_by_unit_group(client_for, known_tree, personas):
    from branches.models import Organization

    Organization.objects.filter(pk=known_tree["unit_b"].pk).update(category=Organization.Category.JUDICIAL)
    services.build([Period(Y, YEAR), Period(Y, QUARTER, 2)], rebuild=True)
    html = client_for(personas["provincial"]).get(org_url(known_tree["root"])).content.decode()
    table = re.search(r'id="unit-groups">(.*?)</table>', html, re.S).group(1)
    rows = {
        re.search(r"<th[^>]*>(.*?)</th>", row).group(1): re.findall(r'<td class="text-end">(.*?)</td>', row)
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    }
    assert rows["党政机关"][:2] == ["1", "82.5"]  # one unit; mean of 95 and 70
    assert rows["政法机关"][:2] == ["1", "50.0"]
    assert rows["党政机关"][2] == "—"  # P10 does not roll up


def test_health_report_names_failing_checks_without_their_codes(client_for, built, personas):
    page = client_for(personas["secretary"]).get(
        reverse("dashboards:branch-report", args=[built["branch_a"].pk])
    )
    html = page.content.decode()
    assert page.context["failing_checks"], "the fixture branch should fail some set-up check"
    assert "COM-0" not in html and "ORG-0" not in html
