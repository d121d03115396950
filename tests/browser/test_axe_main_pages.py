"""axe-core over the main page of every area, for every demo persona: 0 serious/critical."""

from io import StringIO

import pytest
from django.core.management import call_command

from branches.demo import DEMO_PASSWORD
from branches.models import Organization, RoleAssignment, User

from .axe import axe_violations, format_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PERSONAS = ("admin", "sheng", "danwei", "shuji", "shuji2")


def main_pages(user):
    """Main page of each area, with the persona's own branch where a page needs one."""
    branch = (
        Organization.objects.filter(
            kind=Organization.Kind.BRANCH,
            path__startswith=RoleAssignment.objects.filter(user=user)
            .values_list("organization__path", flat=True)
            .first(),
        )
        .order_by("path")
        .first()
    )
    pages = [
        "/",
        "/orgs/",
        "/members/",
        "/notifications/",
        "/reports/review/",
        "/reports/rates/",
        "/reports/compliance/",
        "/renewals/calendar/",
        "/renewals/supervision/",
        "/renewals/postponements/",
        "/renewals/calendar/subscribe/",
        "/assessments/worklist/",
        "/assessments/rankings/",
        "/assessments/mine/",
        "/assessments/editions/",
    ]
    if branch is not None:
        pages += [
            f"/orgs/{branch.pk}/",
            f"/orgs/{branch.pk}/members/",
            f"/reports/branch/{branch.pk}/",
            f"/reports/branch/{branch.pk}/activities/new/",
            f"/renewals/branch/{branch.pk}/",
        ]
    return pages


def test_main_pages_have_no_serious_or_critical_axe_violations(live_server, page, login, shot):
    call_command("seed_demo", stdout=StringIO())
    failures, checked = [], 0
    for username in PERSONAS:
        login(page, username, password=DEMO_PASSWORD)
        for path in main_pages(User.objects.get(username=username)):
            response = page.goto(f"{live_server.url}{path}")
            if response.status in (403, 404):
                continue  # not this persona's area
            assert response.status == 200, f"{username} {path}: {response.status}"
            checked += 1
            violations = axe_violations(page)
            if violations:
                failures.append(f"{username} {path}\n{format_violations(violations)}")
        shot(page, f"axe_{username}_last")
    assert checked > 40
    assert not failures, "\n".join(failures)
