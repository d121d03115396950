"""Rectification tracker: lifecycle, scope, reminders exactly once, constant queries, 督办 items."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from branches.models import RectificationEvidence, RectificationItem, RectificationReminder, SourceKind
from branches.rectifications import selectors, services
from notifications.models import Notification
from tests.conftest import count_queries

pytestmark = pytest.mark.django_db


def make_item(tree, personas, branch="branch_a", days=10, **extra):
    return services.rectification_create(
        organization=tree[branch],
        source_kind=SourceKind.OBSERVATION_VISIT,
        source_id=7,
        description="三会一课记录不全",
        deadline=timezone.localdate() + timedelta(days=days),
        user=personas["unit_staff"] if branch != "branch_c" else personas["admin"],
        **extra,
    )


def pdf():
    return SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")


def test_lifecycle_open_start_submit_return_submit_verify(tree, personas):
    item = make_item(tree, personas)
    assert Notification.objects.filter(
        recipient=personas["secretary"], kind="rectification_assigned"
    ).exists()
    item = services.rectification_start(item=item, user=personas["secretary"], version=item.version)
    with pytest.raises(ValidationError, match="请上传整改佐证材料"):
        services.rectification_submit(
            item=item, user=personas["secretary"], version=item.version, response="已整改"
        )
    item = services.rectification_submit(
        item=item, user=personas["secretary"], version=item.version, response="已补齐记录", files=[pdf()]
    )
    assert item.status == "submitted" and item.evidence.count() == 1
    with pytest.raises(PermissionDenied):
        services.rectification_verify(item=item, user=personas["secretary"], version=item.version)
    item = services.rectification_return(
        item=item, user=personas["unit_staff"], version=item.version, comment="缺签到表"
    )
    assert item.status == "in_progress"
    item = services.rectification_submit(
        item=item, user=personas["secretary"], version=item.version, response="补签到表"
    )
    item = services.rectification_verify(item=item, user=personas["unit_staff"], version=item.version)
    assert item.status == "verified" and item.verified_by == personas["unit_staff"]
    assert item.history.count() >= 6
    stats = selectors.closure_stats(personas["unit_staff"])
    assert stats["total"] == 1 and stats["closure_rate"] == 1 and stats["avg_days_to_close"] is not None


def test_stale_version_and_bad_input_are_refused_in_chinese(tree, personas):
    item = make_item(tree, personas)
    services.rectification_start(item=item, user=personas["secretary"], version=item.version)
    with pytest.raises(ValidationError, match="请刷新页面"):
        services.rectification_start(item=item, user=personas["secretary"], version=1)
    with pytest.raises(ValidationError, match="整改期限不能早于今天"):
        make_item(tree, personas, days=-1)
    with pytest.raises(ValidationError, match="请上传整改佐证材料|不支持的文件类型"):
        bad = SimpleUploadedFile("x.exe", b"MZ")
        services.rectification_submit(
            item=item, user=personas["secretary"], version=item.version + 1, response="x", files=[bad]
        )


def test_scope_pages_answer_404_outside(tree, personas, client_for):
    own = make_item(tree, personas)
    other = make_item(tree, personas, branch="branch_c")
    client = client_for(personas["secretary"])
    assert client.get(reverse("rectifications:detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("rectifications:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("rectifications:branch", args=[tree["branch_c"].pk])).status_code == 404
    assert client.get(reverse("rectifications:list")).status_code == 403  # staff page
    response = client.post(reverse("rectifications:act", args=[other.pk, "start"]), {"version": 1})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "open"
    staff = client_for(personas["unit_staff"])
    page = staff.get(reverse("rectifications:list")).content.decode()
    assert "甲厅第一党支部" in page and "乙厅第一党支部" not in page
    export = staff.get(reverse("rectifications:list") + "?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_overdue_items_come_first(tree, personas):
    later = make_item(tree, personas, days=20)
    late = make_item(tree, personas, days=1)
    RectificationItem.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - timedelta(days=2))
    rows = list(selectors.rectification_list(personas["unit_staff"]))
    assert [r.pk for r in rows] == [late.pk, later.pk]
    assert [r.pk for r in selectors.rectification_list(personas["unit_staff"], status="overdue")] == [late.pk]


def test_reminders_before_and_at_the_deadline_exactly_once(tree, personas):
    item = make_item(tree, personas, days=10)
    today = timezone.localdate()
    assert services.rectification_reminder_sweep(today=today) == 0  # 10 days out, policy says 7
    assert services.rectification_reminder_sweep(today=today + timedelta(days=3)) == 1
    assert services.rectification_reminder_sweep(today=today + timedelta(days=4)) == 0
    assert services.rectification_reminder_sweep(today=today + timedelta(days=10)) == 1
    assert services.rectification_reminder_sweep(today=today + timedelta(days=11)) == 0
    assert set(RectificationReminder.objects.filter(item=item).values_list("stage", flat=True)) == {
        "due_soon",
        "due",
    }
    kinds = Notification.objects.filter(recipient=personas["secretary"], kind="rectification_reminder")
    assert kinds.count() == 2


@pytest.mark.parametrize("url_name", ["rectifications:list"])
def test_list_query_count_is_the_same_at_two_sizes(tree, personas, client_for, url_name):
    client = client_for(personas["unit_staff"])
    make_item(tree, personas)
    before = count_queries(client, reverse(url_name))
    for _ in range(15):
        make_item(tree, personas, branch="branch_b")
    assert count_queries(client, reverse(url_name)) == before
    item = RectificationItem.objects.first()
    detail = reverse("rectifications:detail", args=[item.pk])
    RectificationEvidence.objects.create(item=item, file="a.pdf", original_name="a.pdf")
    one = count_queries(client, detail)
    for i in range(8):
        RectificationEvidence.objects.create(item=item, file=f"{i}.pdf", original_name=f"{i}.pdf")
    assert count_queries(client, detail) == one


def test_renewal_supervision_files_a_rectification_item(tree, personas):
    from branches.models import Term
    from branches.renewals import services as renewal_services

    Term.objects.create(branch=tree["branch_a"], elected_on=date(2024, 6, 30), ends_on=date(2027, 6, 30))
    renewal_services.renewal_sweep(today=date(2027, 7, 30))
    item = RectificationItem.objects.get(source_kind=SourceKind.RENEWAL_SUPERVISION)
    assert item.organization == tree["branch_a"] and item.deadline == date(2027, 8, 29)
    renewal_services.renewal_sweep(today=date(2027, 7, 31))
    assert RectificationItem.objects.count() == 1
