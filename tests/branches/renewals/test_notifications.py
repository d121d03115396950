"""The notification centre: filters, mark read, acknowledge a renewal reminder."""

from datetime import date

import pytest
from django.urls import reverse

from branches.renewals import services
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_secretary_filters_and_acknowledges_reminder(client_for, personas, terms):
    services.renewal_sweep(today=date(2026, 12, 30))
    client = client_for(personas["secretary"])
    page = client.get(reverse("notifications:list") + "?filter=ack").content.decode()
    assert "【换届提醒】甲厅第一党支部" in page and "确认收到" in page
    notice = Notification.objects.get(recipient=personas["secretary"])
    client.post(reverse("notifications:ack", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None and notice.read_at is not None
    assert "暂无通知" in client.get(reverse("notifications:list") + "?filter=ack").content.decode()
    assert "暂无通知" in client.get(reverse("notifications:list") + "?filter=unread").content.decode()
    timeline = client.get(reverse("renewals:branch-timeline", args=[terms["a"].branch_id])).content.decode()
    assert "书记已确认" in timeline


def test_open_marks_read_and_follows_link_to_term(client_for, personas, terms):
    services.renewal_sweep(today=date(2026, 12, 30))
    notice = Notification.objects.get(recipient=personas["unit_staff"], organization=terms["a"].branch)
    response = client_for(personas["unit_staff"]).post(reverse("notifications:open", args=[notice.pk]))
    assert response.url == reverse("renewals:branch-timeline", args=[terms["a"].branch_id])
    notice.refresh_from_db()
    assert notice.read_at is not None
