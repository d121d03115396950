"""Absolute query pins on the most used pages: each query named, so a change that adds one
shows up here as a named difference (the two-size tests elsewhere catch N+1 growth; these catch
a page quietly doing more work per request).

When a change adds or removes a query on purpose, update the list and its comment in the same
commit. Policy settings and the secretary's branches are read once per request
(``branches.request_cache``); the 述职评议 raters' grant source is asked only about RATE.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import services
from assessments.models import Review
from branches.models import Term

from .conftest import finalized_review

TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"')


@pytest.fixture
def world(scored_tree, personas):
    finalized_review(scored_tree["branch_a"], personas["unit_staff"])
    review = services.review_start(
        branch=scored_tree["branch_b"], kind=Review.Kind.UNIT, year=2026, user=personas["unit_staff"]
    )
    Term.objects.filter(branch=scored_tree["branch_b"]).update(
        ends_on=timezone.localdate() - timedelta(days=40)
    )
    return {**scored_tree, "review": review}


def tables_queried(client, url):
    client.get(url)  # warm-up: sessions, caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [(match.group(1) if (match := TABLE.search(q["sql"])) else q["sql"][:60]) for q in captured]


PAGES = {
    "secretary_home": (
        "secretary",
        lambda world: "/",
        [
            "django_session",  # the session
            "branches_user",  # the signed-in user
            "branches_roleassignment",  # the user's role assignments (once per request)
            "branches_organization",  # the secretary's branches with member counts (once per request)
            "branches_member",  # branch panel: member counts per branch (checks)
            "branches_organization",  # branch panel: party cells per branch
            "branches_term",  # branch panel: terms per branch (checks)
            "branches_term",  # branch panel: the active terms
            "branches_post",  # branch panel: committee posts of those terms
            "branches_policysetting",  # policy settings (once per request, every panel reads them)
            "branches_term",  # renewal countdown: active terms, deadline stored on the term
            "branches_member",  # training panel: members' hours this year
            "assessments_dutyballot",  # 述职评议 panel: ballots waiting for this user
            "assessments_dutyreport",  # 述职评议 panel: the secretary's own report
            "branches_term",  # report panel: committee or not (which meetings are required)
            "branches_organization",  # report panel: party cells (cell meetings required)
            "branches_activity",  # report panel: activities per kind and month
            "branches_monthlyreport",  # report panel: this month's report
            "assessments_dutyreport",  # score panel: latest published 述职评议 grade
            "assessments_itemscore",  # score panel: latest finalized review with totals
            "assessments_visit",  # score panel: latest observation result
            "branches_notification",  # navbar: unread count
            "branches_notification",  # notices panel: the latest notices
        ],
    ),
    "unit_staff_home": (  # the staff panels read shared (branches.home); computed: below
        "unit_staff",
        lambda world: "/",
        [
            "django_session",  # rows of the session
            "branches_user",  # rows of the signed-in user
            "branches_roleassignment",  # rows of the user's role assignments (once per request)
            "assessments_dutyrater",  # the 述职评议 raters' grants (the scope signature asks every source)
            "assessments_dutyballot",  # rows of 述职评议 ballots
            "assessments_dutyreport",  # rows of 述职评议 reports
            "assessments_visit",  # rows of observation visits
            "assessments_followup",  # count of lagging-branch follow-ups
            "assessments_followup",  # count of lagging-branch follow-ups
            "assessments_designation",  # count of designations
            "branches_policysetting",  # rows of policy settings (once per request)
            "assessments_question",  # count of questions
            "branches_notification",  # count of notifications
        ],
    ),
    "tree": (
        "unit_staff",
        lambda world: "/orgs/",
        [
            "django_session",  # rows of the session
            "branches_user",  # rows of the signed-in user
            "branches_roleassignment",  # rows of the user's role assignments (once per request)
            "branches_organization",  # rows of organizations
            "branches_organization",  # rows of organizations
            "branches_member",  # grouped members
            "branches_organization",  # grouped organizations
            "branches_term",  # grouped terms
            "branches_term",  # rows of terms
            "branches_post",  # rows of committee posts
            "branches_organization",  # grouped organizations
            "branches_policysetting",  # rows of policy settings
            "branches_notification",  # count of notifications
        ],
    ),
    "branch_page": (
        "secretary",
        lambda world: f"/orgs/{world['branch_a'].pk}/",
        [
            "django_session",  # rows of the session
            "branches_user",  # rows of the signed-in user
            "branches_roleassignment",  # rows of the user's role assignments (once per request)
            "branches_organization",  # rows of organizations
            "branches_policysetting",  # rows of policy settings
            "branches_member",  # grouped members
            "branches_organization",  # grouped organizations
            "branches_term",  # grouped terms
            "branches_term",  # rows of terms
            "branches_post",  # rows of committee posts
            "branches_historicalorganization",  # rows of history of the organization
            "branches_historicalterm",  # rows of history of its terms
            "branches_historicalpost",  # rows of history of its posts
            "assessments_dutyreport",  # rows of 述职评议 reports
            "assessments_visit",  # rows of observation visits
            "branches_member",  # rows of members
            "branches_notification",  # count of notifications
        ],
    ),
    "roster": (
        "unit_staff",
        lambda world: "/members/",
        [
            "django_session",  # rows of the session
            "branches_user",  # rows of the signed-in user
            "branches_roleassignment",  # rows of the user's role assignments (once per request)
            "branches_member",  # count of members
            "branches_notification",  # count of notifications
            "branches_organization",  # streamed organizations
            "branches_member",  # rows of members
        ],
    ),
    "report_queue": (
        "unit_staff",
        lambda world: "/reports/review/",
        [
            "django_session",  # rows of the session
            "branches_user",  # rows of the signed-in user
            "branches_roleassignment",  # rows of the user's role assignments (once per request)
            "branches_monthlyreport",  # count of monthly reports
            "branches_notification",  # count of notifications
            "branches_organization",  # streamed organizations
        ],
    ),
    "branch_reports": (
        "secretary",
        lambda world: f"/reports/branch/{world['branch_a'].pk}/",
        [
            "django_session",  # rows of the session
            "branches_user",  # rows of the signed-in user
            "branches_roleassignment",  # rows of the user's role assignments (once per request)
            "branches_organization",  # rows of organizations
            "branches_monthlyreport",  # rows of monthly reports
            "branches_activity",  # count of activity records
            "branches_policysetting",  # rows of policy settings
            "branches_term",  # rows of terms
            "branches_organization",  # rows of organizations
            "branches_activity",  # rows of activity records
            "branches_notification",  # count of notifications
            "branches_activity",  # rows of activity records
        ],
    ),
    "worklist": (
        "unit_staff",
        lambda world: "/assessments/worklist/",
        [
            "django_session",  # rows of the session
            "branches_user",  # rows of the signed-in user
            "branches_roleassignment",  # rows of the user's role assignments (once per request)
            "branches_organization",  # rows of organizations
            "branches_organization",  # count of organizations
            "branches_notification",  # count of notifications
            "assessments_review",  # rows of reviews
        ],
    ),
    "review_page": (
        "unit_staff",
        lambda world: world["review"].get_absolute_url(),
        [
            "django_session",  # rows of the session
            "branches_user",  # rows of the signed-in user
            "branches_roleassignment",  # rows of the user's role assignments (once per request)
            "assessments_review",  # rows of reviews
            "assessments_itemscore",  # rows of item scores
            "assessments_review",  # rows of reviews
            "assessments_tier",  # rows of tiers of the edition (the result's tier is picked from them)
            "assessments_evidence",  # rows of evidence files
            "assessments_itemscore",  # rows of item scores
            "assessments_itemscore",  # rows of item scores
            "branches_user",  # rows of the signed-in user
            "branches_notification",  # count of notifications
            "assessments_item",  # streamed items of the edition
        ],
    ),
    "renewal_supervision": (
        "unit_staff",
        lambda world: "/renewals/supervision/",
        [
            "django_session",  # rows of the session
            "branches_user",  # rows of the signed-in user
            "branches_roleassignment",  # rows of the user's role assignments (once per request)
            "branches_policysetting",  # rows of policy settings
            "branches_term",  # count of terms
            "branches_term",  # rows of terms with their stored deadlines (was the postponement subquery)
            "branches_termreminder",  # rows of renewal reminders sent
            "branches_termreminder",  # rows of renewal reminders sent
            "branches_term",  # counts by stage over the stored deadlines (was a postponement subquery per term)
            "branches_notification",  # count of notifications
        ],
    ),
    "notifications": (
        "secretary",
        lambda world: "/notifications/",
        [
            "django_session",  # rows of the session
            "branches_user",  # rows of the signed-in user
            "branches_notification",  # count of notifications
            "branches_roleassignment",  # rows of the user's role assignments (once per request)
            "branches_notification",  # count of notifications
            "branches_notification",  # rows of notifications
        ],
    ),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_runs_exactly_its_named_queries(world, personas, client_for, page):
    persona, url, expected = PAGES[page]
    assert tables_queried(client_for(personas[persona]), url(world)) == expected


# The unit staff's home computing its shared panels (the first viewer of the minute, or after
# the viewer's own write).
UNIT_STAFF_HOME_COMPUTED = [
    "django_session",  # rows of the session
    "branches_user",  # rows of the signed-in user
    "branches_roleassignment",  # rows of the user's role assignments (once per request)
    "assessments_dutyrater",  # the 述职评议 raters' grants (the scope signature asks every source)
    "branches_term",  # count of terms
    "branches_organization",  # count of organizations
    "branches_member",  # count of members
    "branches_organization",  # rows of organizations
    "branches_policysetting",  # rows of policy settings (once per request)
    "branches_member",  # grouped members
    "branches_organization",  # grouped organizations
    "branches_term",  # grouped terms
    "branches_term",  # rows of terms
    "branches_post",  # rows of committee posts
    "branches_organization",  # grouped organizations
    "branches_term",  # renewal panel: counts by stage over the stored deadlines
    "branches_postponement",  # count of postponements
    "branches_renewal",  # count of renewals
    "branches_organization",  # grouped organizations
    "training_attendance",  # grouped committee posts (the provincial-cycle subquery comes first in the select list)
    "branches_member",  # grouped members
    "branches_post",  # rows of committee posts
    "branches_post",  # count of committee posts
    "assessments_dutyballot",  # rows of 述职评议 ballots
    "assessments_dutyreport",  # rows of 述职评议 reports
    "branches_organization",  # grouped organizations
    "branches_monthlyreport",  # grouped monthly reports
    "branches_organization",  # rows of organizations
    "branches_monthlyreport",  # count of monthly reports
    "assessments_visit",  # rows of observation visits
    "assessments_review",  # grouped reviews
    "branches_organization",  # count of organizations
    "assessments_followup",  # count of lagging-branch follow-ups
    "assessments_followup",  # count of lagging-branch follow-ups
    "assessments_designation",  # count of designations
    "assessments_question",  # count of questions
    "branches_notification",  # count of notifications
]


def test_unit_staff_home_computing_its_shared_panels_runs_exactly_its_named_queries(
    world, personas, client_for, monkeypatch
):
    from branches import home

    monkeypatch.setattr(home, "SHARED_SECONDS", 0)  # nothing is kept: every view computes
    assert tables_queried(client_for(personas["unit_staff"]), "/") == UNIT_STAFF_HOME_COMPUTED
