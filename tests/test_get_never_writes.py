"""Opening a page never writes: every GET each demo persona can reach leaves the database as it was.
The same crawl checks that no link shown to a persona leads to a 404."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from branches.models import User

from .crawl import DEMO_PERSONAS, crawl, table_fingerprint

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=StringIO())


def test_no_get_writes_for_any_demo_persona(demo, client):
    # The portal's default month is the current one: make sure no report for it exists yet, so
    # a page that would create a draft on open is caught.
    from branches.models import MonthlyReport

    today = timezone.localdate()
    MonthlyReport.objects.filter(month=today.replace(day=1)).delete()
    before = table_fingerprint()
    offenders, errors, not_found, visited = {}, {}, [], 0
    for username in DEMO_PERSONAS:
        client.force_login(User.objects.get(username=username))
        before_persona = table_fingerprint()

        def check(url, response, writes, username=username):
            if writes:
                offenders[f"{username} {url}"] = writes[:2]
            if response.status_code >= 500:
                errors[f"{username} {url}"] = response.status_code
            if response.status_code == 404:  # every link a page shows must open for its viewer
                not_found.append(f"{username} {url}")

        visited += len(crawl(client, on_page=check))
        assert offenders == {}
        assert table_fingerprint() == before_persona, username
        client.logout()
    assert errors == {}
    assert not_found == []
    assert visited > 100
    after = table_fingerprint()
    # logging in and out is recorded by django-axes; nothing else may have changed
    assert {t: v for t, v in after.items() if not t.startswith("axes_")} == {
        t: v for t, v in before.items() if not t.startswith("axes_")
    }


def _count_rows():
    return {
        table: values[0] for table, values in table_fingerprint().items() if not table.startswith("axes_")
    }


def test_opening_this_months_report_calendar_subscription_and_renewal_steps_writes_nothing(
    tree, personas, client_for
):
    from datetime import date

    from branches import services as branch_services

    branch_services.term_start(branch=tree["branch_a"], elected_on=date(2023, 1, 10))
    today = timezone.localdate()
    client = client_for(personas["secretary"])
    branch = tree["branch_a"].pk
    before = _count_rows()
    urls = [
        f"/reports/branch/{branch}/{today.year}-{today.month}/",
        "/renewals/calendar/subscribe/",
        f"/renewals/branch/{branch}/step/request/",
        f"/renewals/branch/{branch}/election/",
    ]
    for url in urls:
        assert client.get(url).status_code in (200, 403), url
    assert _count_rows() == before
