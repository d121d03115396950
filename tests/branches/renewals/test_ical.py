"""The private iCalendar feed is valid RFC 5545 and shows only the owner's terms."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from branches.models import CalendarToken, Postponement
from branches.renewals import ical

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(date(2027, 8, 5), tick=False):
        yield


def feed(client, user):
    token = CalendarToken.objects.get_or_create(user=user)[0].token
    return client.get(reverse("renewals:feed", args=[token]))


def test_feed_is_valid_icalendar_without_login(client, personas, terms):
    Postponement.objects.create(term=terms["a"], until=date(2027, 12, 31), reason="x", status="approved")
    response = feed(client, personas["secretary"])
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.content
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")
    calendar = Calendar.from_ical(raw)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"] == ical.PRODID
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    expiry = events[f"term-{terms['a'].pk}-expiry@branchportal"]
    assert str(expiry["SUMMARY"]) == "甲厅第一党支部任期届满"
    assert expiry.decoded("DTSTART") == date(2027, 6, 30)
    assert events[f"term-{terms['a'].pk}-postponed@branchportal"].decoded("DTSTART") == date(2027, 12, 31)
    assert events[f"term-{terms['a'].pk}-request@branchportal"].decoded("DTSTART") == date(2027, 11, 30)
    assert all(e.get("DTSTAMP") for e in events.values())
    # Only the secretary's own branch.
    assert {uid.split("-")[1] for uid in events} == {str(terms["a"].pk)}


def test_staff_feed_covers_scope(client, personas, terms):
    calendar = Calendar.from_ical(feed(client, personas["provincial"]).content)
    branches = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert {"甲厅第一党支部任期届满", "乙厅第一党支部任期届满", "甲厅第二党支部任期届满"} <= branches


def test_unknown_or_inactive_token_is_404(client, personas, terms):
    assert client.get(reverse("renewals:feed", args=["nope"])).status_code == 404
    personas["secretary"].is_active = False
    personas["secretary"].save()
    assert feed(client, personas["secretary"]).status_code == 404


def test_rotating_token_invalidates_old_address(client_for, personas, terms):
    client = client_for(personas["secretary"])
    assert client.get(reverse("renewals:calendar-subscribe")).context["feed_url"] == ""  # GET creates nothing
    client.post(reverse("renewals:calendar-subscribe"))
    old = client.get(reverse("renewals:calendar-subscribe")).context["feed_url"]
    client.post(reverse("renewals:calendar-subscribe"))
    new = client.get(reverse("renewals:calendar-subscribe")).context["feed_url"]
    assert old != new
    client.logout()
    assert client.get(old.removeprefix("http://testserver")).status_code == 404
    assert client.get(new.removeprefix("http://testserver")).status_code == 200


def test_folding_never_splits_a_chinese_character():
    line = "SUMMARY:" + "党支部换届" * 30
    folded = ical.fold(line)
    parts = folded.split("\r\n ")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert "".join(parts) == line


def test_text_escaping():
    assert ical.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
