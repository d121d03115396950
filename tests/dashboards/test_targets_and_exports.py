"""Targets are set in the admin (indicator picked from the registry); export cells are safe."""

import pytest

from dashboards import xlsx
from dashboards.models import Target

pytestmark = pytest.mark.django_db


def test_admin_sets_a_target_for_a_registered_indicator(client_for, personas):
    client = client_for(personas["admin"])
    page = client.get("/admin/dashboards/target/add/")
    assert page.status_code == 200 and "renewal_overdue_12m" in page.content.decode()
    response = client.post(
        "/admin/dashboards/target/add/",
        {
            "indicator": "renewal_overdue_12m",
            "year": 2026,
            "kind": "value",
            "value": "0",
            "note": "无逾期超12个月",
        },
    )
    assert response.status_code == 302
    target = Target.objects.get(indicator="renewal_overdue_12m", year=2026)
    assert target.value == 0 and target.updated_by == personas["admin"]


def test_admin_refuses_an_unknown_indicator_and_a_value_target_without_value(client_for, personas):
    client = client_for(personas["admin"])
    client.post(
        "/admin/dashboards/target/add/", {"indicator": "made_up", "year": 2026, "kind": "value", "value": "1"}
    )
    client.post("/admin/dashboards/target/add/", {"indicator": "score_mean", "year": 2026, "kind": "value"})
    assert not Target.objects.exists()


def test_provincial_staff_cannot_open_target_admin(client_for, personas):
    assert client_for(personas["provincial"]).get("/admin/dashboards/target/add/").status_code == 302


def test_spreadsheet_cells_never_become_formulas():
    assert xlsx._safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert xlsx._safe("@SUM") == "'@SUM"
    assert xlsx._safe(-3.5) == -3.5
    assert xlsx._safe("党支部") == "党支部"
