"""500, 404 and 403 pages come in the portal's layout and language, never Django's bare English."""

import pytest
from django.test import RequestFactory
from django.utils import translation
from django.views.csrf import csrf_failure
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "text"), [("zh-hans", "系统出错"), ("en", "Server error")])
def test_500_page_is_in_the_portal_layout_without_a_request_context(language, text):
    with translation.override(language):
        response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert text in page and "portal-navbar" in page and f'lang="{language}"' in page
    assert "Server Error (500)" not in page


def test_csrf_failure_page_is_in_the_portal_layout():
    with translation.override("zh-hans"):
        response = csrf_failure(RequestFactory().post("/"), reason="CSRF cookie not set.")
    page = response.content.decode()
    assert response.status_code == 403 and "页面已过期" in page and "portal-navbar" in page


def test_404_and_403_pages_are_in_the_portal_layout(client_for, personas, tree):
    client = client_for(personas["unit_staff"])
    missing = client.get(f"/orgs/{tree['branch_c'].pk}/")
    assert missing.status_code == 404 and "portal-navbar" in missing.content.decode()
    forbidden = client_for(personas["secretary"]).get("/reports/review/")
    assert forbidden.status_code == 403 and "没有权限" in forbidden.content.decode()
