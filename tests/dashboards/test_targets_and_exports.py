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


# --- the in-portal targets page (admins) -------------------------------------------------------


def test_admin_sets_changes_and_removes_a_target_in_the_portal_with_history(client_for, personas):
    from django.urls import reverse

    client = client_for(personas["admin"])
    page = client.get(reverse("dashboards:targets") + "?year=2026")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-indicator="renewal_overdue_12m"' in html and "未设目标" in html
    url = reverse("dashboards:target-edit", args=[2026, "renewal_overdue_12m"])
    assert url in html

    response = client.post(url, {"kind": "value", "value": "0", "note": "无逾期超12个月"})
    assert response.status_code == 302
    target = Target.objects.get(indicator="renewal_overdue_12m", year=2026)
    assert (target.kind, target.value, target.updated_by) == ("value", 0, personas["admin"])

    client.post(url, {"kind": "improve", "value": "5", "note": "好于上年"})
    target.refresh_from_db()
    assert (target.kind, target.value) == ("improve", None)  # an "improve" target has no value

    html = client.get(url).content.decode()
    history = html.split('id="target-history"')[1]
    assert history.count("<tr><td>") == 2 and str(personas["admin"]) in history
    assert "无逾期超12个月" in history and "好于上年" in history

    client.post(url, {"delete": "1"})
    assert not Target.objects.filter(indicator="renewal_overdue_12m", year=2026).exists()
    records = list(Target.history.filter(indicator="renewal_overdue_12m", year=2026).order_by("history_id"))
    assert [r.history_type for r in records] == ["+", "~", "-"]
    assert all(r.history_user == personas["admin"] for r in records)
    listing = client.get(reverse("dashboards:targets") + "?year=2026").content.decode()
    row = listing.split('data-indicator="renewal_overdue_12m"')[1].split("</tr>")[0]
    assert "未设目标" in row


def test_target_form_refuses_a_value_target_without_value_and_unknown_indicators(client_for, personas):
    from django.urls import reverse

    client = client_for(personas["admin"])
    url = reverse("dashboards:target-edit", args=[2026, "score_mean"])
    page = client.post(url, {"kind": "value", "value": "", "note": ""})
    assert page.status_code == 200 and "必须填写目标值" in page.content.decode()
    assert not Target.objects.exists()
    assert client.get(reverse("dashboards:target-edit", args=[2026, "made_up"])).status_code == 404


def test_only_admins_open_the_targets_pages(client_for, personas):
    from django.urls import reverse

    url = reverse("dashboards:target-edit", args=[2026, "score_mean"])
    for who in ("provincial", "unit_staff", "secretary"):
        client = client_for(personas[who])
        assert client.get(reverse("dashboards:targets")).status_code == 403
        assert client.post(url, {"kind": "value", "value": "80"}).status_code == 403
    assert not Target.objects.exists()


def test_target_service_checks_the_user_itself(personas):
    from django.core.exceptions import PermissionDenied, ValidationError

    from dashboards import services

    with pytest.raises(PermissionDenied):
        services.target_save(
            user=personas["provincial"], indicator="score_mean", year=2026, kind="value", value=80
        )
    with pytest.raises(ValidationError):
        services.target_save(user=personas["admin"], indicator="score_mean", year=2026, kind="value")
    target = services.target_save(
        user=personas["admin"], indicator="score_mean", year=2026, kind="value", value=80
    )
    assert target.history.get().history_user == personas["admin"]
