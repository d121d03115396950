"""Staff return a renewal request with a reason; decisions reach the branch as notices."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from branches.models import Renewal
from branches.renewals import services
from notifications.models import Notification

Step = services.Step
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(date(2027, 6, 1), tick=False):
        yield


def submitted(terms, personas):
    renewal = services.renewal_get_or_start(term=terms["a"])
    services.renewal_step_record(
        renewal=renewal,
        step=Step.REQUEST,
        done_on=date(2027, 4, 1),
        user=personas["secretary"],
        version=renewal.version,
    )
    return renewal


def test_return_needs_a_reason_and_notifies_the_secretary(terms, personas):
    renewal = submitted(terms, personas)
    with pytest.raises(ValidationError, match="请填写退回理由"):
        services.renewal_request_return(
            renewal=renewal, user=personas["unit_staff"], version=renewal.version, reason=" "
        )
    with pytest.raises(PermissionDenied):
        services.renewal_request_return(
            renewal=renewal, user=personas["secretary"], version=renewal.version, reason="x"
        )
    renewal = services.renewal_request_return(
        renewal=renewal, user=personas["unit_staff"], version=renewal.version, reason="候选人名额不符"
    )
    assert renewal.status == Renewal.Status.STARTED
    notice = Notification.objects.get(recipient=personas["secretary"], kind="renewal_request_returned")
    assert (
        notice.display_title == "甲厅第一党支部的换届请示已退回" and notice.display_body == "候选人名额不符"
    )
    # the branch files a corrected request
    services.renewal_step_record(
        renewal=renewal,
        step=Step.REQUEST,
        done_on=date(2027, 4, 2),
        user=personas["secretary"],
        version=renewal.version,
    )


def test_approval_notifies_the_secretary(terms, personas):
    renewal = submitted(terms, personas)
    services.renewal_step_record(
        renewal=renewal,
        step=Step.REQUEST_APPROVAL,
        done_on=date(2027, 4, 8),
        user=personas["unit_staff"],
        version=renewal.version,
    )
    assert Notification.objects.filter(
        recipient=personas["secretary"], kind="renewal_request_approved"
    ).exists()


def test_return_button_for_staff_only_and_post_outside_scope_changes_nothing(terms, personas, client_for):
    renewal = submitted(terms, personas)
    url = reverse("renewals:branch-timeline", args=[terms["a"].branch_id])
    assert 'id="request-return"' in client_for(personas["unit_staff"]).get(url).content.decode()
    assert 'id="request-return"' not in client_for(personas["secretary"]).get(url).content.decode()
    post = reverse("renewals:request-return", args=[terms["a"].branch_id])
    assert (
        client_for(personas["outsider"]).post(post, {"version": renewal.version, "reason": "x"}).status_code
        == 404
    )
    assert (
        client_for(personas["secretary"]).post(post, {"version": renewal.version, "reason": "x"}).status_code
        == 403
    )
    renewal.refresh_from_db()
    assert renewal.status == Renewal.Status.REQUEST_SUBMITTED
    client_for(personas["unit_staff"]).post(post, {"version": renewal.version, "reason": "请补充材料"})
    renewal.refresh_from_db()
    assert renewal.status == Renewal.Status.STARTED
