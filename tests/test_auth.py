"""Login is required everywhere, failed logins are throttled, Django admin is for admins only."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_redirects_anonymous_users_to_login(client):
    response = client.get(reverse("branches:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_and_healthz_need_no_login(client):
    assert client.get(reverse("login")).status_code == 200
    assert client.get("/healthz").status_code == 200


def test_login_with_password_reaches_home(client, personas):
    response = client.post(reverse("login"), {"username": "secretary", "password": "pw-123456"}, follow=True)
    assert response.status_code == 200
    assert response.wsgi_request.user.username == "secretary"


def test_repeated_failed_logins_lock_the_account(client, personas, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": "secretary", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "secretary", "password": "pw-123456"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


@pytest.mark.parametrize("persona", ["provincial", "unit_staff", "secretary"])
def test_django_admin_is_closed_to_non_admins(client_for, personas, persona):
    response = client_for(personas[persona]).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_django_admin_opens_for_admin(client_for, personas):
    assert client_for(personas["admin"]).get("/admin/").status_code == 200


def test_language_can_be_switched_to_english(client_for, personas):
    client = client_for(personas["secretary"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()
