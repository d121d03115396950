"""Password change, reset by email, and the forced change at next login."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from branches.models import User

pytestmark = pytest.mark.django_db


def test_user_changes_the_password(personas, client_for):
    client = client_for(personas["secretary"])
    page = client.get(reverse("password_change"))
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pw-123456",
            "new_password1": "Zq8-long-enough!",
            "new_password2": "Zq8-long-enough!",
        },
    )
    assert response.status_code == 302
    personas["secretary"].refresh_from_db()
    assert personas["secretary"].check_password("Zq8-long-enough!")


def test_password_reset_by_email(personas, client):
    response = client.post(reverse("password_reset"), {"email": "secretary@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "重设" in message.subject
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Reset-pass-987", "new_password2": "Reset-pass-987"},
    )
    assert done.status_code == 302
    assert User.objects.get(username="secretary").check_password("Reset-pass-987")


def test_password_reset_for_unknown_email_sends_nothing_and_says_the_same(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert response.status_code == 200 and not mail.outbox


def test_forced_change_redirects_every_page_until_changed(personas, client_for):
    user = personas["unit_staff"]
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    client = client_for(User.objects.get(pk=user.pk))
    for url in (reverse("branches:home"), reverse("branches:org-tree"), reverse("branches:member-list")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("password_change")
    assert client.get(reverse("password_change")).status_code == 200
    client.post(
        reverse("password_change"),
        {"old_password": "pw-123456", "new_password1": "Fresh-pass-246", "new_password2": "Fresh-pass-246"},
    )
    assert not User.objects.get(pk=user.pk).must_change_password
    assert client.get(reverse("branches:home")).status_code == 200


def test_admin_can_force_a_change(personas, client_for):
    client = client_for(personas["admin"])
    client.post(
        reverse("admin:branches_user_changelist"),
        {"action": "require_password_change", "_selected_action": [personas["secretary"].pk]},
    )
    assert User.objects.get(pk=personas["secretary"].pk).must_change_password


def test_seed_demo_in_production_forces_the_demo_users_to_change_password(db, settings):
    settings.PRODUCTION = True
    settings.DEBUG = False
    call_command("seed_demo", "--allow-production", stdout=open("/dev/null", "w"))
    flagged = set(User.objects.filter(must_change_password=True).values_list("username", flat=True))
    assert {"admin", "sheng", "danwei", "shuji", "shuji2"} <= flagged


def test_seed_demo_in_development_leaves_the_demo_password_usable(db, settings):
    settings.PRODUCTION = False
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert not User.objects.filter(must_change_password=True).exists()
