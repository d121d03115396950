"""Every next/back style parameter stays on this site."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from branches.http import safe_next

EVIL = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "javascript:alert(1)",
    "https:evil.example",
]

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("target", EVIL)
def test_safe_next_refuses_other_sites(target):
    request = RequestFactory().get("/")
    assert safe_next(request, target, "branches:home") == reverse("branches:home")


def test_safe_next_keeps_local_paths():
    request = RequestFactory().get("/")
    assert safe_next(request, "/orgs/?q=1", "branches:home") == "/orgs/?q=1"


@pytest.mark.parametrize("target", EVIL)
def test_login_next_stays_on_site(client, personas, target):
    response = client.post(
        reverse("login") + f"?next={target}",
        {"username": "secretary", "password": "pw-123456", "next": target},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"] and not response["Location"].startswith("javascript")


@pytest.mark.parametrize("target", EVIL)
def test_language_switch_next_stays_on_site(client_for, personas, target):
    response = client_for(personas["secretary"]).post(
        reverse("set_language"), {"language": "en", "next": target}
    )
    assert "evil.example" not in response.get("Location", "")
