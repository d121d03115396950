"""An approved early renewal (提前换届) or postponement moves the countdown, the calendar, the
reminder ladder and opens the procedure."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from branches.models import Postponement
from branches.renewals import ical, ladder, selectors, services
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)
ADVANCED_TO = date(2027, 1, 15)  # branch_a's term expires on 2027-06-30


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2026, 11, 30, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def approve(term, personas, kind, until, requester=None):
    """The branch's secretary requests (``requester`` for another branch than branch_a), the
    unit staff approve."""
    request = services.postponement_request(
        term=term, kind=kind, until=until, reason="单位机构改革", user=requester or personas["secretary"]
    )
    return services.postponement_decide(postponement=request, approve=True, user=personas["unit_staff"])


def current(branch):
    return selectors.with_stages(
        [t for t in selectors.branch_terms(branch) if t.status == "active"], today=TODAY
    )[0]


def test_early_renewal_moves_countdown_ladder_calendar_and_feed(terms, tree, personas, client_for):
    branch = tree["branch_a"]
    before = current(branch)
    assert before.facts.deadline == date(2027, 6, 30) and before.stage is None
    approve(terms["a"], personas, Postponement.Kind.ADVANCE, ADVANCED_TO)

    view = current(branch)
    assert view.facts.deadline == ADVANCED_TO and view.facts.advanced
    assert view.days_left == (ADVANCED_TO - TODAY).days
    assert view.stage == ladder.Stage.SECOND  # three months before the advanced date, no request yet
    due = ladder.due_dates(view.facts, ladder.Offsets())
    assert due[ladder.Stage.URGENT] == date(2026, 12, 15) and due[ladder.Stage.OVERDUE] == ADVANCED_TO

    calendar = [
        t.branch_id for t in selectors.calendar_terms(personas["unit_staff"], month_start=date(2027, 1, 1))
    ]
    assert branch.pk in calendar
    assert branch.pk not in [
        t.branch_id for t in selectors.calendar_terms(personas["unit_staff"], month_start=date(2027, 6, 1))
    ]
    events = [
        e[0]
        for e in ical.term_events(
            selectors.feed_terms(personas["secretary"], today=TODAY)[0], offsets=ladder.Offsets()
        )
    ]
    assert "advanced" in events

    page = client_for(personas["secretary"]).get(f"/renewals/branch/{branch.pk}/")
    html = page.content.decode()
    assert 'id="advanced-to"' in html and "2027-01-15" in html
    assert page.context["next_step"] == "request"  # the procedure is open now


def test_early_renewal_far_ahead_still_opens_the_procedure(terms, tree, personas, client_for):
    # branch_b expires 2028-06-30; an early renewal on 2027-09-01 is more than 6 months away
    secretary_b = UserFactory(username="secretary_b")
    grant(secretary_b, Role.SECRETARY, tree["branch_b"])
    approve(terms["b"], personas, Postponement.Kind.ADVANCE, date(2027, 9, 1), requester=secretary_b)
    page = client_for(personas["unit_staff"]).get(f"/renewals/branch/{tree['branch_b'].pk}/")
    assert page.context["next_step"] == "request"


def test_the_latest_approved_decision_wins(terms, tree, personas):
    approve(terms["a"], personas, Postponement.Kind.POSTPONE, date(2027, 12, 31))
    assert current(tree["branch_a"]).facts.deadline == date(2027, 12, 31)
    with time_machine.travel(datetime(2026, 12, 5, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        approve(terms["a"], personas, Postponement.Kind.ADVANCE, ADVANCED_TO)
    assert current(tree["branch_a"]).facts.deadline == ADVANCED_TO


def test_the_sweep_sees_a_term_whose_early_renewal_is_near(terms, personas):
    # branch_a expires 2027-06-30, beyond the sweep's six-month window until the advance
    assert terms["a"].pk not in {
        r["id"] for r in selectors.terms_for_sweep(today=TODAY, offsets=ladder.Offsets())
    }
    approve(terms["a"], personas, Postponement.Kind.ADVANCE, ADVANCED_TO)
    swept = {row["id"] for row in selectors.terms_for_sweep(today=TODAY, offsets=ladder.Offsets())}
    assert terms["a"].pk in swept


def test_the_stored_decision_date_follows_every_write_of_a_postponement(terms, tree, personas):
    """``Term.postponed_until`` (what the deadline reads) follows the service, a plain save
    (admin, shell), a status change and a delete; a rejected or pending request moves nothing."""
    term = terms["a"]

    def deadline():
        return current(tree["branch_a"]).facts.deadline

    pending = Postponement.objects.create(term=term, until=date(2027, 9, 30), reason="x")
    assert deadline() == date(2027, 6, 30)
    pending.status = Postponement.Status.APPROVED
    pending.decided_on = date(2026, 11, 1)
    pending.save()
    assert deadline() == date(2027, 9, 30)
    later = Postponement.objects.create(
        term=term, until=date(2027, 11, 30), reason="y", status="approved", decided_on=date(2026, 11, 20)
    )
    assert deadline() == date(2027, 11, 30)
    later.delete()
    assert deadline() == date(2027, 9, 30)
    pending.status = Postponement.Status.REJECTED
    pending.save()
    assert deadline() == date(2027, 6, 30)
    services.postponement_decide(
        postponement=Postponement.objects.create(term=term, until=date(2027, 8, 31), reason="z"),
        approve=False,
        user=personas["unit_staff"],
        note="不同意",
    )
    assert deadline() == date(2027, 6, 30)
