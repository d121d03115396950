"""Login throttling per username from any address, lockout page with its duration, client
addresses read behind the reverse proxy, and absurd input answered like any failed login."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from branchportal.client_ip import client_ip

pytestmark = pytest.mark.django_db


def _fail(client, username, ip, **extra):
    return client.post(reverse("login"), {"username": username, "password": "wrong"}, REMOTE_ADDR=ip, **extra)


def test_username_is_locked_after_failures_from_different_addresses(client, personas, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        _fail(client, "secretary", ip)
    response = client.post(
        reverse("login"), {"username": "secretary", "password": "pw-123456"}, REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 429
    # another user from the same addresses is not locked
    ok = client.post(
        reverse("login"), {"username": "outsider", "password": "pw-123456"}, REMOTE_ADDR="10.0.0.1"
    )
    assert ok.status_code == 302


@pytest.mark.parametrize(("language", "text"), [("zh-hans", "15 分钟"), ("en", "15 minutes")])
def test_lockout_page_says_how_long_the_lock_lasts(client, personas, settings, language, text):
    settings.AXES_FAILURE_LIMIT = 2
    client.cookies["django_language"] = language
    for _ in range(2):
        _fail(client, "secretary", "10.0.0.1")
    with translation.override(language):
        response = _fail(client, "secretary", "10.0.0.1", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 429
    assert text in response.content.decode()


@pytest.mark.parametrize("username", ["x" * 300, "名" * 200, "a\x01b", ""])
def test_absurd_usernames_get_the_normal_error(client, username):
    response = client.post(reverse("login"), {"username": username, "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_a_nul_byte_in_the_username_is_the_400_page(client, db):
    response = client.post(reverse("login"), {"username": "a\x00b", "password": "wrong"})
    assert response.status_code == 400


def test_client_ip_trusts_the_proxy_header_only_from_the_proxy(rf):
    with override_settings(TRUSTED_PROXY_IPS=["127.0.0.1"], CLIENT_IP_HEADER="HTTP_X_REAL_IP"):
        via_proxy = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")
        assert client_ip(via_proxy) == "203.0.113.7"
        spoofed = rf.get("/", REMOTE_ADDR="198.51.100.2", HTTP_X_REAL_IP="203.0.113.7")
        assert client_ip(spoofed) == "198.51.100.2"
        garbage = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="not-an-ip")
        assert client_ip(garbage) == "127.0.0.1"
    with override_settings(TRUSTED_PROXY_IPS=[], CLIENT_IP_HEADER="HTTP_X_REAL_IP"):
        assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")) == "127.0.0.1"


def test_throttling_behind_the_proxy_counts_the_real_client(client, personas, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1"]
    settings.AXES_LOCKOUT_PARAMETERS = ["ip_address"]
    for _ in range(2):
        _fail(client, "nobody", "127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")
    blocked = client.post(
        reverse("login"),
        {"username": "secretary", "password": "pw-123456"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_REAL_IP="203.0.113.7",
    )
    assert blocked.status_code == 429
    other = client.post(
        reverse("login"),
        {"username": "secretary", "password": "pw-123456"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_REAL_IP="203.0.113.8",
    )
    assert other.status_code == 302
