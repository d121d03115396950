"""Targets are set in the admin (indicator picked from the registry); export cells are safe."""

import pytest

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


def test_unit_names_that_look_like_formulas_stay_text(client_for, tree, personas):
    from io import BytesIO

    from openpyxl import load_workbook

    from branches.models import Organization

    Organization.objects.filter(pk=tree["unit_a"].pk).update(name="=HYPERLINK(1)")
    response = client_for(personas["provincial"]).get(f"/dashboards/org/{tree['root'].pk}/export.xlsx")
    cells = [c for row in load_workbook(BytesIO(response.content)).active.iter_rows() for c in row]
    cell = next(c for c in cells if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"
